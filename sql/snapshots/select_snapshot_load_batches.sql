-- The load batches whose facts a snapshot counts: the lineage the monthly-counts refresh keeps
-- for the months it reads (their ЕПГУ, МФЦ and ОМСУ facts, every status, and the forms in force)
-- and the ЕКЦ calls of its periods; with each batch's natural key, which the inputs fingerprint
-- uses (ids differ between two equal loads). Grain: load batch.
WITH used AS (
    SELECT l.load_batch_id
    FROM core.month_load_batch AS l
    WHERE l.month BETWEEN CAST(:first_month AS date) AND CAST(:as_of AS date)
    UNION
    SELECT e.load_batch_id
    FROM core.fact_ekc_call AS e
    WHERE e.call_date BETWEEN CAST(:ekc_from AS date) AND CAST(:as_of AS date)
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
