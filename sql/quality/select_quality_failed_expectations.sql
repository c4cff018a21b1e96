-- Failed expectations of the filtered batches, blocking first (grain: batch x expectation).
-- Filters as in select_quality_sources; at most :max_rows rows.
WITH batches AS (
    SELECT
        b.batch_id,
        b.source,
        b.batch_key,
        b.status,
        b.period_start
    FROM audit.load_batches AS b
    WHERE
        (CAST(:source AS text) IS NULL OR b.source = CAST(:source AS text))
        AND (CAST(:period_first AS date) IS NULL OR b.period_end >= CAST(:period_first AS date))
        AND (CAST(:period_last AS date) IS NULL OR b.period_start <= CAST(:period_last AS date))
)

SELECT
    r.batch_id,
    b.source,
    b.batch_key,
    b.status,
    r.suite,
    r.expectation,
    r.severity,
    r.element_count,
    r.unexpected_count,
    r.details
FROM audit.expectation_results AS r
INNER JOIN batches AS b ON r.batch_id = b.batch_id
WHERE NOT r.success
ORDER BY
    b.source ASC,
    b.period_start ASC,
    b.batch_key ASC,
    r.batch_id DESC,
    r.severity = 'blocking' DESC,
    r.unexpected_count DESC,
    r.expectation ASC
LIMIT :max_rows
