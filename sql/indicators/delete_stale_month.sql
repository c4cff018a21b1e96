-- Clears a month's stale mark once its counts are refreshed (same transaction).
DELETE FROM audit.stale_months
WHERE month = :month
