-- One landed delivery by id (grain: at most one row).
SELECT
    delivery_id,
    source,
    delivery_key,
    period_start,
    period_end,
    checksum_sha256,
    size_bytes,
    media_type,
    blob_path,
    fetched_at,
    metadata
FROM raw.deliveries
WHERE delivery_id = :delivery_id
