-- Landed pages of one ЕПГУ window (every fetch of it); the manifest says which ones form the
-- fetch. Grain: one page delivery.
SELECT
    delivery_id,
    delivery_key,
    checksum_sha256
FROM raw.deliveries
WHERE source = 'epgu' AND starts_with(delivery_key, :page_key_prefix)
ORDER BY delivery_id
