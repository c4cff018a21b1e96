-- One-row summary of the reference data in the warehouse, as of today.
WITH municipalities AS (
    SELECT
        count(*) AS municipalities_current,
        count(*) FILTER (WHERE NOT is_oktmo_verified) AS municipalities_unverified,
        count(*) FILTER (WHERE is_population_estimated) AS population_estimated,
        coalesce(sum(population_for_rates), 0) AS population_for_rates
    FROM core.dim_municipality
    WHERE valid_from <= current_date AND (valid_to IS NULL OR valid_to >= current_date)
),

services AS (
    SELECT
        count(*) FILTER (WHERE level = 'municipal') AS services_municipal,
        count(*) FILTER (WHERE level = 'regional') AS services_regional,
        count(*) FILTER (WHERE is_code_illustrative) AS services_illustrative
    FROM core.dim_service
),

channels AS (
    SELECT
        count(*) AS channels,
        count(*) FILTER (WHERE is_online_without_visit) AS channels_online
    FROM core.dim_channel
),

plans AS (
    SELECT
        count(*) AS plan_versions,
        (SELECT count(*) FROM core.plan_milestone) AS plan_milestones,
        max(effective_from) AS latest_plan_effective_from,
        (
            SELECT p.plan_version FROM core.plan_schedule AS p
            ORDER BY p.effective_from DESC, p.plan_version DESC
            LIMIT 1
        ) AS latest_plan_version
    FROM core.plan_schedule
)

SELECT
    m.municipalities_current,
    m.municipalities_unverified,
    m.population_estimated,
    m.population_for_rates,
    s.services_municipal,
    s.services_regional,
    s.services_illustrative,
    c.channels,
    c.channels_online,
    p.plan_versions,
    p.plan_milestones,
    p.latest_plan_version,
    p.latest_plan_effective_from
FROM municipalities AS m
CROSS JOIN services AS s
CROSS JOIN channels AS c
CROSS JOIN plans AS p
