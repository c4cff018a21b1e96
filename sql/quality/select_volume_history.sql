-- Volumes of a source's accepted batches since a day, for the spike/drop rule.
-- Grain: one load batch.
SELECT
    source,
    oktmo,
    period_start,
    volume
FROM audit.load_batches
WHERE
    source = :source
    AND status IN ('loaded', 'partial')
    AND period_start >= CAST(:since AS date)
ORDER BY period_start, batch_id
