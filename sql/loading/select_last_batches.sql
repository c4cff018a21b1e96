-- The most recently written load batches, newest first. Grain: one batch.
SELECT
    b.batch_id,
    b.source,
    b.batch_key,
    b.status,
    b.rows_in,
    b.rows_loaded,
    b.rows_quarantined,
    b.finished_at,
    b.message
FROM audit.load_batches AS b
ORDER BY b.batch_id DESC
LIMIT :limit_rows
