-- Serialises snapshots of one as-of date until the current transaction ends.
SELECT pg_advisory_xact_lock(hashtextextended('snapshot/' || CAST(:as_of AS text), 7301007))
