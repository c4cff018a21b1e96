-- Serialises writers that share a lock key: held until the current transaction ends.
SELECT pg_advisory_xact_lock(:lock_key)
