-- Volumes of a source's batches in force since a day (the latest accepted batch per batch
-- key), for the spike/drop rule when re-processing: a key's earlier and re-processed batches
-- count once. Grain: one batch key.
SELECT DISTINCT ON (batch_key)
    source,
    oktmo,
    period_start,
    volume
FROM audit.load_batches
WHERE
    source = :source
    AND status IN ('loaded', 'partial')
    AND period_start >= CAST(:since AS date)
ORDER BY batch_key ASC, batch_id DESC
