"""The milestone engine, rule by rule, on small hand-computed cases."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import pytest

from egov.indicators import engine
from egov.indicators.engine import DAYS_PER_MONTH, Milestone, PlanPath, Trend
from egov.indicators.methodology import ForecastRules, StatusThresholds

PLAN = PlanPath(
    baseline_day=date(2022, 12, 31),
    baseline_pct=30.0,
    milestones=(Milestone(date(2023, 12, 31), 40.0), Milestone(date(2024, 12, 31), 50.0)),
)
THRESHOLDS = StatusThresholds(on_track=0.95, at_risk=0.6, off_track=0.0)
RULES = ForecastRules(trend_months=12, half_life_months=6, min_trend_months=3, horizon_months=36)


# --- expected value -----------------------------------------------------------------------


def test_linear_interpolation_runs_straight_from_the_baseline_to_each_milestone() -> None:
    ten_days = PlanPath(date(2023, 1, 1), 20.0, (Milestone(date(2023, 1, 11), 40.0),))
    assert engine.expected_pct(ten_days, date(2023, 1, 6)) == pytest.approx(30.0)  # half way
    assert engine.expected_pct(ten_days, date(2023, 1, 2)) == pytest.approx(22.0)
    # 2023: 365 days from 30 % to 40 %; 2 July is day 183.
    assert engine.expected_pct(PLAN, date(2023, 7, 2)) == pytest.approx(30 + 10 * 183 / 365)
    # Between the two milestones: 2024 has 366 days and 1 July is 183 days in: half way.
    assert engine.expected_pct(PLAN, date(2024, 7, 1)) == pytest.approx(45.0)


def test_the_path_holds_the_baseline_before_it_and_each_target_on_its_date_and_after() -> None:
    assert engine.expected_pct(PLAN, date(2022, 6, 30)) == 30.0
    assert engine.expected_pct(PLAN, date(2023, 12, 31)) == 40.0
    assert engine.expected_pct(PLAN, date(2024, 12, 31)) == 50.0
    assert engine.expected_pct(PLAN, date(2026, 1, 1)) == 50.0


def test_on_a_milestones_date_the_path_is_its_target_exactly() -> None:
    # Interpolated, 0.2 + 1.0 × (0.9 − 0.2) would be 0.8999999999999999.
    path = PlanPath(date(2023, 1, 1), 0.2, (Milestone(date(2023, 1, 11), 0.9),))
    assert engine.expected_pct(path, date(2023, 1, 11)) == 0.9


def test_step_mode_applies_the_next_milestones_target_all_along() -> None:
    step = PlanPath(PLAN.baseline_day, 30.0, PLAN.milestones, interpolation="step")
    assert engine.expected_pct(step, date(2023, 1, 1)) == 40.0
    assert engine.expected_pct(step, date(2023, 12, 31)) == 40.0
    assert engine.expected_pct(step, date(2024, 1, 1)) == 50.0
    assert engine.expected_pct(step, date(2022, 12, 31)) == 30.0


def test_next_and_due_milestones() -> None:
    assert engine.next_milestone(PLAN, date(2023, 12, 31)) == Milestone(date(2024, 12, 31), 50.0)
    assert engine.next_milestone(PLAN, date(2025, 1, 1)) is None
    # On the milestone's date its year-to-date value is judged against it ...
    assert engine.milestone_due(PLAN, date(2023, 12, 31)) == Milestone(date(2023, 12, 31), 40.0)
    # ... in the next year the 2024 path is what counts ...
    assert engine.milestone_due(PLAN, date(2024, 6, 30)) is None
    # ... and after the plan's end its last result stands.
    assert engine.milestone_due(PLAN, date(2025, 3, 31)) == Milestone(date(2024, 12, 31), 50.0)
    assert engine.milestone_due(PLAN, date(2023, 6, 30)) is None


# --- gap, attainment, status ---------------------------------------------------------------


def test_gap_and_attainment() -> None:
    assert engine.gap_pp(35.0, 40.0) == -5.0
    assert engine.gap_pp(None, 40.0) is None
    # (actual - baseline) / (expected - baseline)
    assert engine.attainment(38.0, 30.0, 40.0) == pytest.approx(0.8)
    assert engine.attainment(25.0, 30.0, 40.0) == pytest.approx(-0.5)
    # The plan asks for no rise yet (expected = baseline, or below it): undefined.
    assert engine.attainment(35.0, 30.0, 30.0) is None
    assert engine.attainment(35.0, 45.0, 40.0) is None


def _status(
    attained: float | None,
    *,
    actual: float | None = 35.0,
    denominator: int = 100,
    expected: float | None = 40.0,
    met: bool = False,
) -> str | None:
    return engine.classify_status(
        actual_pct=actual,
        denominator=denominator,
        min_denominator=30,
        expected=expected,
        attained=attained,
        is_milestone_met=met,
        thresholds=THRESHOLDS,
    )


@pytest.mark.parametrize(
    ("attained", "status"),
    [
        (1.2, "on_track"),
        (0.95, "on_track"),
        (0.9499, "at_risk"),
        (0.6, "at_risk"),
        (0.5999, "off_track"),
        (0.0, "off_track"),
        (-0.0001, "deteriorating"),
    ],
)
def test_each_status_boundary(attained: float, status: str) -> None:
    assert _status(attained) == status


def test_achieved_wins_over_attainment_and_the_small_number_guard_over_everything() -> None:
    assert _status(-1.0, met=True) == "achieved"
    assert _status(1.0, denominator=29, met=True) == "insufficient_data"
    assert _status(1.0, denominator=30) == "on_track"
    assert _status(None, actual=None) == "insufficient_data"


def test_without_attainment_the_status_compares_actual_with_expected() -> None:
    assert _status(None, actual=41.0) == "on_track"
    assert _status(None, actual=39.0) == "off_track"


def test_a_scope_without_milestones_has_no_status_unless_its_data_is_too_thin() -> None:
    assert _status(None, expected=None) is None
    assert _status(None, expected=None, denominator=5) == "insufficient_data"


# --- trend, forecast, projected date, pace ----------------------------------------------------


def _days_back(as_of: date, months: list[int]) -> list[date]:
    return [as_of - timedelta(days=round(m * DAYS_PER_MONTH)) for m in months]


def test_a_straight_series_gives_its_own_slope_and_level() -> None:
    as_of = date(2024, 6, 30)
    days = _days_back(as_of, [5, 4, 3, 2, 1, 0])
    points = [(d, 30 + 2 * engine.months_between(as_of, d)) for d in days]
    trend = engine.weighted_trend(points, as_of, RULES)
    assert trend is not None
    assert trend.slope_pp == pytest.approx(2.0)
    assert trend.level_pct == pytest.approx(30.0)
    assert trend.points == 6


def test_recent_months_weigh_more_than_old_ones() -> None:
    as_of = date(2024, 6, 30)
    days = _days_back(as_of, [5, 4, 3, 2, 1, 0])
    values = [30.0, 30.0, 30.0, 31.0, 33.0, 36.0]  # flat, then rising
    xs = [engine.months_between(as_of, d) for d in days]
    unweighted_slope = float(np.polyfit(xs, values, 1)[0])
    flat_weights = ForecastRules(
        trend_months=12, half_life_months=1e9, min_trend_months=3, horizon_months=36
    )
    nearly_unweighted = engine.weighted_trend(
        list(zip(days, values, strict=True)), as_of, flat_weights
    )
    weighted = engine.weighted_trend(list(zip(days, values, strict=True)), as_of, RULES)
    assert nearly_unweighted is not None and weighted is not None
    assert nearly_unweighted.slope_pp == pytest.approx(unweighted_slope)
    assert weighted.slope_pp > unweighted_slope


def test_only_the_last_trend_months_up_to_the_as_of_date_are_used() -> None:
    as_of = date(2024, 6, 30)
    days = _days_back(as_of, [14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
    points = [(d, 10.0 if i < 3 else 50.0) for i, d in enumerate(days)]  # 3 old outliers
    points.append((as_of + timedelta(days=31), 99.0))  # after the as-of date: ignored
    trend = engine.weighted_trend(points, as_of, RULES)
    assert trend is not None
    assert trend.points == 12
    assert trend.slope_pp == pytest.approx(0.0)
    assert trend.level_pct == pytest.approx(50.0)


def test_fewer_months_than_the_minimum_give_no_trend_and_a_flat_forecast() -> None:
    as_of = date(2024, 6, 30)
    two = [(d, v) for d, v in zip(_days_back(as_of, [1, 0]), [30.0, 40.0], strict=True)]
    assert engine.weighted_trend(two, as_of, RULES) is None
    assert engine.forecast_pct(None, 42.5, as_of, date(2024, 12, 31)) == 42.5


def test_forecast_follows_the_trend_to_the_milestone_and_stays_within_0_and_100() -> None:
    as_of = date(2024, 6, 30)
    target = as_of + timedelta(days=183)  # 183 / 30.4375 months ahead
    rising = Trend(level_pct=40.0, slope_pp=1.5, points=6)
    assert engine.forecast_pct(rising, 38.0, as_of, target) == pytest.approx(
        40.0 + 1.5 * 183 / DAYS_PER_MONTH
    )
    assert engine.forecast_pct(Trend(95.0, 10.0, 6), 90.0, as_of, target) == 100.0
    assert engine.forecast_pct(Trend(5.0, -10.0, 6), 5.0, as_of, target) == 0.0
    assert engine.forecast_pct(rising, 38.0, as_of, None) is None


def test_projected_date_where_the_trend_meets_the_target() -> None:
    as_of = date(2024, 1, 31)
    # 40 % now, +1 p.p. a month, target 50 %: ten months of 30.4375 days = 304 days.
    projected = engine.projected_date(Trend(40.0, 1.0, 12), 40.0, 50.0, as_of, 36)
    assert projected == (as_of + timedelta(days=304), None)
    assert projected[0] == date(2024, 11, 30)


def test_projected_date_beyond_the_horizon_or_without_a_rising_trend() -> None:
    as_of = date(2024, 1, 31)
    # +0.1 p.p. a month needs 100 months: beyond the 36-month horizon.
    assert engine.projected_date(Trend(40.0, 0.1, 12), 40.0, 50.0, as_of, 36) == (
        None,
        "beyond_horizon",
    )
    assert engine.projected_date(Trend(40.0, 0.0, 12), 40.0, 50.0, as_of, 36) == (
        None,
        "no_upward_trend",
    )
    assert engine.projected_date(None, 40.0, 50.0, as_of, 36) == (None, "no_trend")
    assert engine.projected_date(Trend(40.0, 1.0, 12), 51.0, 50.0, as_of, 36) == (
        None,
        "reached",
    )
    # The monthly values already run above the target while the year to date lags.
    assert engine.projected_date(Trend(52.0, 1.0, 12), 48.0, 50.0, as_of, 36) == (as_of, None)


def test_required_pace_spreads_the_remaining_gap_over_the_months_left() -> None:
    as_of = date(2024, 6, 30)
    milestone = Milestone(date(2024, 12, 31), 50.0)
    months_left = 184 / DAYS_PER_MONTH
    assert engine.required_pace_pp(44.0, milestone, as_of) == pytest.approx(6.0 / months_left)
    assert engine.required_pace_pp(55.0, milestone, as_of) == 0.0
    assert engine.required_pace_pp(44.0, None, as_of) is None
    assert engine.required_pace_pp(44.0, milestone, date(2024, 12, 31)) is None


# --- rank -------------------------------------------------------------------------------------


def test_ties_share_a_rank_and_no_data_ranks_last() -> None:
    values = {
        "a": Fraction(1, 2),
        "b": Fraction(2, 4),  # exactly a's share
        "c": Fraction(3, 4),
        "d": None,
        "e": Fraction(1, 4),
        "f": None,
    }
    assert engine.rank_with_ties(values) == {"c": 1, "a": 2, "b": 2, "e": 4, "d": 5, "f": 5}


def test_rank_change_counts_places_gained() -> None:
    assert engine.rank_change({"a": 1, "b": 2}, {"a": 2, "b": 1, "c": 3}) == {
        "a": -1,
        "b": 1,
        "c": None,
    }
