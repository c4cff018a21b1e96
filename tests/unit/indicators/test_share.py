"""The ЕПГУ share math on hand-computed cases: ratios of sums, scopes, YTD, coverage, summary."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

from egov.indicators.share import (
    MUNICIPALITY,
    REGION,
    expected_municipality_months,
    month_range,
    share_summary_markdown,
    summarise_shares,
    year_end_targets,
    ytd_shares,
)

A, B, C = "25701000", "25703000", "25704000"
MUNICIPAL, REGIONAL = "3800000000100000001", "3800000000200000001"
SERVICES = pd.DataFrame({"service_code": [MUNICIPAL, REGIONAL], "level": ["municipal", "regional"]})


def municipalities(*codes: str, valid_to: dict[str, date] | None = None) -> pd.DataFrame:
    ends = valid_to or {}
    return pd.DataFrame(
        {
            "oktmo": list(codes),
            "name": [f"МО {c}" for c in codes],
            "valid_from": [date(2014, 1, 1)] * len(codes),
            "valid_to": [ends.get(c) for c in codes],
        }
    )


def row(
    month: date,
    oktmo: str,
    online: int,
    total: int,
    *,
    service: str = MUNICIPAL,
    has_form: bool = True,
) -> dict[str, Any]:
    # Channel split does not matter to the share: everything beyond online is МФЦ here.
    return {
        "month": month,
        "oktmo": oktmo,
        "service_code": service,
        "n_epgu_online": online,
        "n_epgu": online,
        "n_mfc": total - online,
        "n_omsu_direct": 0,
        "n_total": total,
        "has_omsu_report": has_form,
    }


def counts(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def at(ytd: pd.DataFrame, month: date, oktmo: str | None = None) -> pd.Series:
    scope = REGION if oktmo is None else MUNICIPALITY
    found = ytd[(ytd["month"] == month) & (ytd["scope_type"] == scope)]
    if oktmo is not None:
        found = found[found["oktmo"] == oktmo]
    assert len(found) == 1
    return found.iloc[0]


JAN, FEB, MAR = date(2023, 1, 1), date(2023, 2, 1), date(2023, 3, 1)


def test_the_region_is_a_ratio_of_sums_not_a_mean_of_ratios() -> None:
    ytd = ytd_shares(counts(row(JAN, A, 1, 2), row(JAN, B, 0, 8)), SERVICES, municipalities(A, B))
    region = at(ytd, JAN)
    # 1 / 10, not (50 % + 0 %) / 2
    assert (region["ytd_n_online"], region["ytd_n_total"]) == (1, 10)
    assert region["ytd_share_pct"] == pytest.approx(10.0)
    assert at(ytd, JAN, A)["ytd_share_pct"] == pytest.approx(50.0)
    assert at(ytd, JAN, B)["ytd_share_pct"] == pytest.approx(0.0)


def test_a_municipality_counts_its_municipal_services_the_region_counts_all() -> None:
    ytd = ytd_shares(
        counts(row(JAN, A, 2, 4), row(JAN, A, 0, 6, service=REGIONAL)),
        SERVICES,
        municipalities(A),
    )
    assert at(ytd, JAN, A)["ytd_share_pct"] == pytest.approx(50.0)
    assert at(ytd, JAN, A)["ytd_n_total"] == 4
    assert at(ytd, JAN)["ytd_share_pct"] == pytest.approx(20.0)


def test_year_to_date_accumulates_sums_within_the_year_and_restarts_in_january() -> None:
    next_jan = date(2024, 1, 1)
    ytd = ytd_shares(
        counts(row(JAN, A, 1, 2), row(FEB, A, 1, 8), row(next_jan, A, 1, 1)),
        SERVICES,
        municipalities(A),
    )
    feb = at(ytd, FEB, A)
    assert (feb["n_online"], feb["n_total"]) == (1, 8)
    # 2 / 10 = 20 %, not the mean of 50 % and 12.5 %
    assert (feb["ytd_n_online"], feb["ytd_n_total"]) == (2, 10)
    assert feb["ytd_share_pct"] == pytest.approx(20.0)
    assert at(ytd, next_jan, A)["ytd_share_pct"] == pytest.approx(100.0)
    # The months in between exist with zero applications: YTD carries through them.
    assert at(ytd, date(2023, 12, 1), A)["ytd_n_total"] == 10


def test_a_scope_without_applications_has_no_share_rather_than_zero() -> None:
    ytd = ytd_shares(counts(row(JAN, A, 1, 2)), SERVICES, municipalities(A, B))
    assert pd.isna(at(ytd, JAN, B)["ytd_share_pct"])
    assert at(ytd, JAN, B)["ytd_n_total"] == 0


def test_coverage_counts_forms_received_of_those_owed_year_to_date() -> None:
    ytd = ytd_shares(
        counts(
            row(JAN, A, 1, 2),
            row(JAN, B, 1, 2),
            row(FEB, A, 1, 2),
            row(FEB, B, 1, 2, has_form=False),  # B's February form is missing
        ),
        SERVICES,
        municipalities(A, B),
    )
    assert at(ytd, JAN)["ytd_coverage_pct"] == pytest.approx(100.0)
    feb = at(ytd, FEB)
    assert (feb["forms_received_ytd"], feb["forms_expected_ytd"]) == (3, 4)
    assert feb["ytd_coverage_pct"] == pytest.approx(75.0)
    assert at(ytd, FEB, B)["ytd_coverage_pct"] == pytest.approx(50.0)
    assert at(ytd, FEB, A)["ytd_coverage_pct"] == pytest.approx(100.0)


def test_a_municipality_that_ended_owes_no_more_forms_and_a_form_nobody_owes_is_ignored() -> None:
    # C's code closes on 15 February: it exists on 31 January, not on 28 February.
    ytd = ytd_shares(
        counts(row(JAN, A, 1, 2), row(FEB, A, 1, 2), row(FEB, C, 1, 2)),
        SERVICES,
        municipalities(A, C, valid_to={C: date(2023, 2, 15)}),
    )
    feb = at(ytd, FEB)
    # Owed: A Jan, C Jan, A Feb; received: A Jan, A Feb (C's February form is owed by nobody).
    assert (feb["forms_received_ytd"], feb["forms_expected_ytd"]) == (2, 3)
    assert not at(ytd, FEB, C)["is_expected"]
    # C's applications still count for the region and for C.
    assert feb["ytd_n_total"] == 6
    assert at(ytd, FEB, C)["ytd_n_total"] == 2


def test_months_after_through_month_are_left_out() -> None:
    ytd = ytd_shares(
        counts(row(JAN, A, 1, 2), row(MAR, A, 1, 2)),
        SERVICES,
        municipalities(A),
        through_month=date(2023, 2, 14),
    )
    assert sorted(set(ytd["month"])) == [JAN]


def test_no_counts_give_an_empty_frame_and_an_empty_summary() -> None:
    ytd = ytd_shares(counts(row(JAN, A, 1, 2)).iloc[0:0], SERVICES, municipalities(A))
    assert ytd.empty
    summary = summarise_shares(ytd, {}, date(2024, 1, 1))
    assert summary["years"] == []
    assert "No monthly counts yet." in share_summary_markdown(summary)


def test_expected_months_follow_validity_on_the_months_last_day() -> None:
    frame = municipalities(A, C, valid_to={C: date(2023, 2, 28)})
    pairs = set(expected_municipality_months(frame, [FEB, MAR]).itertuples(index=False))
    assert pairs == {(FEB, A), (FEB, C), (MAR, A)}


def test_month_range_crosses_the_year_end() -> None:
    assert month_range(date(2023, 11, 5), date(2024, 1, 31)) == [
        date(2023, 11, 1),
        date(2023, 12, 1),
        date(2024, 1, 1),
    ]


def test_year_end_targets_take_each_years_last_milestone() -> None:
    milestones = {date(2023, 6, 30): 30.0, date(2023, 12, 31): 40.0, date(2024, 12, 31): 50.0}
    assert year_end_targets(milestones) == {2023: 40.0, 2024: 50.0}


def test_summary_counts_municipalities_reaching_the_year_end_target() -> None:
    dec, jun = date(2023, 12, 1), date(2024, 6, 1)
    ytd = ytd_shares(
        counts(
            row(JAN, A, 4, 10),  # A 2023: (4 + 1) / (10 + 2) = 41.7 % >= 40
            row(dec, A, 1, 2),
            row(JAN, B, 3, 10),  # B 2023: 3 / 10 = 30 % < 40
            row(jun, A, 5, 10),  # A 2024 so far: 50 % >= 50
            row(jun, B, 1, 10),
        ),
        SERVICES,
        municipalities(A, B, C),  # C has no applications at all
    )
    summary = summarise_shares(
        ytd,
        {date(2023, 12, 31): 40.0, date(2024, 12, 31): 50.0},
        date(2024, 6, 30),
        plan_version="2023.1",
        methodology_version="default",
    )
    y2023, y2024 = summary["years"]
    assert y2023["through_month"] == "2023-12" and y2023["is_year_complete"]
    assert (y2023["region_ytd_n_online"], y2023["region_ytd_n_total"]) == (8, 22)
    assert y2023["region_ytd_share_pct"] == pytest.approx(8 / 22 * 100)
    assert y2023["target_pct"] == 40.0
    assert y2023["municipalities"] == 3
    assert y2023["municipalities_reaching_target"] == 1
    assert y2023["municipalities_without_data"] == 1
    # 36 forms owed (3 x 12); A has forms in January and December, B in January.
    assert (y2023["forms_received"], y2023["forms_expected"]) == (3, 36)
    assert y2024["through_month"] == "2024-06" and not y2024["is_year_complete"]
    assert y2024["municipalities_reaching_target"] == 1
    assert y2024["region_ytd_share_pct"] == pytest.approx(30.0)
    assert summary["first_month"] == "2023-01" and summary["last_month"] == "2024-06"

    markdown = share_summary_markdown(summary)
    assert "| 2023 | 2023-12 | 36.4 % | 8 / 22 | 8.3 % (3 of 36) | 40.0 % | 1 of 3 |" in markdown
    assert "2024-06 (year to date)" in markdown
    assert "plan-schedule 2023.1" in markdown


def test_a_year_without_a_milestone_reports_no_target() -> None:
    summary = summarise_shares(
        ytd_shares(counts(row(JAN, A, 1, 2)), SERVICES, municipalities(A)), {}, date(2023, 1, 31)
    )
    (year,) = summary["years"]
    assert year["target_pct"] is None and year["municipalities_reaching_target"] is None
