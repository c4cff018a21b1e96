-- The latest batch that validated each of some deliveries, with its verdict fingerprint
-- (null unless a re-processing wrote it). Grain: one delivery.
SELECT DISTINCT ON (bd.delivery_id)
    bd.delivery_id,
    b.batch_id,
    b.status,
    b.verdict_sha256
FROM audit.batch_deliveries AS bd
INNER JOIN audit.load_batches AS b ON bd.batch_id = b.batch_id
WHERE bd.delivery_id = any(:delivery_ids)  -- noqa: RF02
ORDER BY bd.delivery_id ASC, b.batch_id DESC
