-- Which load batches each month's facts come from, kept by the monthly-counts refresh, so a
-- snapshot reads its lineage from here instead of scanning the facts of every month it counts.
CREATE TABLE core.month_load_batch (
    month date NOT NULL,
    load_batch_id bigint NOT NULL REFERENCES audit.load_batches,
    PRIMARY KEY (month, load_batch_id)
);
COMMENT ON TABLE core.month_load_batch IS
'Происхождение данных месяца / Load batches whose facts a month''s counts read (ЕПГУ, МФЦ, '
'ОМСУ facts and the forms in force); kept by the monthly-counts refresh; grain: month x batch';
COMMENT ON COLUMN core.month_load_batch.month IS
'Первый день месяца / First day of the month the facts belong to';
COMMENT ON COLUMN core.month_load_batch.load_batch_id IS
'Пакет загрузки / Load batch with facts (or the form in force) of that month';

-- A warehouse that already has facts: the lineage of every month as the facts say now.
INSERT INTO core.month_load_batch (month, load_batch_id)
SELECT
    a.submitted_month,
    a.load_batch_id
FROM core.fact_epgu_application AS a
UNION
SELECT
    m.accepted_month,
    m.load_batch_id
FROM core.fact_mfc_application AS m
UNION
SELECT
    f.report_month,
    f.load_batch_id
FROM core.fact_omsu_service_figures AS f
UNION
SELECT
    c.report_month,
    c.load_batch_id
FROM core.fact_omsu_campaign AS c
UNION
SELECT
    CAST(date_trunc('month', b.period_start) AS date) AS month,
    max(b.batch_id) AS load_batch_id
FROM audit.load_batches AS b
WHERE b.source = 'omsu' AND b.status IN ('loaded', 'partial')
GROUP BY b.oktmo, b.period_start;
