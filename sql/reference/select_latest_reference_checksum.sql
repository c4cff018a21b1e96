-- Checksum of the latest load of a reference dataset (no row when never loaded).
SELECT checksum_sha256
FROM audit.reference_loads
WHERE dataset = :dataset
ORDER BY reference_load_id DESC
LIMIT 1
