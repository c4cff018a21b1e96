-- ЕКЦ calls among :call_ids that stay loaded when the day :day is replaced (their call_date
-- is another day), with the day of the export that loaded each. Grain: one loaded call.
WITH loaded AS (
    SELECT
        call_id,
        load_batch_id
    FROM core.fact_ekc_call
    WHERE
        call_id = any(CAST(:call_ids AS text[]))
        AND call_date <> CAST(:day AS date)
)

SELECT
    l.call_id,
    b.period_start AS export_day
FROM loaded AS l
INNER JOIN audit.load_batches AS b ON l.load_batch_id = b.batch_id
ORDER BY l.call_id
