-- Every scope that must report, with its freshness as of now (the BI view).
SELECT
    source,
    oktmo,
    municipality_name,
    last_period_loaded,
    next_period_expected,
    expected_by,
    is_overdue,
    days_overdue,
    periods_missing
FROM mart.source_freshness
ORDER BY source, oktmo NULLS FIRST
