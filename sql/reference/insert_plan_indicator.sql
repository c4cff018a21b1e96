-- Adds the settings of one indicator in a plan-schedule version.
INSERT INTO core.plan_indicator (
    plan_version, indicator_code, unit, direction, interpolation,
    baseline_date, baseline_pct, is_baseline_measured
)
VALUES (
    :plan_version, :indicator_code, :unit, :direction, :interpolation,
    :baseline_date, :baseline_pct, :is_baseline_measured
)
