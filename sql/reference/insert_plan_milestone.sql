-- Adds one milestone of a plan-schedule version.
INSERT INTO core.plan_milestone (
    plan_version, indicator_code, scope_type, scope_code, milestone_date, target_pct
)
VALUES (
    :plan_version, :indicator_code, :scope_type, :scope_code, :milestone_date, :target_pct
)
