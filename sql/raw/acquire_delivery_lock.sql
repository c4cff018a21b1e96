-- Serialises landings of the same delivery key until the current transaction ends.
SELECT pg_advisory_xact_lock(hashtextextended(:source || '/' || :delivery_key, 7301003))
