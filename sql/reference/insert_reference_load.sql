-- Records one reference dataset load; counts are filled in when the load has run.
INSERT INTO audit.reference_loads (
    dataset, dataset_version, source_file, checksum_sha256, rows_in,
    rows_inserted, rows_updated, rows_deleted, flow_run_id
)
VALUES (
    :dataset, :dataset_version, :source_file, :checksum_sha256, :rows_in,
    0, 0, 0, CAST(:flow_run_id AS uuid)
)
RETURNING reference_load_id
