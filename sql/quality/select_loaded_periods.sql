-- Periods that count as delivered: (source, oktmo for per-municipality sources, period start).
SELECT
    source,
    oktmo,
    period_start
FROM audit.loaded_periods
ORDER BY source, oktmo NULLS FIRST, period_start
