-- What each source has loaded: batches by verdict, rows, the covered periods and the last
-- batch written. Grain: one source.
SELECT
    b.source,
    count(*) FILTER (WHERE b.status = 'loaded') AS batches_loaded,
    count(*) FILTER (WHERE b.status = 'partial') AS batches_partial,
    count(*) FILTER (WHERE b.status = 'rejected') AS batches_rejected,
    count(*) FILTER (WHERE b.status = 'skipped_unchanged') AS batches_skipped_unchanged,
    coalesce(sum(b.rows_loaded), 0) AS rows_loaded,
    coalesce(sum(b.rows_quarantined), 0) AS rows_quarantined,
    min(b.period_start) FILTER (WHERE b.status <> 'rejected') AS first_period,
    max(b.period_end) FILTER (WHERE b.status <> 'rejected') AS last_period,
    max(b.finished_at) AS last_batch_at
FROM audit.load_batches AS b
GROUP BY b.source
ORDER BY b.source
