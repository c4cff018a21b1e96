"""The milestone engine: pure functions from figures, a plan path and the rules to a verdict.

Everything here works on plain values (dates, floats, Fractions) so each rule is tested with
small hand-computed cases (tests/unit/indicators/test_engine.py); the snapshot module feeds it
from the warehouse. Months are measured as days / (365.25 / 12) so a pace is p.p. per month
whatever the month's length.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Literal

from egov.indicators.methodology import ForecastRules, StatusThresholds

DAYS_PER_MONTH = 365.25 / 12

Interpolation = Literal["linear", "step"]
Status = Literal[
    "achieved", "on_track", "at_risk", "off_track", "deteriorating", "insufficient_data"
]
STATUSES: tuple[Status, ...] = (
    "achieved",
    "on_track",
    "at_risk",
    "off_track",
    "deteriorating",
    "insufficient_data",
)
ProjectionNote = Literal["reached", "beyond_horizon", "no_upward_trend", "no_trend"]


@dataclass(frozen=True)
class Milestone:
    """A target of the plan-schedule: the value to reach by a date."""

    day: date
    target_pct: float


@dataclass(frozen=True)
class PlanPath:
    """The expected path of one scope: its baseline and its milestones (sorted by date)."""

    baseline_day: date
    baseline_pct: float
    milestones: tuple[Milestone, ...]
    interpolation: Interpolation = "linear"

    def vertices(self) -> list[tuple[date, float]]:
        """Corner points of the path: the baseline, then each milestone."""
        return [(self.baseline_day, self.baseline_pct)] + [
            (m.day, m.target_pct) for m in self.milestones
        ]


def months_between(start: date, end: date) -> float:
    """Months from start to end (negative when end is earlier)."""
    return (end - start).days / DAYS_PER_MONTH


def expected_pct(path: PlanPath, day: date) -> float:
    """The target interpolated for a day.

    Linear: straight lines from the baseline through each milestone. Step: the next
    milestone's target applies for the whole stretch before it. Before the baseline the
    baseline holds; after the last milestone its target holds.
    """
    previous_day, previous_pct = path.baseline_day, path.baseline_pct
    if day <= previous_day:
        return previous_pct
    for milestone in path.milestones:
        if day <= milestone.day:
            # On its date the target itself: prev + 1.0 × (target − prev) can miss it by a bit.
            if path.interpolation == "step" or day == milestone.day:
                return milestone.target_pct
            share = (day - previous_day).days / (milestone.day - previous_day).days
            return previous_pct + share * (milestone.target_pct - previous_pct)
        previous_day, previous_pct = milestone.day, milestone.target_pct
    return previous_pct


def next_milestone(path: PlanPath, day: date) -> Milestone | None:
    """The first milestone after the day (None once the plan's last date has passed)."""
    return next((m for m in path.milestones if m.day > day), None)


def milestone_due(path: PlanPath, day: date) -> Milestone | None:
    """The milestone the day's year-to-date value is judged against as *passed*, if any.

    That is the latest milestone on or before the day, provided it falls in the day's year
    (its year-to-date value is still the one compared) or the plan has no later milestone
    (after the plan's end, the last result stands).
    """
    passed = [m for m in path.milestones if m.day <= day]
    if not passed:
        return None
    latest = passed[-1]
    if latest.day.year == day.year or next_milestone(path, day) is None:
        return latest
    return None


def gap_pp(actual_pct: float | None, expected: float | None) -> float | None:
    """Actual minus expected, in percentage points (negative = behind the plan)."""
    if actual_pct is None or expected is None:
        return None
    return actual_pct - expected


def attainment(actual_pct: float | None, baseline_pct: float, expected: float) -> float | None:
    """(actual - baseline) / (expected - baseline); None when the plan asks for no rise yet."""
    if actual_pct is None:
        return None
    planned_rise = expected - baseline_pct
    if planned_rise <= 1e-9:
        return None
    return (actual_pct - baseline_pct) / planned_rise


def classify_status(
    *,
    actual_pct: float | None,
    denominator: int,
    min_denominator: int,
    expected: float | None,
    attained: float | None,
    is_milestone_met: bool,
    thresholds: StatusThresholds,
) -> Status | None:
    """The scope's status; None when no milestone applies to it (nothing to judge against).

    Order: too few applications -> insufficient_data; a passed milestone met -> achieved;
    then attainment against the thresholds. When the plan asks for no rise (attainment
    undefined), on_track if the actual is at or above the expected value, else off_track.
    """
    if actual_pct is None or denominator < min_denominator:
        return "insufficient_data"
    if expected is None:
        return None
    if is_milestone_met:
        return "achieved"
    if attained is None:
        return "on_track" if actual_pct >= expected else "off_track"
    if attained >= thresholds.on_track:
        return "on_track"
    if attained >= thresholds.at_risk:
        return "at_risk"
    if attained >= thresholds.off_track:
        return "off_track"
    return "deteriorating"


@dataclass(frozen=True)
class Trend:
    """A weighted straight line through the monthly values, anchored at the as-of date."""

    level_pct: float
    """The line's value on the as-of date."""
    slope_pp: float
    """Percentage points per month (the observed pace)."""
    points: int

    def value_at(self, as_of: date, day: date) -> float:
        """The line's value on a day."""
        return self.level_pct + self.slope_pp * months_between(as_of, day)


def weighted_trend(
    monthly: Sequence[tuple[date, float]], as_of: date, rules: ForecastRules
) -> Trend | None:
    """Weighted least-squares line through (month end, monthly value) points.

    Uses the last `trend_months` points on or before the as-of date; a point's weight halves
    every `half_life_months` further back, so recent months weigh more. None (no trend) with
    fewer than `min_trend_months` points.
    """
    points = sorted((day, value) for day, value in monthly if day <= as_of)[-rules.trend_months :]
    if len(points) < rules.min_trend_months:
        return None
    xs = [months_between(as_of, day) for day, _ in points]
    ws = [0.5 ** (-x / rules.half_life_months) for x in xs]
    ys = [value for _, value in points]
    total = sum(ws)
    mean_x = sum(w * x for w, x in zip(ws, xs, strict=True)) / total
    mean_y = sum(w * y for w, y in zip(ws, ys, strict=True)) / total
    spread = sum(w * (x - mean_x) ** 2 for w, x in zip(ws, xs, strict=True))
    if spread <= 0:
        return None
    slope = (
        sum(w * (x - mean_x) * (y - mean_y) for w, x, y in zip(ws, xs, ys, strict=True)) / spread
    )
    return Trend(level_pct=mean_y - slope * mean_x, slope_pp=slope, points=len(points))


def bounded_pct(value: float) -> float:
    """A share kept within 0–100 %."""
    return min(100.0, max(0.0, value))


def forecast_pct(
    trend: Trend | None, current_pct: float | None, as_of: date, target_day: date | None
) -> float | None:
    """The trend's value on the target date, bounded to 0–100 %; without a trend, the
    current value (nothing says it will move)."""
    if target_day is None or current_pct is None:
        return None
    if trend is None:
        return bounded_pct(current_pct)
    return bounded_pct(trend.value_at(as_of, target_day))


def projected_date(
    trend: Trend | None,
    current_pct: float | None,
    target_pct: float | None,
    as_of: date,
    horizon_months: int,
) -> tuple[date | None, ProjectionNote | None]:
    """The day the trend reaches the target, or why there is none.

    `reached`: the current value is already at the target; `no_trend`: too few months;
    `no_upward_trend`: the line does not rise; `beyond_horizon`: it rises but reaches the
    target only after `horizon_months`. A line already above the target gives the as-of date.
    """
    if target_pct is None or current_pct is None:
        return None, None
    if current_pct >= target_pct:
        return None, "reached"
    if trend is None:
        return None, "no_trend"
    if trend.level_pct >= target_pct:
        return as_of, None
    if trend.slope_pp <= 0:
        return None, "no_upward_trend"
    months = (target_pct - trend.level_pct) / trend.slope_pp
    if months > horizon_months:
        return None, "beyond_horizon"
    return as_of + timedelta(days=round(months * DAYS_PER_MONTH)), None


def required_pace_pp(
    current_pct: float | None, target: Milestone | None, as_of: date
) -> float | None:
    """Percentage points per month needed from now to reach the target on its date (0 when
    already there)."""
    if current_pct is None or target is None:
        return None
    months = months_between(as_of, target.day)
    if months <= 0:
        return None
    return max(0.0, (target.target_pct - current_pct) / months)


def rank_with_ties(values: Mapping[str, Fraction | None]) -> dict[str, int]:
    """Rank by value, highest first: equal values share a rank (1, 2, 2, 4), and every key
    without a value shares the rank after the last one with a value."""
    ranked = sorted((v for v in values.values() if v is not None), reverse=True)
    first_rank: dict[Fraction, int] = {}
    for position, value in enumerate(ranked, start=1):
        first_rank.setdefault(value, position)
    no_data_rank = len(ranked) + 1
    return {
        key: no_data_rank if value is None else first_rank[value] for key, value in values.items()
    }


def rank_change(previous: Mapping[str, int], current: Mapping[str, int]) -> dict[str, int | None]:
    """Places gained since the previous ranking (positive = moved up; None = not ranked then)."""
    return {
        key: (previous[key] - rank if key in previous else None) for key, rank in current.items()
    }
