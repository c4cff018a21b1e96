-- Records one landed delivery whose bytes are already in the raw store.
INSERT INTO raw.deliveries (
    source, delivery_key, period_start, period_end, checksum_sha256, size_bytes,
    media_type, blob_path, fetched_at, metadata
)
VALUES (
    :source, :delivery_key, :period_start, :period_end, :checksum_sha256, :size_bytes,
    :media_type, :blob_path, :fetched_at, CAST(:metadata AS jsonb)
)
RETURNING delivery_id
