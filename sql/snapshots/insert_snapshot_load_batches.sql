-- The snapshot's lineage: one row per load batch it counted.
INSERT INTO core.snapshot_load_batch (snapshot_id, load_batch_id)
SELECT
    CAST(:snapshot_id AS bigint) AS snapshot_id,
    b.load_batch_id
FROM unnest(CAST(:load_batch_ids AS bigint[])) AS b (load_batch_id)
