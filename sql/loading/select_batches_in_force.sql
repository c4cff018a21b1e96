-- The batch whose data is in force for each of a source's batch keys: the latest one that was
-- not rejected. Grain: one row per batch key.
SELECT DISTINCT ON (b.batch_key)
    b.batch_key,
    b.batch_id,
    b.checksum_sha256,
    b.volume
FROM audit.load_batches AS b
WHERE
    b.source = :source
    AND b.batch_key = any(:batch_keys)
    AND b.status <> 'rejected'
ORDER BY b.batch_key ASC, b.batch_id DESC
