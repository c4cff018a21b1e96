-- Monthly application counts up to a month (all months when null), with the service's level.
-- Grain: month x municipality x МСЗУ service.
WITH counts AS (
    SELECT a.*
    FROM core.agg_application_monthly AS a
    WHERE CAST(:through_month AS date) IS NULL OR a.month <= CAST(:through_month AS date)
)

SELECT
    c.month,
    c.oktmo,
    c.service_code,
    s.level AS service_level,
    c.n_online,
    c.n_epgu_online,
    c.n_epgu,
    c.n_mfc,
    c.n_omsu_direct,
    c.n_total,
    c.has_omsu_report,
    c.max_load_batch_id
FROM counts AS c
LEFT JOIN core.dim_service AS s ON c.service_code = s.service_code
ORDER BY c.month, c.oktmo, c.service_code
