-- Milestones of one plan version and indicator. Grain: scope x milestone date.
SELECT
    m.scope_type,
    m.scope_code,
    m.milestone_date,
    m.target_pct
FROM core.plan_milestone AS m
WHERE m.plan_version = :plan_version AND m.indicator_code = :indicator_code
ORDER BY m.scope_type, m.scope_code, m.milestone_date
