-- The latest landed delivery under one key (grain: at most one row).
SELECT
    delivery_id,
    checksum_sha256,
    blob_path,
    fetched_at
FROM raw.deliveries
WHERE source = :source AND delivery_key = :delivery_key
ORDER BY delivery_id DESC
LIMIT 1
