-- Brings a month's lineage in line with its facts now: the batches its ЕПГУ, МФЦ and ОМСУ facts
-- come from (every status: exclusion is a rule applied to them) and its forms in force. Rows
-- that stay are left alone, so an unchanged month rewrites nothing. Grain: month x load batch.
WITH used AS (
    SELECT a.load_batch_id
    FROM core.fact_epgu_application AS a
    WHERE a.submitted_month = CAST(:month AS date)
    UNION
    SELECT m.load_batch_id
    FROM core.fact_mfc_application AS m
    WHERE m.accepted_month = CAST(:month AS date)
    UNION
    SELECT f.load_batch_id
    FROM core.fact_omsu_service_figures AS f
    WHERE f.report_month = CAST(:month AS date)
    UNION
    SELECT c.load_batch_id
    FROM core.fact_omsu_campaign AS c
    WHERE c.report_month = CAST(:month AS date)
    UNION
    SELECT max(b.batch_id) AS load_batch_id
    FROM audit.load_batches AS b
    WHERE
        b.source = 'omsu'
        AND b.status IN ('loaded', 'partial')
        AND b.period_start >= CAST(:month AS date)
        AND b.period_start < CAST(:month AS date) + interval '1 month'
    GROUP BY b.oktmo, b.period_start
),

gone AS (
    DELETE FROM core.month_load_batch AS l
    WHERE
        l.month = CAST(:month AS date)
        AND NOT EXISTS (
            SELECT 1 FROM used AS u
            WHERE u.load_batch_id = l.load_batch_id
        )
)

INSERT INTO core.month_load_batch (month, load_batch_id)
SELECT
    CAST(:month AS date) AS month,
    u.load_batch_id
FROM used AS u
ON CONFLICT (month, load_batch_id) DO NOTHING
