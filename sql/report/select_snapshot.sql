-- A snapshot's header: date, versions, inputs and the region's path. Grain: snapshot.
SELECT
    s.snapshot_id,
    s.as_of_date,
    s.methodology_version,
    s.plan_version,
    s.load_batch_count,
    s.region_path
FROM core.snapshot AS s
WHERE s.snapshot_id = :snapshot_id
