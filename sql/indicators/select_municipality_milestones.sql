-- ЕПГУ share milestones that apply to each municipality, from the plan-schedule version in
-- force on the as-of date (the latest one effective by then). Grain: milestone date.
WITH plan_in_force AS (
    SELECT p.plan_version
    FROM core.plan_schedule AS p
    WHERE p.effective_from <= CAST(:as_of AS date)
    ORDER BY p.effective_from DESC, p.plan_version DESC
    LIMIT 1
),

milestones AS (
    SELECT
        m.plan_version,
        m.milestone_date,
        m.target_pct
    FROM core.plan_milestone AS m
    WHERE m.indicator_code = :indicator_code AND m.scope_type = 'all_municipalities'
)

SELECT
    m.plan_version,
    m.milestone_date,
    m.target_pct
FROM milestones AS m
INNER JOIN plan_in_force AS v ON m.plan_version = v.plan_version
ORDER BY m.milestone_date
