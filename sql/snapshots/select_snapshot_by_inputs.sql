-- The snapshot already computed from the same date, versions and inputs, if any.
SELECT
    s.snapshot_id,
    s.rows_sha256
FROM core.snapshot AS s
WHERE
    s.as_of_date = CAST(:as_of AS date)
    AND s.methodology_version = :methodology_version
    AND coalesce(s.plan_version, '') = coalesce(CAST(:plan_version AS text), '')
    AND s.inputs_sha256 = :inputs_sha256
