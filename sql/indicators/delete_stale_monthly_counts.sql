-- Remove the month's aggregate rows that the facts no longer produce (staging is the truth).
DELETE FROM core.agg_application_monthly AS a
WHERE
    a.month = CAST(:month AS date)
    AND NOT EXISTS (
        SELECT 1 FROM monthly_counts_staging AS s
        WHERE s.oktmo = a.oktmo AND s.service_code = a.service_code
    )
