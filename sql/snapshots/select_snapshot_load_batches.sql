-- The load batches whose facts a snapshot counts: facts of the months it reads (applications
-- and forms, every status, since exclusion is a rule applied to them), ЕКЦ calls of its
-- periods, and the forms in force of its months; with each batch's natural key, which the
-- inputs fingerprint uses (ids differ between two equal loads). Grain: load batch.
WITH used AS (
    SELECT a.load_batch_id
    FROM core.fact_epgu_application AS a
    WHERE a.submitted_month BETWEEN CAST(:first_month AS date) AND CAST(:as_of AS date)
    UNION
    SELECT m.load_batch_id
    FROM core.fact_mfc_application AS m
    WHERE m.accepted_month BETWEEN CAST(:first_month AS date) AND CAST(:as_of AS date)
    UNION
    SELECT f.load_batch_id
    FROM core.fact_omsu_service_figures AS f
    WHERE f.report_month BETWEEN CAST(:first_month AS date) AND CAST(:as_of AS date)
    UNION
    SELECT c.load_batch_id
    FROM core.fact_omsu_campaign AS c
    WHERE c.report_month BETWEEN CAST(:first_month AS date) AND CAST(:as_of AS date)
    UNION
    SELECT e.load_batch_id
    FROM core.fact_ekc_call AS e
    WHERE e.call_date BETWEEN CAST(:ekc_from AS date) AND CAST(:as_of AS date)
    UNION
    SELECT max(b.batch_id) AS load_batch_id
    FROM audit.load_batches AS b
    WHERE
        b.source = 'omsu'
        AND b.status IN ('loaded', 'partial')
        AND b.period_start BETWEEN CAST(:first_month AS date) AND CAST(:as_of AS date)
    GROUP BY b.oktmo, b.period_start
)

SELECT
    u.load_batch_id,
    b.source,
    b.batch_key,
    b.checksum_sha256 AS checksum,
    b.status
FROM used AS u
INNER JOIN audit.load_batches AS b ON u.load_batch_id = b.batch_id
ORDER BY u.load_batch_id
