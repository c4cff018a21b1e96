-- Serialises loads of one (source, period) across runs until the current transaction ends.
SELECT pg_advisory_xact_lock(hashtextextended(:lock_name, 7301005))
