-- The reference loads behind the dimensions a snapshot joins (names, levels, populations,
-- validity), by dataset and file checksum, so a corrected reference file makes a new
-- snapshot. Grain: reference load.
WITH used AS (
    SELECT m.reference_load_id FROM core.dim_municipality AS m
    UNION
    SELECT s.reference_load_id FROM core.dim_service AS s
)

SELECT
    r.dataset,
    r.checksum_sha256
FROM used AS u
INNER JOIN audit.reference_loads AS r ON u.reference_load_id = r.reference_load_id
ORDER BY r.dataset, r.checksum_sha256
