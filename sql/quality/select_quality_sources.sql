-- Per source: validated batches by status and their row accounting (grain: source).
-- Optional filters: :source, and a month [:period_first, :period_last] the batch period overlaps.
SELECT
    b.source,
    count(*) AS batches,
    count(*) FILTER (WHERE b.status = 'loaded') AS batches_loaded,
    count(*) FILTER (WHERE b.status = 'partial') AS batches_partial,
    count(*) FILTER (WHERE b.status = 'rejected') AS batches_rejected,
    count(*) FILTER (WHERE b.status = 'skipped_unchanged') AS batches_unchanged,
    coalesce(sum(b.rows_in), 0) AS rows_in,
    coalesce(sum(b.rows_loaded), 0) AS rows_loaded,
    coalesce(sum(b.rows_quarantined), 0) AS rows_quarantined,
    coalesce(sum(b.rows_rejected), 0) AS rows_rejected,
    count(*) FILTER (
        WHERE b.rows_in <> b.rows_loaded + b.rows_quarantined + b.rows_rejected
    ) AS batches_unaccounted
FROM audit.load_batches AS b
WHERE
    (CAST(:source AS text) IS NULL OR b.source = CAST(:source AS text))
    AND (CAST(:period_first AS date) IS NULL OR b.period_end >= CAST(:period_first AS date))
    AND (CAST(:period_last AS date) IS NULL OR b.period_start <= CAST(:period_last AS date))
GROUP BY b.source
ORDER BY b.source
