-- Top reasons rows were quarantined, with the first such row as an example
-- (grain: source x rule x column). Filters as in select_quality_sources; top :max_rows.
WITH batches AS (
    SELECT b.batch_id
    FROM audit.load_batches AS b
    WHERE
        (CAST(:source AS text) IS NULL OR b.source = CAST(:source AS text))
        AND (CAST(:period_first AS date) IS NULL OR b.period_end >= CAST(:period_first AS date))
        AND (CAST(:period_last AS date) IS NULL OR b.period_start <= CAST(:period_last AS date))
)

SELECT
    q.source,
    q.rule,
    q.column_name,
    count(*) AS quarantined_rows,
    count(DISTINCT q.batch_id) AS batches,
    (array_agg(q.reason ORDER BY q.batch_id, q.delivery_id, q.source_row))[1] AS example_reason,
    (array_agg(q.source_file ORDER BY q.batch_id, q.delivery_id, q.source_row))[1]
        AS example_file,
    (array_agg(q.source_row ORDER BY q.batch_id, q.delivery_id, q.source_row))[1]
        AS example_row
FROM audit.quarantine AS q
INNER JOIN batches AS b ON q.batch_id = b.batch_id
GROUP BY q.source, q.rule, q.column_name
ORDER BY quarantined_rows DESC, q.source ASC, q.rule ASC, q.column_name ASC
LIMIT :max_rows
