-- Batches with something to report: not fully loaded, or any expectation failed
-- (grain: load batch). Filters as in select_quality_sources; at most :max_rows rows.
SELECT
    b.batch_id,
    b.source,
    b.batch_key,
    b.oktmo,
    b.period_start,
    b.period_end,
    b.status,
    b.rows_in,
    b.rows_loaded,
    b.rows_quarantined,
    b.rows_rejected,
    b.message,
    b.finished_at,
    (
        SELECT count(*)
        FROM audit.expectation_results AS r
        WHERE r.batch_id = b.batch_id AND NOT r.success
    ) AS failed_expectations
FROM audit.load_batches AS b
WHERE
    (CAST(:source AS text) IS NULL OR b.source = CAST(:source AS text))
    AND (CAST(:period_first AS date) IS NULL OR b.period_end >= CAST(:period_first AS date))
    AND (CAST(:period_last AS date) IS NULL OR b.period_start <= CAST(:period_last AS date))
    AND (
        b.status IN ('partial', 'rejected')
        OR b.rows_in <> b.rows_loaded + b.rows_quarantined + b.rows_rejected
        OR EXISTS (
            SELECT 1
            FROM audit.expectation_results AS r
            WHERE r.batch_id = b.batch_id AND NOT r.success
        )
    )
ORDER BY b.source ASC, b.period_start ASC, b.batch_key ASC, b.batch_id DESC
LIMIT :max_rows
