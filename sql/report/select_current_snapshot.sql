-- The latest snapshot of an as-of date (none if it was never taken).
SELECT max(s.snapshot_id) AS snapshot_id
FROM core.snapshot AS s
WHERE s.as_of_date = CAST(:as_of AS date)
