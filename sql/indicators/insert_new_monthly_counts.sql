-- Add the staged rows the month's aggregate does not have yet.
INSERT INTO core.agg_application_monthly (
    month,
    oktmo,
    service_code,
    n_online,
    n_epgu_online,
    n_epgu,
    n_mfc,
    n_omsu_direct,
    n_total,
    has_omsu_report,
    max_load_batch_id
)
SELECT
    s.month,
    s.oktmo,
    s.service_code,
    s.n_online,
    s.n_epgu_online,
    s.n_epgu,
    s.n_mfc,
    s.n_omsu_direct,
    s.n_total,
    s.has_omsu_report,
    s.max_load_batch_id
FROM monthly_counts_staging AS s
WHERE
    NOT EXISTS (
        SELECT 1 FROM core.agg_application_monthly AS a
        WHERE a.month = s.month AND a.oktmo = s.oktmo AND a.service_code = s.service_code
    )
ORDER BY s.oktmo, s.service_code
