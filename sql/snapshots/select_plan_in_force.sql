-- The plan-schedule version in force on the as-of date (the latest effective by then) and its
-- rules for one indicator. Grain: one row, or none without a plan.
WITH plans AS (
    SELECT
        p.plan_version,
        p.content_sha256,
        p.effective_from
    FROM core.plan_schedule AS p
    WHERE p.effective_from <= CAST(:as_of AS date)
),

rules AS (
    SELECT
        i.plan_version,
        i.interpolation,
        i.baseline_date,
        i.baseline_pct
    FROM core.plan_indicator AS i
    WHERE i.indicator_code = :indicator_code
)

SELECT
    p.plan_version,
    p.content_sha256,
    r.interpolation,
    r.baseline_date,
    r.baseline_pct
FROM plans AS p
INNER JOIN rules AS r ON p.plan_version = r.plan_version
ORDER BY p.effective_from DESC, p.plan_version DESC
LIMIT 1
