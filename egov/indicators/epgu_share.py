"""I1 `epgu_share` for a snapshot: figures per scope and month, then the engine per scope.

Pure functions over the monthly counts (core.agg_application_monthly) and the dimensions.
Scopes (methodology.md): `region` (all МСЗУ), `municipality` (the municipal МСЗУ addressed to
it), `service` (one service over the region) and `municipality_service` (one service of one
municipality, regional services included for information). Shares are ratios of sums;
coverage is municipal forms received / owed over the same months, so a missing report lowers
coverage and leaves the share to what was received.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import pandas as pd

from egov.calendar import month_end, next_month
from egov.indicators import engine
from egov.indicators.methodology import INDICATOR_EPGU_SHARE, Methodology
from egov.indicators.share import expected_municipality_months, month_range, month_start

REGION = "region"
MUNICIPALITY = "municipality"
SERVICE = "service"
MUNICIPALITY_SERVICE = "municipality_service"
SCOPE_TYPES = (REGION, MUNICIPALITY, SERVICE, MUNICIPALITY_SERVICE)

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


@dataclass(frozen=True)
class MonthFigures:
    """One scope's counts in one month: applications and municipal forms."""

    n_online: int
    n_total: int
    forms_owed: int
    forms_received: int


@dataclass(frozen=True)
class PlanMilestone:
    """A milestone row of the plan-schedule version in force."""

    scope_type: str
    scope_code: str
    day: date
    target_pct: float


@dataclass(frozen=True)
class PlanInForce:
    """The plan-schedule version in force for the as-of date, for I1."""

    version: str
    interpolation: engine.Interpolation
    baseline_day: date
    baseline_pct: float | None
    """None: measured from the data (the scope's first months after the baseline date)."""
    milestones: tuple[PlanMilestone, ...]

    def milestones_for(self, scope_type: str, code: str) -> tuple[engine.Milestone, ...]:
        """Milestones of one scope: a municipality takes the `all_municipalities` ones and its
        own (its own win on the same date); the region, for information, the municipal ones
        unless the plan has `region` milestones; a service only its own."""
        own_type = {MUNICIPALITY: "municipality", SERVICE: "service", REGION: "region"}.get(
            scope_type
        )
        if own_type is None:
            return ()
        own = {
            m.day: m.target_pct
            for m in self.milestones
            if (m.scope_type, m.scope_code) == (own_type, code if own_type != "region" else "")
        }
        shared: dict[date, float] = {}
        if scope_type == MUNICIPALITY or (scope_type == REGION and not own):
            shared = {
                m.day: m.target_pct for m in self.milestones if m.scope_type == "all_municipalities"
            }
        merged = {**shared, **own}
        return tuple(engine.Milestone(day, pct) for day, pct in sorted(merged.items()))


def _pct(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator * 100.0


def form_is_due(month: date, as_of: date, due_day: int | None) -> bool:
    """Whether a month's municipal form is overdue by the end of the as-of date (due "by the
    Nth" of the next month: overdue from its end). Without a due day every form is due."""
    if due_day is None:
        return True
    return next_month(month) + timedelta(days=due_day) <= as_of + timedelta(days=1)


def scope_month_figures(
    counts: pd.DataFrame,
    municipalities: pd.DataFrame,
    months: Sequence[date],
    *,
    as_of: date | None = None,
    forms_due_day: int | None = None,
) -> dict[tuple[str, str, str], dict[date, MonthFigures]]:
    """{(scope_type, oktmo, service_code): {month: figures}} for the months given.

    `counts` has month, oktmo, service_code, service_level, n_epgu_online, n_total,
    has_omsu_report. A municipality owes a month when its code exists on the month's last
    day; a municipality scope exists in a year if it owes a form or has counts that year.
    With `as_of`, a form not yet due then (`forms_due_day` of the next month) counts as owed
    only once received, so the running month does not lower coverage before its deadline.
    """
    wanted = set(months)
    data = counts[[month_start(m) in wanted for m in counts["month"]]].copy()
    data["month"] = [month_start(m) for m in data["month"]]
    data["oktmo"] = data["oktmo"].astype(str)
    owed_pairs = set(
        expected_municipality_months(municipalities, months).itertuples(index=False, name=None)
    )
    received_pairs = (
        set(
            data.loc[data["has_omsu_report"].astype(bool), ["month", "oktmo"]].itertuples(
                index=False, name=None
            )
        )
        & owed_pairs
    )
    if as_of is not None:
        owed_pairs = {
            (m, o)
            for m, o in owed_pairs
            if (m, o) in received_pairs or form_is_due(m, as_of, forms_due_day)
        }
    owed_by_month: dict[date, set[str]] = {}
    for m, o in owed_pairs:
        owed_by_month.setdefault(m, set()).add(o)

    def sums(frame: pd.DataFrame, keys: list[str]) -> dict[tuple[Any, ...], tuple[int, int]]:
        grouped = frame.groupby(keys)[["n_epgu_online", "n_total"]].sum()
        return {
            (k if isinstance(k, tuple) else (k,)): (int(on), int(tot))
            for k, on, tot in grouped.itertuples(name=None)
        }

    municipal = data[data["service_level"] == "municipal"]
    figures: dict[tuple[str, str, str], dict[date, MonthFigures]] = {}

    def put(
        key: tuple[str, str, str], month: date, online: int, total: int, owed: int, received: int
    ) -> None:
        figures.setdefault(key, {})[month] = MonthFigures(online, total, owed, received)

    by_month = sums(data, ["month"])
    region_forms = {
        m: (
            len(owed_by_month.get(m, ())),
            sum(1 for o in owed_by_month.get(m, ()) if (m, o) in received_pairs),
        )
        for m in months
    }
    for month in months:
        online, total = by_month.get((month,), (0, 0))
        put((REGION, "", ""), month, online, total, *region_forms[month])

    by_service = sums(data, ["month", "service_code"])
    for (month, service), (online, total) in by_service.items():
        put((SERVICE, "", str(service)), month, online, total, *region_forms[month])

    by_municipality = sums(municipal, ["month", "oktmo"])
    years_of: dict[str, set[int]] = {}
    for m, o in owed_pairs | {(m, o) for m, o in by_municipality}:
        years_of.setdefault(o, set()).add(m.year)
    for oktmo, years in years_of.items():
        for month in months:
            if month.year not in years:
                continue
            online, total = by_municipality.get((month, oktmo), (0, 0))
            is_owed = (month, oktmo) in owed_pairs
            put(
                (MUNICIPALITY, oktmo, ""),
                month,
                online,
                total,
                int(is_owed),
                int((month, oktmo) in received_pairs),
            )

    by_pair = sums(data, ["month", "oktmo", "service_code"])
    for (month, oktmo, service), (online, total) in by_pair.items():
        is_owed = (month, oktmo) in owed_pairs
        put(
            (MUNICIPALITY_SERVICE, str(oktmo), str(service)),
            month,
            online,
            total,
            int(is_owed),
            int((month, oktmo) in received_pairs),
        )
    # A service scope owes the forms of every month of its years, applications or not: a
    # missing report in a month without applications still lowers its coverage.
    for (scope, oktmo, service), series in list(figures.items()):
        if scope not in (SERVICE, MUNICIPALITY_SERVICE):
            continue
        years = {m.year for m in series}
        for month in months:
            if month.year in years and month not in series:
                if scope == SERVICE:
                    owed, received = region_forms[month]
                else:
                    owed = int((month, oktmo) in owed_pairs)
                    received = int((month, oktmo) in received_pairs)
                put((scope, oktmo, service), month, 0, 0, owed, received)
    return figures


def period_sum(series: Mapping[date, MonthFigures], first: date, last: date) -> MonthFigures:
    """Sum of a scope's months from first to last (month starts, inclusive)."""
    parts = [f for m, f in series.items() if first <= m <= last]
    return MonthFigures(
        sum(f.n_online for f in parts),
        sum(f.n_total for f in parts),
        sum(f.forms_owed for f in parts),
        sum(f.forms_received for f in parts),
    )


def ytd_figures(series: Mapping[date, MonthFigures], day: date) -> MonthFigures:
    """Year to date through the day's month."""
    return period_sum(series, date(day.year, 1, 1), month_start(day))


def quarter_start(day: date) -> date:
    """First day of the day's quarter."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def measured_baseline(
    series: Mapping[date, MonthFigures], baseline_day: date, months: int
) -> float | None:
    """The scope's share over the first `months` months after the baseline date (the data
    starts with the plan, so these are the nearest measurement); None without applications."""
    first = month_start(baseline_day + timedelta(days=1))
    last = month_range(first, first + timedelta(days=31 * (months - 1)))[-1]
    figures = period_sum(series, first, last)
    return _pct(figures.n_online, figures.n_total)


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
    actual = _pct(ytd.n_online, ytd.n_total)
    monthly = [
        (min(month_end(m), as_of), share)
        for m, f in sorted(series.items())
        if m <= month_start(as_of) and (share := _pct(f.n_online, f.n_total)) is not None
    ]
    trend = engine.weighted_trend(monthly, as_of, methodology.forecast)
    row: dict[str, Any] = {
        "actual_pct": actual,
        "numerator": ytd.n_online,
        "denominator": ytd.n_total,
        "coverage_pct": _pct(ytd.forms_received, ytd.forms_owed),
        "forms_owed": ytd.forms_owed,
        "forms_received": ytd.forms_received,
        "month_pct": _pct(month.n_online, month.n_total),
        "month_numerator": month.n_online,
        "month_denominator": month.n_total,
        "quarter_pct": _pct(quarter.n_online, quarter.n_total),
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
        value_then = _pct(at_due.n_online, at_due.n_total)
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


def previous_month_end(day: date) -> date:
    """The last day of the month before the day's month (the previous monthly snapshot)."""
    return month_start(day) - timedelta(days=1)


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


def snapshot_months(as_of: date, first_data_month: date | None) -> list[date]:
    """Months a snapshot reads: every month with data through the as-of month (the trend, the
    measured baseline and last month's ranking look back before the year to date)."""
    last = month_start(as_of)
    return month_range(min(first_data_month or last, last), last)


@dataclass(frozen=True)
class ShareFigures:
    """What a snapshot's I1 rows and the region's path are computed from, built once."""

    as_of: date
    months: list[date]
    by_scope: dict[tuple[str, str, str], dict[date, MonthFigures]]


def share_figures(
    counts: pd.DataFrame,
    municipalities: pd.DataFrame,
    as_of: date,
    forms_due_day: int | None = None,
) -> ShareFigures:
    """Figures per scope and month for a snapshot as of a date (see scope_month_figures)."""
    first_data = min((month_start(m) for m in counts["month"]), default=None)
    months = snapshot_months(as_of, first_data)
    by_scope = scope_month_figures(
        counts, municipalities, months, as_of=as_of, forms_due_day=forms_due_day
    )
    return ShareFigures(as_of, months, by_scope)


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
                "ytd_share_pct": _pct(ytd.n_online, ytd.n_total),
                "expected_pct": engine.expected_pct(path, day) if path else None,
            }
        )
    return points


def plan_vertices(plan: PlanInForce | None, baseline_pct: float | None) -> list[dict[str, Any]]:
    """Corner points of the region's expected path (the baseline first)."""
    if plan is None or baseline_pct is None:
        return []
    milestones = plan.milestones_for(REGION, "")
    path = engine.PlanPath(plan.baseline_day, baseline_pct, milestones, plan.interpolation)
    return [{"date": d.isoformat(), "pct": pct} for d, pct in path.vertices()]
