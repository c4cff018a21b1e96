-- Months that have application facts, a municipal form, or aggregate rows (so a month whose
-- facts are gone is refreshed to empty). Grain: one month.
SELECT a.submitted_month AS month FROM core.fact_epgu_application AS a
UNION
SELECT m.accepted_month AS month FROM core.fact_mfc_application AS m
UNION
SELECT f.report_month AS month FROM core.fact_omsu_service_figures AS f
UNION
SELECT date_trunc('month', b.period_start)::date AS month FROM audit.load_batches AS b
WHERE b.source = 'omsu' AND b.status IN ('loaded', 'partial')
UNION
SELECT g.month FROM core.agg_application_monthly AS g
ORDER BY month
