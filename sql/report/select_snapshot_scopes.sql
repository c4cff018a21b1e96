-- A snapshot's region and municipality rows of one indicator, with the municipality's name
-- on the as-of date. Grain: scope.
WITH rows AS (
    SELECT x.*
    FROM core.snapshot_indicator AS x
    WHERE
        x.snapshot_id = :snapshot_id
        AND x.indicator_code = :indicator_code
        AND x.scope_type IN ('region', 'municipality')
)

SELECT
    r.scope_type,
    r.oktmo,
    m.name,
    r.actual_pct,
    r.numerator,
    r.denominator,
    r.coverage_pct,
    r.forms_owed,
    r.forms_received,
    r.month_pct,
    r.quarter_pct,
    r.baseline_pct,
    r.expected_pct,
    r.gap_pp,
    r.attainment,
    r.status,
    r.forecast_pct,
    r.projected_date,
    r.projection_note,
    r.next_milestone_date,
    r.next_milestone_target_pct,
    r.required_pace_pp,
    r.observed_pace_pp,
    r.rank,
    r.rank_change
FROM rows AS r
INNER JOIN core.snapshot AS s ON r.snapshot_id = s.snapshot_id
LEFT JOIN core.dim_municipality AS m
    ON
        r.oktmo = m.oktmo
        AND s.as_of_date >= m.valid_from
        AND (m.valid_to IS NULL OR s.as_of_date <= m.valid_to)
ORDER BY r.scope_type DESC, r.rank ASC, m.name ASC, r.oktmo ASC
