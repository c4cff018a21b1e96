-- The reference loads behind the dimensions a snapshot joins (names, levels, populations,
-- validity), so a corrected reference file makes a new snapshot. Grain: reference load.
SELECT DISTINCT d.reference_load_id
FROM (
    SELECT m.reference_load_id FROM core.dim_municipality AS m
    UNION ALL
    SELECT s.reference_load_id FROM core.dim_service AS s
) AS d
ORDER BY d.reference_load_id
