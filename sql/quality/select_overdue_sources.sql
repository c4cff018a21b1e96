-- Scopes whose earliest outstanding period is past its due time, as of now (the BI view).
SELECT
    source,
    oktmo,
    municipality_name,
    last_period_loaded,
    next_period_expected,
    expected_by,
    days_overdue,
    periods_missing
FROM mart.source_freshness
WHERE is_overdue
ORDER BY source, oktmo NULLS FIRST
