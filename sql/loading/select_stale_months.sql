-- Months whose monthly counts lag the facts, oldest first. Grain: one month.
SELECT s.month
FROM audit.stale_months AS s
ORDER BY s.month
