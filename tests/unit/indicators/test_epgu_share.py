"""I1 snapshot rows per scope from monthly counts: ratio of sums, coverage, plan, rank."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from egov.indicators.epgu_share import epgu_share_rows, region_path
from egov.indicators.methodology import current_methodology
from egov.indicators.plan import PlanInForce, PlanMilestone
from egov.indicators.share_figures import form_is_due, share_figures

MUNICIPAL, REGIONAL = "3800000000100000001", "3800000000200000016"
A, B = "25701000", "25703000"

MUNICIPALITIES = pd.DataFrame(
    [
        {"oktmo": A, "name": "А", "valid_from": date(2020, 1, 1), "valid_to": None},
        {"oktmo": B, "name": "Б", "valid_from": date(2020, 1, 1), "valid_to": None},
    ]
)
PLAN = PlanInForce(
    version="test",
    interpolation="linear",
    baseline_day=date(2022, 12, 31),
    baseline_pct=None,
    milestones=(
        PlanMilestone("all_municipalities", "", date(2023, 12, 31), 40.0),
        PlanMilestone("all_municipalities", "", date(2024, 12, 31), 50.0),
    ),
)


def _count(
    month: date, oktmo: str, service: str, online: int, total: int, report: bool
) -> dict[str, object]:
    return {
        "month": month,
        "oktmo": oktmo,
        "service_code": service,
        "service_level": "municipal" if service == MUNICIPAL else "regional",
        "n_online": online,
        "n_total": total,
        "has_omsu_report": report,
    }


JAN, FEB = date(2023, 1, 1), date(2023, 2, 1)
COUNTS = pd.DataFrame(
    [
        # A: January with its form, February without one (no report is not zero).
        _count(JAN, A, MUNICIPAL, 10, 40, True),
        _count(FEB, A, MUNICIPAL, 20, 30, False),
        _count(FEB, A, REGIONAL, 5, 10, False),  # a regional service: region only
        # B: both forms, too few applications for a status.
        _count(JAN, B, MUNICIPAL, 3, 10, True),
        _count(FEB, B, MUNICIPAL, 4, 10, True),
    ]
)


def _rows(as_of: date = date(2023, 2, 28)) -> pd.DataFrame:
    return epgu_share_rows(
        share_figures(COUNTS, MUNICIPALITIES, as_of), PLAN, current_methodology()
    )


def _one(rows: pd.DataFrame, scope: str, oktmo: str = "", service: str = "") -> pd.Series:
    match = rows[
        (rows["scope_type"] == scope) & (rows["oktmo"] == oktmo) & (rows["service_code"] == service)
    ]
    assert len(match) == 1, match
    return match.iloc[0]


def test_a_missing_report_lowers_coverage_not_the_share() -> None:
    a = _one(_rows(), "municipality", A)
    # Ratio of the sums of what was received: (10 + 20) / (40 + 30), not a zero for February.
    assert (a["numerator"], a["denominator"]) == (30, 70)
    assert a["actual_pct"] == pytest.approx(30 / 70 * 100)
    assert (a["forms_received"], a["forms_owed"]) == (1, 2)
    assert a["coverage_pct"] == pytest.approx(50.0)


def test_the_region_counts_every_service_and_every_form_owed() -> None:
    region = _one(_rows(), "region")
    assert (region["numerator"], region["denominator"]) == (10 + 20 + 5 + 3 + 4, 40 + 30 + 10 + 20)
    assert (region["forms_received"], region["forms_owed"]) == (3, 4)
    assert region["coverage_pct"] == pytest.approx(75.0)


def test_a_municipality_counts_its_municipal_services_only_and_other_scopes_exist() -> None:
    rows = _rows()
    assert _one(rows, "municipality", A)["denominator"] == 70  # not the regional 10
    assert _one(rows, "municipality_service", A, REGIONAL)["denominator"] == 10
    assert _one(rows, "service", "", REGIONAL)["numerator"] == 5
    assert _one(rows, "service", "", MUNICIPAL)["denominator"] == 90


def test_month_and_quarter_values_sit_next_to_the_year_to_date() -> None:
    a = _one(_rows(), "municipality", A)
    assert (a["month_numerator"], a["month_denominator"]) == (20, 30)
    assert a["month_pct"] == pytest.approx(20 / 30 * 100)
    assert (a["quarter_numerator"], a["quarter_denominator"]) == (30, 70)


def test_the_plan_path_starts_at_the_measured_baseline() -> None:
    a = _one(_rows(), "municipality", A)
    # Measured baseline: A's share over the first three months (only two have data), 30 / 70;
    # 28 Feb is 59 of 365 days along the line from there to 40 %.
    baseline = 30 / 70 * 100
    assert a["baseline_pct"] == pytest.approx(baseline)
    assert a["expected_pct"] == pytest.approx(baseline + (40 - baseline) * 59 / 365)
    assert a["gap_pp"] == pytest.approx(a["actual_pct"] - a["expected_pct"])
    assert a["next_milestone_date"] == date(2023, 12, 31)
    assert a["next_milestone_target_pct"] == 40.0
    # The baseline is above the target, so the plan asks for no rise: attainment is undefined
    # and the status compares actual with expected.
    assert a["attainment"] is None
    assert a["status"] == "on_track"


def test_small_numbers_get_insufficient_data_and_rank_after_everyone_with_data() -> None:
    rows = _rows()
    a, b = _one(rows, "municipality", A), _one(rows, "municipality", B)
    assert b["denominator"] == 20 < current_methodology().epgu_share.min_denominator
    assert b["status"] == "insufficient_data"
    assert (a["rank"], b["rank"]) == (1, 2)


def test_rank_change_compares_with_the_end_of_the_previous_month() -> None:
    january = _rows(date(2023, 1, 31))
    february = _rows()
    assert _one(january, "municipality", A)["rank"] == 1
    assert _one(february, "municipality", A)["rank_change"] == 0
    assert pd.isna(_one(january, "municipality", A)["rank_change"])  # no December data


def test_scopes_without_milestones_have_no_plan_figures() -> None:
    service = _one(_rows(), "service", "", REGIONAL)
    assert pd.isna(service["expected_pct"]) and service["status"] == "insufficient_data"
    assert pd.isna(service["rank"])


def test_the_region_path_gives_the_year_to_date_share_at_each_month_end() -> None:
    shares = share_figures(COUNTS, MUNICIPALITIES, date(2023, 2, 28))
    path = region_path(shares, PLAN, current_methodology())
    assert [p["month_end"] for p in path] == ["2023-01-31", "2023-02-28"]
    assert path[0]["ytd_share_pct"] == pytest.approx(13 / 50 * 100)
    assert path[1]["ytd_share_pct"] == pytest.approx(42 / 100 * 100)
    # The region's measured baseline: 42 of 100 over the first months.
    assert path[0]["expected_pct"] == pytest.approx(42 + (40 - 42) * 31 / 365)


def test_each_scope_takes_its_own_milestones_over_the_shared_ones() -> None:
    plan = PlanInForce(
        version="test",
        interpolation="linear",
        baseline_day=date(2022, 12, 31),
        baseline_pct=None,
        milestones=(
            *PLAN.milestones,
            PlanMilestone("municipality", A, date(2024, 12, 31), 60.0),
            PlanMilestone("service", MUNICIPAL, date(2024, 6, 30), 70.0),
        ),
    )
    assert [(m.day, m.target_pct) for m in plan.milestones_for("municipality", A)] == [
        (date(2023, 12, 31), 40.0),
        (date(2024, 12, 31), 60.0),  # A's own target wins on the same date
    ]
    assert [m.target_pct for m in plan.milestones_for("municipality", B)] == [40.0, 50.0]
    # The region follows the municipal path for information while it has none of its own.
    assert [m.target_pct for m in plan.milestones_for("region", "")] == [40.0, 50.0]
    assert [m.target_pct for m in plan.milestones_for("service", MUNICIPAL)] == [70.0]
    assert plan.milestones_for("service", REGIONAL) == ()
    assert plan.milestones_for("municipality_service", A) == ()
    own_region = PlanInForce(
        "t",
        "linear",
        date(2022, 12, 31),
        30.0,
        (PlanMilestone("region", "", date(2024, 12, 31), 45.0),),
    )
    assert [m.target_pct for m in own_region.milestones_for("region", "")] == [45.0]


def test_a_missing_report_counts_against_services_in_months_without_applications() -> None:
    # A has no application of the regional service in January, yet owed January's form: the
    # service scopes owe it too, so their coverage is not 100 % by omission.
    rows = _rows()
    pair = _one(rows, "municipality_service", A, REGIONAL)
    assert (pair["forms_received"], pair["forms_owed"]) == (1, 2)
    service = _one(rows, "service", "", REGIONAL)
    assert (service["forms_received"], service["forms_owed"]) == (3, 4)
    assert service["coverage_pct"] == pytest.approx(75.0)


def test_a_form_not_yet_due_lowers_no_coverage_until_its_deadline() -> None:
    # Forms are due by the 10th of the next month: January's is overdue from 11 February.
    assert not form_is_due(JAN, date(2023, 2, 9), 10)
    assert form_is_due(JAN, date(2023, 2, 10), 10)
    assert form_is_due(JAN, date(2023, 1, 31), None)
    methodology = current_methodology()
    # As of 28 February, A's February form is not due yet: only January is owed (and received).
    early = epgu_share_rows(
        share_figures(COUNTS, MUNICIPALITIES, date(2023, 2, 28), 10), PLAN, methodology
    )
    a = _one(early, "municipality", A)
    assert (a["forms_received"], a["forms_owed"]) == (1, 1)
    # B sent February's form early: received forms always count.
    b = _one(early, "municipality", B)
    assert (b["forms_received"], b["forms_owed"]) == (2, 2)
    # After the deadline the missing form counts against A.
    late = epgu_share_rows(
        share_figures(COUNTS, MUNICIPALITIES, date(2023, 3, 31), 10), PLAN, methodology
    )
    assert (_one(late, "municipality", A)["forms_owed"]) == 2
