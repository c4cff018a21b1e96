-- Rewrite only the month's aggregate rows whose counts or lineage differ from staging, so an
-- unchanged row keeps its exact tuple.
UPDATE core.agg_application_monthly AS a
SET
    n_online = s.n_online,
    n_epgu_online = s.n_epgu_online,
    n_epgu = s.n_epgu,
    n_mfc = s.n_mfc,
    n_omsu_direct = s.n_omsu_direct,
    n_total = s.n_total,
    has_omsu_report = s.has_omsu_report,
    max_load_batch_id = s.max_load_batch_id
FROM monthly_counts_staging AS s
WHERE
    a.month = s.month
    AND a.oktmo = s.oktmo
    AND a.service_code = s.service_code
    AND (
        a.n_online,
        a.n_epgu_online,
        a.n_epgu,
        a.n_mfc,
        a.n_omsu_direct,
        a.n_total,
        a.has_omsu_report,
        a.max_load_batch_id
    ) IS DISTINCT FROM (
        s.n_online,
        s.n_epgu_online,
        s.n_epgu,
        s.n_mfc,
        s.n_omsu_direct,
        s.n_total,
        s.has_omsu_report,
        s.max_load_batch_id
    )
