-- Adds one plan-schedule version (versions are immutable once loaded).
INSERT INTO core.plan_schedule (
    plan_version, set_by, replaces, effective_from, content_sha256, reference_load_id
)
VALUES (
    :plan_version, :set_by, :replaces, :effective_from, :content_sha256, :reference_load_id
)
