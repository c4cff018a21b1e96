"""I1 `epgu_share` rows of a snapshot: the engine's verdict per scope, ranks, the region's path.

Pure functions over the figures per scope and month (egov/indicators/share_figures.py) and the
plan in force (egov/indicators/plan.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import pandas as pd

from egov.calendar import (
    add_months,
    month_end,
    month_start,
    previous_month_end,
    quarter_start,
)
from egov.indicators import engine
from egov.indicators.methodology import INDICATOR_EPGU_SHARE, Methodology
from egov.indicators.plan import PlanInForce
from egov.indicators.share_figures import (
    MUNICIPALITY,
    REGION,
    MonthFigures,
    ShareFigures,
    pct,
    period_sum,
    ytd_figures,
)

SNAPSHOT_COLUMNS = [
    "indicator_code",
    "scope_type",
    "oktmo",
    "service_code",
    "actual_pct",
    "numerator",
    "denominator",
    "coverage_pct",
    "forms_owed",
    "forms_received",
    "month_pct",
    "month_numerator",
    "month_denominator",
    "quarter_pct",
    "quarter_numerator",
    "quarter_denominator",
    "baseline_pct",
    "expected_pct",
    "next_milestone_date",
    "next_milestone_target_pct",
    "gap_pp",
    "attainment",
    "status",
    "forecast_pct",
    "projected_date",
    "projection_note",
    "required_pace_pp",
    "observed_pace_pp",
    "trend_months",
    "rank",
    "rank_change",
]
"""Grain: indicator x scope (x service where the scope has one); '' = no OKTMO / service."""


def measured_baseline(
    series: Mapping[date, MonthFigures], baseline_day: date, months: int
) -> float | None:
    """The scope's share over the first `months` months after the baseline date (the data
    starts with the plan, so these are the nearest measurement); None without applications."""
    first = month_start(baseline_day + timedelta(days=1))
    last = add_months(first, months - 1)
    figures = period_sum(series, first, last)
    return pct(figures.n_online, figures.n_total)


def scope_baseline(
    series: Mapping[date, MonthFigures], plan: PlanInForce, methodology: Methodology
) -> float | None:
    """The plan's baseline for a scope: the plan's number, or measured from the scope's data."""
    if plan.baseline_pct is not None:
        return plan.baseline_pct
    return measured_baseline(
        series, plan.baseline_day, methodology.epgu_share.measured_baseline_months
    )


def _rank_value(figures: MonthFigures, min_denominator: int) -> Fraction | None:
    if figures.n_total < min_denominator:
        return None
    return Fraction(figures.n_online, figures.n_total)


def evaluate_scope(
    series: Mapping[date, MonthFigures],
    milestones: tuple[engine.Milestone, ...],
    plan: PlanInForce | None,
    as_of: date,
    methodology: Methodology,
) -> dict[str, Any]:
    """Actual (year to date, quarter, month), coverage and the engine's verdict for a scope."""
    ytd = ytd_figures(series, as_of)
    quarter = period_sum(series, quarter_start(as_of), month_start(as_of))
    month = series.get(month_start(as_of), MonthFigures(0, 0, 0, 0))
    actual = pct(ytd.n_online, ytd.n_total)
    monthly = [
        (min(month_end(m), as_of), share)
        for m, f in sorted(series.items())
        if m <= month_start(as_of) and (share := pct(f.n_online, f.n_total)) is not None
    ]
    trend = engine.weighted_trend(monthly, as_of, methodology.forecast)
    row: dict[str, Any] = {
        "actual_pct": actual,
        "numerator": ytd.n_online,
        "denominator": ytd.n_total,
        "coverage_pct": pct(ytd.forms_received, ytd.forms_owed),
        "forms_owed": ytd.forms_owed,
        "forms_received": ytd.forms_received,
        "month_pct": pct(month.n_online, month.n_total),
        "month_numerator": month.n_online,
        "month_denominator": month.n_total,
        "quarter_pct": pct(quarter.n_online, quarter.n_total),
        "quarter_numerator": quarter.n_online,
        "quarter_denominator": quarter.n_total,
        "observed_pace_pp": trend.slope_pp if trend else None,
        "trend_months": trend.points if trend else 0,
    }
    baseline = None
    if plan is not None and milestones:
        baseline = scope_baseline(series, plan, methodology)
    if plan is None or not milestones or baseline is None:
        status = engine.classify_status(
            actual_pct=actual,
            denominator=ytd.n_total,
            min_denominator=methodology.epgu_share.min_denominator,
            expected=None,
            attained=None,
            is_milestone_met=False,
            thresholds=methodology.status_thresholds,
        )
        return {
            **row,
            "baseline_pct": baseline,
            "expected_pct": None,
            "next_milestone_date": None,
            "next_milestone_target_pct": None,
            "gap_pp": None,
            "attainment": None,
            "status": status,
            "forecast_pct": None,
            "projected_date": None,
            "projection_note": None,
            "required_pace_pp": None,
        }
    path = engine.PlanPath(plan.baseline_day, baseline, milestones, plan.interpolation)
    expected = engine.expected_pct(path, as_of)
    attained = engine.attainment(actual, baseline, expected)
    due = engine.milestone_due(path, as_of)
    is_met = False
    if due is not None:
        at_due = ytd_figures(series, due.day)
        value_then = pct(at_due.n_online, at_due.n_total)
        is_met = value_then is not None and value_then >= due.target_pct
    upcoming = engine.next_milestone(path, as_of)
    target = upcoming or due
    projected, note = engine.projected_date(
        trend,
        actual,
        target.target_pct if target else None,
        as_of,
        methodology.forecast.horizon_months,
    )
    return {
        **row,
        "baseline_pct": baseline,
        "expected_pct": expected,
        "next_milestone_date": upcoming.day if upcoming else None,
        "next_milestone_target_pct": upcoming.target_pct if upcoming else None,
        "gap_pp": engine.gap_pp(actual, expected),
        "attainment": attained,
        "status": engine.classify_status(
            actual_pct=actual,
            denominator=ytd.n_total,
            min_denominator=methodology.epgu_share.min_denominator,
            expected=expected,
            attained=attained,
            is_milestone_met=is_met,
            thresholds=methodology.status_thresholds,
        ),
        "forecast_pct": engine.forecast_pct(trend, actual, as_of, target.day if target else None),
        "projected_date": projected,
        "projection_note": note,
        "required_pace_pp": engine.required_pace_pp(actual, upcoming, as_of),
    }


def municipality_ranks(
    figures: Mapping[tuple[str, str, str], Mapping[date, MonthFigures]],
    day: date,
    min_denominator: int,
) -> dict[str, int]:
    """Rank of each municipality by its year-to-date share as of the day (ties share a rank;
    too few applications or none ranks last)."""
    values = {
        oktmo: _rank_value(ytd_figures(series, day), min_denominator)
        for (scope, oktmo, _), series in figures.items()
        if scope == MUNICIPALITY and any(m.year == day.year for m in series)
    }
    return engine.rank_with_ties(values)


def epgu_share_rows(
    shares: ShareFigures, plan: PlanInForce | None, methodology: Methodology
) -> pd.DataFrame:
    """I1 snapshot rows (columns SNAPSHOT_COLUMNS) for every scope, as of a date."""
    as_of, months, figures = shares.as_of, shares.months, shares.by_scope
    min_denominator = methodology.epgu_share.min_denominator
    ranks = municipality_ranks(figures, as_of, min_denominator)
    previous = previous_month_end(as_of)
    previous_ranks = (
        municipality_ranks(figures, previous, min_denominator) if previous >= months[0] else {}
    )
    changes = engine.rank_change(previous_ranks, ranks)
    rows: list[dict[str, Any]] = []
    for (scope_type, oktmo, service_code), series in sorted(figures.items()):
        if not any(m.year == as_of.year for m in series):
            continue
        code = oktmo if scope_type == MUNICIPALITY else service_code
        milestones = plan.milestones_for(scope_type, code) if plan else ()
        row = evaluate_scope(series, milestones, plan, as_of, methodology)
        is_ranked = scope_type == MUNICIPALITY
        rows.append(
            {
                "indicator_code": INDICATOR_EPGU_SHARE,
                "scope_type": scope_type,
                "oktmo": oktmo,
                "service_code": service_code,
                **row,
                "rank": ranks.get(oktmo) if is_ranked else None,
                "rank_change": changes.get(oktmo) if is_ranked else None,
            }
        )
    # object dtype keeps integers integers next to None (a float rank would not load).
    return pd.DataFrame(rows, columns=SNAPSHOT_COLUMNS, dtype=object)


def region_path(
    shares: ShareFigures, plan: PlanInForce | None, methodology: Methodology
) -> list[dict[str, Any]]:
    """The region's year-to-date share at each month end through the as-of date, with the
    plan's expected value that day (the report's chart)."""
    as_of, months = shares.as_of, shares.months
    series = shares.by_scope.get((REGION, "", ""), {})
    milestones = plan.milestones_for(REGION, "") if plan else ()
    baseline = None
    if plan is not None:
        baseline = scope_baseline(series, plan, methodology)
    path = (
        engine.PlanPath(plan.baseline_day, baseline, milestones, plan.interpolation)
        if plan and baseline is not None and milestones
        else None
    )
    points = []
    for month in months:
        day = min(month_end(month), as_of)
        ytd = ytd_figures(series, day)
        points.append(
            {
                "month_end": day.isoformat(),
                "year": day.year,
                "ytd_share_pct": pct(ytd.n_online, ytd.n_total),
                "expected_pct": engine.expected_pct(path, day) if path else None,
            }
        )
    return points
