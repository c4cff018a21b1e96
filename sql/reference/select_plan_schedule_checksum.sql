-- Content checksum of a loaded plan-schedule version (no row when not loaded).
SELECT content_sha256
FROM core.plan_schedule
WHERE plan_version = :plan_version
