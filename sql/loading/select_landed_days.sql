-- For each day of a daily source between two days: when its latest delivery was fetched
-- (the backfill re-fetches a ЕКЦ day whose export was taken before it was final).
-- Grain: one day.
SELECT
    d.period_start AS landed_day,
    max(d.fetched_at) AS fetched_at
FROM raw.deliveries AS d
WHERE
    d.source = :source
    AND d.period_start BETWEEN :first_day AND :last_day
GROUP BY d.period_start
