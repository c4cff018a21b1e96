"""Properties of the ЕПГУ share math over generated monthly counts (share_figures, epgu_share).

Whatever the counts: every share is a percentage within 0–100 % or missing when its
denominator is 0 (never NaN or infinite), and every period, year-to-date, region or service
share is the ratio of the summed numerators and denominators of its months and rows, never the
mean of their shares. The expected sums are computed here from the generated rows with plain
Python, independently of the pandas code under test.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import astuple
from datetime import date
from fractions import Fraction
from typing import Any

import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from egov.calendar import month_end, month_start, months_between, next_month, quarter_start
from egov.indicators import engine
from egov.indicators.epgu_share import epgu_share_rows, evaluate_scope
from egov.indicators.methodology import current_methodology
from egov.indicators.plan import PlanInForce, PlanMilestone
from egov.indicators.share_figures import (
    MUNICIPALITY,
    MUNICIPALITY_SERVICE,
    REGION,
    SERVICE,
    MonthFigures,
    pct,
    period_sum,
    scope_month_figures,
    share_figures,
    ytd_figures,
)
from tests.unit import hypothesis_profiles  # noqa: F401  (loads the reproducible profile)

A, B, C = "25701000", "25703000", "25704000"
MUNICIPAL, OTHER_MUNICIPAL, REGIONAL = (
    "3800000000100000001",
    "3800000000100000004",
    "3800000000200000016",
)
LEVELS = {MUNICIPAL: "municipal", OTHER_MUNICIPAL: "municipal", REGIONAL: "regional"}
# C is abolished mid-2023: it owes forms only up to June, whatever its counts say.
MUNICIPALITIES = pd.DataFrame(
    {
        "oktmo": [A, B, C],
        "name": ["А", "Б", "В"],
        "valid_from": [date(2014, 1, 1)] * 3,
        "valid_to": [None, None, date(2023, 6, 30)],
    }
)
MONTHS = months_between(date(2023, 1, 1), date(2024, 6, 1))
METHODOLOGY = current_methodology()


def is_share(value: Any) -> bool:
    """A real percentage: a finite float within 0–100 (not NaN, not infinite)."""
    return isinstance(value, float) and math.isfinite(value) and 0.0 <= value <= 100.0


def is_ratio_of_sums(
    share: Any, numerator: int, denominator: int, *, in_frame: bool = False
) -> bool:
    """100 × numerator / denominator, or missing (None; NaN in a frame) exactly when d = 0."""
    if denominator == 0:
        return share is None or (in_frame and bool(pd.isna(share)))
    return is_share(share) and math.isclose(share, 100 * numerator / denominator, rel_tol=1e-12)


@st.composite
def month_counts(draw: st.DrawFn) -> pd.DataFrame:
    """Monthly-count rows (month × OKTMO × service), online ≤ total, some forms received."""
    keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from(MONTHS), st.sampled_from([A, B, C]), st.sampled_from(list(LEVELS))
            ),
            min_size=1,
            max_size=25,
            unique=True,
        )
    )
    forms = draw(st.sets(st.sampled_from(sorted({(m, o) for m, o, _ in keys}))))
    rows = []
    for month, oktmo, service in keys:
        total = draw(st.integers(0, 500))
        online = draw(st.integers(0, total))
        rows.append(
            {
                "month": month,
                "oktmo": oktmo,
                "service_code": service,
                "service_level": LEVELS[service],
                "n_online": online,
                "n_total": total,
                "has_omsu_report": (month, oktmo) in forms,
            }
        )
    return pd.DataFrame(rows)


def sums(counts: pd.DataFrame, keep: Any) -> dict[date, tuple[int, int]]:
    """{month: (Σ online, Σ total)} of the rows `keep(row)` selects, in plain Python."""
    totals: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for row in counts.to_dict("records"):
        if keep(row):
            totals[row["month"]][0] += row["n_online"]
            totals[row["month"]][1] += row["n_total"]
    return {m: (on, tot) for m, (on, tot) in totals.items()}


def year_to_date(by_month: dict[date, tuple[int, int]], month: date) -> tuple[int, int]:
    parts = [v for m, v in by_month.items() if m.year == month.year and m <= month]
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


# --- share_figures.py: year to date per region and municipality ------------------------------


@settings(max_examples=60)
@given(counts=month_counts())
def test_every_year_to_date_share_is_the_ratio_of_the_summed_months(counts: pd.DataFrame) -> None:
    """Region and municipality YTD figures are Σ online / Σ total over the year's months."""
    figures = scope_month_figures(counts, MUNICIPALITIES, MONTHS)
    region = sums(counts, lambda r: True)
    municipal = {
        oktmo: sums(
            counts, lambda r, o=oktmo: r["oktmo"] == o and r["service_level"] == "municipal"
        )
        for oktmo in (A, B, C)
    }
    checked = 0
    for (scope, oktmo, _), series in figures.items():
        if scope not in (REGION, MUNICIPALITY):
            continue
        by_month = region if scope == REGION else municipal[oktmo]
        for month in series:
            ytd = ytd_figures(series, month_end(month))
            online, total = year_to_date(by_month, month)
            assert (ytd.n_online, ytd.n_total) == (online, total)
            assert is_ratio_of_sums(pct(ytd.n_online, ytd.n_total), online, total)
            assert 0 <= ytd.forms_received <= ytd.forms_owed
            assert is_ratio_of_sums(
                pct(ytd.forms_received, ytd.forms_owed), ytd.forms_received, ytd.forms_owed
            )
            checked += 1
    assert checked


@settings(max_examples=60)
@given(
    first=st.tuples(st.integers(0, 300), st.integers(1, 300)),
    second=st.tuples(st.integers(0, 300), st.integers(1, 300)),
)
def test_a_two_month_share_is_not_the_mean_of_the_monthly_shares(
    first: tuple[int, int], second: tuple[int, int]
) -> None:
    """Where the two differ, YTD and region take the ratio of sums, not the mean of shares."""
    (on1, extra1), (on2, extra2) = first, second
    tot1, tot2 = on1 + extra1, on2 + extra2
    mean = (Fraction(on1, tot1) + Fraction(on2, tot2)) / 2
    pooled = Fraction(on1 + on2, tot1 + tot2)
    assume(mean != pooled)  # equal totals or equal shares: the two rules agree
    jan, feb = date(2023, 1, 1), date(2023, 2, 1)

    def row(month: date, oktmo: str, online: int, total: int) -> dict[str, Any]:
        return {
            "month": month,
            "oktmo": oktmo,
            "service_code": MUNICIPAL,
            "service_level": "municipal",
            "n_online": online,
            "n_total": total,
            "has_omsu_report": True,
        }

    # The same pair of figures as two months of A, and as A and B in one month.
    by_month = pd.DataFrame([row(jan, A, on1, tot1), row(feb, A, on2, tot2)])
    by_place = pd.DataFrame([row(jan, A, on1, tot1), row(jan, B, on2, tot2)])
    a_series = scope_month_figures(by_month, MUNICIPALITIES, [jan, feb])[MUNICIPALITY, A, ""]
    a_feb = ytd_figures(a_series, date(2023, 2, 28))
    region_series = scope_month_figures(by_place, MUNICIPALITIES, [jan])[REGION, "", ""]
    region_jan = ytd_figures(region_series, date(2023, 1, 31))
    series = {jan: MonthFigures(on1, tot1, 1, 1), feb: MonthFigures(on2, tot2, 1, 1)}
    evaluated = evaluate_scope(series, (), None, date(2023, 2, 28), METHODOLOGY)
    for share in (
        pct(a_feb.n_online, a_feb.n_total),
        pct(region_jan.n_online, region_jan.n_total),
        evaluated["actual_pct"],
        evaluated["quarter_pct"],
    ):
        assert share is not None
        assert math.isclose(share, 100 * float(pooled), rel_tol=1e-12)
        assert not math.isclose(share, 100 * float(mean), rel_tol=1e-12)


# --- epgu_share.py: figures per scope and the engine per scope ----------------------------------


@settings(max_examples=60)
@given(
    counts=month_counts(),
    as_of=st.none() | st.dates(min_value=date(2023, 1, 1), max_value=date(2024, 7, 31)),
    due_day=st.none() | st.integers(1, 28),
)
def test_scope_figures_add_up_to_the_rows_they_cover(
    counts: pd.DataFrame, as_of: date | None, due_day: int | None
) -> None:
    """Region = Σ rows = Σ services; municipality = Σ its municipal rows; forms received ≤ owed."""
    figures = scope_month_figures(
        counts, MUNICIPALITIES, MONTHS, as_of=as_of, forms_due_day=due_day
    )
    region = sums(counts, lambda r: True)
    for (scope, oktmo, service), series in figures.items():
        if scope == REGION:
            expected = region
        elif scope == SERVICE:
            expected = sums(counts, lambda r, s=service: r["service_code"] == s)
        elif scope == MUNICIPALITY:
            expected = sums(
                counts, lambda r, o=oktmo: r["oktmo"] == o and r["service_level"] == "municipal"
            )
        else:
            assert scope == MUNICIPALITY_SERVICE
            expected = sums(
                counts, lambda r, o=oktmo, s=service: (r["oktmo"], r["service_code"]) == (o, s)
            )
        for month, f in series.items():
            assert (f.n_online, f.n_total) == expected.get(month, (0, 0))
            assert 0 <= f.n_online <= f.n_total
            assert 0 <= f.forms_received <= f.forms_owed
    for month in MONTHS:
        services = [s[month] for (t, _, _), s in figures.items() if t == SERVICE and month in s]
        assert sum(f.n_total for f in services) == figures[(REGION, "", "")][month].n_total


@settings(max_examples=100)
@given(data=st.data())
def test_period_sums_of_adjacent_stretches_add_up(data: st.DataObject) -> None:
    """Σ over January–March + Σ over April–June = Σ over January–June, field by field."""
    series = data.draw(
        st.dictionaries(
            st.sampled_from(MONTHS),
            st.builds(MonthFigures, *(st.integers(0, 1000) for _ in range(4))),
        )
    )
    first, split, last = sorted(
        data.draw(st.lists(st.sampled_from(MONTHS), min_size=3, max_size=3))
    )
    whole = period_sum(series, first, last)
    halves = zip(
        astuple(period_sum(series, first, split)),
        astuple(period_sum(series, next_month(split), last)),
        strict=True,
    )
    assert astuple(whole) == tuple(a + b for a, b in halves)
    day = data.draw(st.dates(min_value=MONTHS[0], max_value=date(2024, 6, 30)))
    assert ytd_figures(series, day) == period_sum(series, date(day.year, 1, 1), month_start(day))


@st.composite
def month_series(draw: st.DrawFn) -> dict[date, MonthFigures]:
    """One scope's months: online ≤ total, forms received ≤ owed."""
    series = {}
    for month in draw(st.sets(st.sampled_from(MONTHS))):
        total, owed = draw(st.integers(0, 400)), draw(st.integers(0, 3))
        series[month] = MonthFigures(
            draw(st.integers(0, total)), total, owed, draw(st.integers(0, owed))
        )
    return series


@st.composite
def plans(draw: st.DrawFn) -> tuple[PlanInForce, tuple[engine.Milestone, ...]]:
    """A plan in force (stated or measured baseline) and one scope's milestones."""
    days = draw(
        st.lists(
            st.dates(min_value=date(2023, 1, 1), max_value=date(2025, 12, 31)),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    milestones = tuple(engine.Milestone(d, draw(st.floats(0, 100))) for d in sorted(days))
    plan = PlanInForce(
        version="generated",
        interpolation=draw(st.sampled_from(["linear", "step"])),
        baseline_day=date(2022, 12, 31),
        baseline_pct=draw(st.none() | st.floats(0, 100)),
        milestones=tuple(
            PlanMilestone("all_municipalities", "", m.day, m.target_pct) for m in milestones
        ),
    )
    return plan, milestones


@settings(max_examples=100)
@given(
    series=month_series(),
    planned=st.none() | plans(),
    as_of=st.dates(min_value=date(2023, 1, 1), max_value=date(2024, 8, 31)),
)
def test_a_scope_row_holds_ratios_of_sums_within_0_and_100_and_never_nan(
    series: dict[date, MonthFigures],
    planned: tuple[PlanInForce, tuple[engine.Milestone, ...]] | None,
    as_of: date,
) -> None:
    """Year-to-date, quarter, month, coverage and forecast are shares or None, never NaN."""
    plan, milestones = planned if planned is not None else (None, ())
    row = evaluate_scope(series, milestones, plan, as_of, METHODOLOGY)

    in_year = [f for m, f in series.items() if m.year == as_of.year and m <= month_start(as_of)]
    ytd = MonthFigures(
        sum(f.n_online for f in in_year),
        sum(f.n_total for f in in_year),
        sum(f.forms_owed for f in in_year),
        sum(f.forms_received for f in in_year),
    )
    assert (row["numerator"], row["denominator"]) == (ytd.n_online, ytd.n_total)
    assert is_ratio_of_sums(row["actual_pct"], ytd.n_online, ytd.n_total)
    assert is_ratio_of_sums(
        row["quarter_pct"], row["quarter_numerator"], row["quarter_denominator"]
    )
    quarter = period_sum(series, quarter_start(as_of), month_start(as_of))
    assert (row["quarter_numerator"], row["quarter_denominator"]) == (
        quarter.n_online,
        quarter.n_total,
    )
    assert is_ratio_of_sums(row["month_pct"], row["month_numerator"], row["month_denominator"])
    assert is_ratio_of_sums(row["coverage_pct"], ytd.forms_received, ytd.forms_owed)
    assert row["forecast_pct"] is None or is_share(row["forecast_pct"])
    for name in ("baseline_pct", "expected_pct", "gap_pp", "attainment", "required_pace_pp"):
        assert row[name] is None or (isinstance(row[name], float) and math.isfinite(row[name]))
    if row["expected_pct"] is not None:
        assert plan is not None and row["baseline_pct"] is not None
        targets = [row["baseline_pct"], *(m.target_pct for m in milestones)]
        assert min(targets) - 1e-9 <= row["expected_pct"] <= max(targets) + 1e-9
    if row["gap_pp"] is not None:
        assert row["gap_pp"] == row["actual_pct"] - row["expected_pct"]


@settings(max_examples=30)
@given(
    counts=month_counts(),
    planned=plans(),
    as_of=st.dates(min_value=date(2023, 1, 31), max_value=date(2024, 6, 30)),
)
def test_snapshot_rows_add_up_across_scopes_and_rank_in_the_order_of_the_shares(
    counts: pd.DataFrame, planned: tuple[PlanInForce, Any], as_of: date
) -> None:
    """End to end: the region is the ratio of all rows' sums; ranks follow the YTD shares."""
    plan, _ = planned
    rows = epgu_share_rows(share_figures(counts, MUNICIPALITIES, as_of), plan, METHODOLOGY)
    records = rows.to_dict("records")
    for r in records:
        for name in ("actual_pct", "month_pct", "quarter_pct", "coverage_pct", "forecast_pct"):
            assert r[name] is None or is_share(r[name]), (name, r)
    region = [r for r in records if r["scope_type"] == REGION]
    online, total = year_to_date(sums(counts, lambda r: True), month_start(as_of))
    if total:
        assert len(region) == 1
        assert (region[0]["numerator"], region[0]["denominator"]) == (online, total)
        pairs = [r for r in records if r["scope_type"] == MUNICIPALITY_SERVICE]
        assert sum(r["denominator"] for r in pairs) == total
    municipalities = [r for r in records if r["scope_type"] == MUNICIPALITY]
    minimum = METHODOLOGY.epgu_share.min_denominator
    ranked = [r for r in municipalities if r["denominator"] >= minimum]
    for r in municipalities:
        if r["denominator"] < minimum:
            assert r["rank"] == len(ranked) + 1
    for a in ranked:
        for b in ranked:
            share_a = Fraction(a["numerator"], a["denominator"])
            share_b = Fraction(b["numerator"], b["denominator"])
            assert (share_a > share_b) == (a["rank"] < b["rank"])
