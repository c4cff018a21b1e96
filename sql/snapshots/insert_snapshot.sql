-- Records a new snapshot and returns its id.
INSERT INTO core.snapshot (
    as_of_date,
    methodology_version,
    plan_version,
    inputs_sha256,
    rows_sha256,
    load_batch_count,
    max_load_batch_id,
    region_path
)
VALUES (
    :as_of,
    :methodology_version,
    :plan_version,
    :inputs_sha256,
    :rows_sha256,
    :load_batch_count,
    :max_load_batch_id,
    CAST(:region_path AS jsonb)
)
RETURNING snapshot_id
