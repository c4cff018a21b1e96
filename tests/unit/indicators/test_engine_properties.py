"""Properties of the milestone engine over generated plan paths, figures and rankings.

The example tests (test_engine.py) pin each rule on hand-computed cases; these check that the
rules hold for any input: the expected path is monotone between milestones and never leaves
its neighbours' targets, forecasts stay within 0–100 %, a ranking agrees with the order of
the values. The path is exact on its vertices (the engine returns the target itself) and
within its neighbours' targets (see that test); elsewhere floats are compared with a
tolerance of 1e-9 p.p. where the engine computes (trend fit, monotonicity across days)
rather than passes a value through: rounding of the last bit is not a rule.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from egov.indicators import engine
from egov.indicators.engine import Milestone, PlanPath, Trend
from egov.indicators.methodology import ForecastRules, StatusThresholds
from tests.unit import hypothesis_profiles  # noqa: F401  (loads the reproducible profile)

EPS = 1e-9
THRESHOLDS = StatusThresholds(on_track=0.95, at_risk=0.6, off_track=0.0)
STATUS_ORDER = {"deteriorating": 0, "off_track": 1, "at_risk": 2, "on_track": 3}

days = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))
pcts = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)
interpolations = st.sampled_from(["linear", "step"])


@st.composite
def plan_paths(draw: st.DrawFn, order: str = "any") -> PlanPath:
    """A baseline and 1–5 milestones on strictly later dates; targets sorted as asked."""
    baseline_day = draw(st.dates(min_value=date(2018, 1, 1), max_value=date(2026, 12, 31)))
    gaps = draw(st.lists(st.integers(min_value=1, max_value=800), min_size=1, max_size=5))
    values = draw(st.lists(pcts, min_size=len(gaps) + 1, max_size=len(gaps) + 1))
    if order == "up":
        values.sort()
    elif order == "down":
        values.sort(reverse=True)
    milestones, day = [], baseline_day
    for gap, target in zip(gaps, values[1:], strict=True):
        day += timedelta(days=gap)
        milestones.append(Milestone(day, target))
    return PlanPath(baseline_day, values[0], tuple(milestones), draw(interpolations))


def segment_of(path: PlanPath, day: date) -> tuple[tuple[date, float], tuple[date, float]]:
    """The two vertices around a day strictly after the baseline and on or before the end."""
    vertices = path.vertices()
    for before, after in pairwise(vertices):
        if before[0] < day <= after[0]:
            return before, after
    raise AssertionError(f"{day} is outside the path")


# --- expected value ---------------------------------------------------------------------------


@settings(max_examples=200)
@given(path=plan_paths(order="up"), first=days, second=days)
def test_the_expected_value_never_falls_along_a_rising_plan(
    path: PlanPath, first: date, second: date
) -> None:
    """With non-decreasing targets the expected value is non-decreasing in the day."""
    early, late = sorted((first, second))
    assert engine.expected_pct(path, early) <= engine.expected_pct(path, late) + EPS


@settings(max_examples=200)
@given(path=plan_paths(order="down"), first=days, second=days)
def test_the_expected_value_never_rises_along_a_falling_plan(
    path: PlanPath, first: date, second: date
) -> None:
    """Mirrored: with non-increasing targets the expected value is non-increasing."""
    early, late = sorted((first, second))
    assert engine.expected_pct(path, early) >= engine.expected_pct(path, late) - EPS


@settings(max_examples=200)
@given(path=plan_paths(), data=st.data())
def test_the_expected_value_is_each_milestones_target_on_its_date(
    path: PlanPath, data: st.DataObject
) -> None:
    """On a milestone's date (and the baseline's) the path passes through its target."""
    day, target = data.draw(st.sampled_from(path.vertices()))
    assert engine.expected_pct(path, day) == target


@settings(max_examples=200)
@given(path=plan_paths(), offset=st.integers(min_value=1, max_value=4000))
def test_the_expected_value_stays_between_its_neighbouring_targets(
    path: PlanPath, offset: int
) -> None:
    """Between two vertices the value lies within their targets, whatever the direction."""
    day = min(path.baseline_day + timedelta(days=offset), path.milestones[-1].day)
    (_, before), (_, after) = segment_of(path, day)
    value = engine.expected_pct(path, day)
    # Exact, no tolerance: prev + share × (after − prev) with 0 < share < 1 cannot round past
    # either target. The subtraction is exact when the two are within a factor 2 of each other;
    # otherwise (1 − share) × |after − prev|, at least 1/days of a large difference, keeps the
    # value far more than a rounding away from the far target.
    assert min(before, after) <= value <= max(before, after)
    if path.interpolation == "step":
        # Step mode: the next milestone's target applies for the whole stretch before it.
        assert value == after


@settings(max_examples=100)
@given(path=plan_paths(), offset=st.integers(min_value=0, max_value=4000))
def test_the_baseline_holds_before_the_plan_and_the_last_target_after_it(
    path: PlanPath, offset: int
) -> None:
    """Before (and on) the baseline date the baseline; from the last milestone on its target."""
    before = path.baseline_day - timedelta(days=offset)
    # From the milestone's own date on: there too the engine returns its target itself.
    after = path.milestones[-1].day + timedelta(days=offset)
    assert engine.expected_pct(path, before) == path.baseline_pct
    assert engine.expected_pct(path, after) == path.milestones[-1].target_pct


@settings(max_examples=200)
@given(path=plan_paths(), day=days)
def test_next_milestone_is_the_first_one_after_the_day(path: PlanPath, day: date) -> None:
    """The next milestone is strictly later than the day, with none in between."""
    upcoming = engine.next_milestone(path, day)
    later = [m for m in path.milestones if m.day > day]
    assert upcoming == (later[0] if later else None)
    if upcoming is None:
        assert day >= path.milestones[-1].day


@settings(max_examples=200)
@given(path=plan_paths(), day=days)
def test_the_milestone_due_is_the_latest_passed_one_of_the_year_or_after_the_plan(
    path: PlanPath, day: date
) -> None:
    """A due milestone is the latest on or before the day, in its year or the plan's last."""
    due = engine.milestone_due(path, day)
    passed = [m for m in path.milestones if m.day <= day]
    if due is None:
        assert not passed or (
            passed[-1].day.year != day.year and engine.next_milestone(path, day) is not None
        )
    else:
        assert due == passed[-1]
        assert due.day.year == day.year or due == path.milestones[-1]


# --- gap, attainment, status ----------------------------------------------------------------


@given(actual=st.none() | pcts, expected=st.none() | pcts)
def test_the_gap_is_actual_minus_expected(actual: float | None, expected: float | None) -> None:
    """gap_pp = actual − expected, and unknown when either is."""
    gap = engine.gap_pp(actual, expected)
    if actual is None or expected is None:
        assert gap is None
    else:
        assert gap == actual - expected


@given(actual=st.none() | pcts, baseline=pcts, expected=pcts)
def test_attainment_measures_the_actual_rise_against_the_planned_rise(
    actual: float | None, baseline: float, expected: float
) -> None:
    """Attainment × planned rise = actual rise; undefined when the plan asks for no rise."""
    attained = engine.attainment(actual, baseline, expected)
    if actual is None or expected - baseline <= 1e-9:
        assert attained is None
        return
    assert attained is not None
    assert math.isclose(attained * (expected - baseline), actual - baseline, abs_tol=1e-6)
    # Reaching the expected value is full attainment (division and subtraction are monotone,
    # so this holds exactly in floating point too).
    if actual >= expected:
        assert attained >= 1.0
    else:
        assert attained <= 1.0


@given(low=st.floats(-5, 5), high=st.floats(-5, 5), met=st.booleans())
def test_more_attainment_never_gives_a_worse_status(low: float, high: float, met: bool) -> None:
    """The status is monotone in attainment (deteriorating < off < at risk < on track)."""
    low, high = sorted((low, high))

    def status(attained: float) -> str | None:
        return engine.classify_status(
            actual_pct=50.0,
            denominator=100,
            min_denominator=30,
            expected=60.0,
            attained=attained,
            is_milestone_met=met,
            thresholds=THRESHOLDS,
        )

    if met:
        assert status(low) == status(high) == "achieved"
    else:
        assert STATUS_ORDER[str(status(low))] <= STATUS_ORDER[str(status(high))]


@given(
    actual=st.none() | pcts,
    denominator=st.integers(0, 200),
    expected=st.none() | pcts,
    attained=st.none() | st.floats(-5, 5),
    met=st.booleans(),
)
def test_too_few_applications_always_give_insufficient_data(
    actual: float | None,
    denominator: int,
    expected: float | None,
    attained: float | None,
    met: bool,
) -> None:
    """The small-number guard wins over everything; otherwise a status needs a plan."""
    status = engine.classify_status(
        actual_pct=actual,
        denominator=denominator,
        min_denominator=30,
        expected=expected,
        attained=attained,
        is_milestone_met=met,
        thresholds=THRESHOLDS,
    )
    if actual is None or denominator < 30:
        assert status == "insufficient_data"
    elif expected is None:
        assert status is None
    else:
        assert status in engine.STATUSES and status != "insufficient_data"


# --- trend, forecast, projection, pace ----------------------------------------------------


rules = st.builds(
    ForecastRules,
    trend_months=st.integers(3, 24),
    half_life_months=st.floats(0.5, 24),
    min_trend_months=st.integers(2, 3),
    horizon_months=st.integers(1, 60),
)
trends = st.none() | st.builds(
    Trend,
    level_pct=st.floats(-1e4, 1e4),
    slope_pp=st.floats(-1e3, 1e3),
    points=st.integers(2, 24),
)


@given(value=st.floats(allow_nan=False))
def test_a_bounded_share_stays_within_0_and_100(value: float) -> None:
    """bounded_pct clamps any value into 0–100 and leaves values inside untouched."""
    bounded = engine.bounded_pct(value)
    assert 0.0 <= bounded <= 100.0
    if 0.0 <= value <= 100.0:
        assert bounded == value


@given(trend=trends, current=st.none() | pcts, as_of=days, target=st.none() | days)
def test_a_forecast_stays_within_0_and_100(
    trend: Trend | None, current: float | None, as_of: date, target: date | None
) -> None:
    """Whatever the trend, the forecast is a share within 0–100 %, or None without a target."""
    forecast = engine.forecast_pct(trend, current, as_of, target)
    if target is None or current is None:
        assert forecast is None
    else:
        assert forecast is not None and 0.0 <= forecast <= 100.0


@given(
    level=st.floats(-100, 200),
    slope=st.floats(-10, 10),
    months=st.lists(st.integers(0, 30), min_size=2, max_size=24, unique=True),
    shift=st.floats(-50, 50),
    rule=rules,
    as_of=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
)
def test_a_straight_series_gives_back_its_line_and_a_shift_moves_only_the_level(
    level: float,
    slope: float,
    months: list[int],
    shift: float,
    rule: ForecastRules,
    as_of: date,
) -> None:
    """The weighted fit of exactly linear points is that line; adding c adds c to the level."""
    points_days = [as_of - timedelta(days=round(m * engine.DAYS_PER_MONTH)) for m in months]
    line = [(d, level + slope * engine.months_between(as_of, d)) for d in points_days]
    trend = engine.weighted_trend(line, as_of, rule)
    used = min(len(months), rule.trend_months)
    if used < rule.min_trend_months:
        assert trend is None
        return
    assert trend is not None and trend.points == used
    assert math.isclose(trend.slope_pp, slope, abs_tol=1e-6)
    assert math.isclose(trend.level_pct, level, abs_tol=1e-6)
    shifted = engine.weighted_trend([(d, v + shift) for d, v in line], as_of, rule)
    assert shifted is not None
    assert math.isclose(shifted.slope_pp, trend.slope_pp, abs_tol=1e-6)
    assert math.isclose(shifted.level_pct, trend.level_pct + shift, abs_tol=1e-6)


@given(
    trend=trends,
    current=st.none() | pcts,
    target=st.none() | pcts,
    as_of=days,
    horizon=st.integers(1, 60),
)
def test_a_projected_date_lies_within_the_horizon_and_reaches_the_target(
    trend: Trend | None,
    current: float | None,
    target: float | None,
    as_of: date,
    horizon: int,
) -> None:
    """A projected date lies within the horizon where the trend meets the target, else a note."""
    projected, note = engine.projected_date(trend, current, target, as_of, horizon)
    if target is None or current is None:
        assert (projected, note) == (None, None)
        return
    assert (note == "reached") == (current >= target)
    if trend is None and current < target:
        assert note == "no_trend"
    if projected is None:
        assert note is not None
        return
    assert note is None and trend is not None
    assert as_of <= projected <= as_of + timedelta(days=round(horizon * engine.DAYS_PER_MONTH))
    if trend.level_pct < target:
        # Days are whole: the line is within half a day's rise of the target on that date.
        half_day = abs(trend.slope_pp) / engine.DAYS_PER_MONTH / 2
        assert math.isclose(trend.value_at(as_of, projected), target, abs_tol=half_day + 1e-6)


@given(current=st.none() | pcts, target=st.none() | st.builds(Milestone, days, pcts), as_of=days)
def test_the_required_pace_reaches_the_target_on_its_date(
    current: float | None, target: Milestone | None, as_of: date
) -> None:
    """Pace ≥ 0; at that pace the current value reaches the target on the milestone's date."""
    pace = engine.required_pace_pp(current, target, as_of)
    if current is None or target is None or target.day <= as_of:
        assert pace is None
        return
    assert pace is not None and pace >= 0.0
    months = engine.months_between(as_of, target.day)
    assert current + pace * months >= target.target_pct - 1e-6


# --- ranking ------------------------------------------------------------------------------

keys = st.text(alphabet="0123456789", min_size=8, max_size=8)
values = st.none() | st.builds(Fraction, st.integers(0, 50), st.integers(1, 50))


@given(ranking=st.dictionaries(keys, values, max_size=15))
def test_ranks_are_competition_ranks_in_the_order_of_the_values(
    ranking: dict[str, Fraction | None],
) -> None:
    """Rank = 1 + how many values are higher (1, 2, 2, 4); no value ranks after all values."""
    ranks = engine.rank_with_ties(ranking)
    assert ranks.keys() == ranking.keys()
    known = [v for v in ranking.values() if v is not None]
    for key, value in ranking.items():
        if value is None:
            assert ranks[key] == len(known) + 1
        else:
            assert ranks[key] == 1 + sum(1 for other in known if other > value)
    for a, va in ranking.items():
        for b, vb in ranking.items():
            if va is not None and vb is not None:
                assert (va > vb) == (ranks[a] < ranks[b])
                assert (va == vb) == (ranks[a] == ranks[b])


@given(
    previous=st.dictionaries(keys, st.integers(1, 20), max_size=10),
    current=st.dictionaries(keys, st.integers(1, 20), max_size=10),
)
def test_a_rank_change_is_places_gained_since_the_previous_ranking(
    previous: dict[str, int], current: dict[str, int]
) -> None:
    """Change = previous rank − current rank for keys ranked both times, None for new ones."""
    changes = engine.rank_change(previous, current)
    assert changes.keys() == current.keys()
    for key, change in changes.items():
        if key in previous:
            assert change == previous[key] - current[key]
        else:
            assert change is None


@given(
    scopes=st.lists(keys, min_size=1, max_size=12, unique=True),
    data=st.data(),
)
def test_reordering_the_same_scopes_moves_them_by_places_that_sum_to_zero(
    scopes: list[str], data: st.DataObject
) -> None:
    """Without ties, re-ranking the same scopes only swaps places: the changes sum to 0."""
    shares = data.draw(
        st.lists(
            st.integers(0, 1000).map(lambda n: Fraction(n, 1000)),
            min_size=len(scopes),
            max_size=len(scopes),
            unique=True,
        )
    )
    shuffled = data.draw(st.permutations(shares))
    previous = engine.rank_with_ties(dict(zip(scopes, shares, strict=True)))
    current = engine.rank_with_ties(dict(zip(scopes, shuffled, strict=True)))
    changes = engine.rank_change(previous, current)
    assert None not in changes.values()
    assert sum(c for c in changes.values() if c is not None) == 0
    assert engine.rank_change(current, current) == dict.fromkeys(current, 0)
