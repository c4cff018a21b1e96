"""The municipal form's ЕПГУ / МФЦ figures against the counted facts (no database)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from egov.quality.reconcile import MAX_LISTED, compare_forms, is_within_tolerance
from egov.quality.suites import Suite, suite_for

EPGU_RULE = "via_epgu_matches_epgu_source"
MFC_RULE = "via_mfc_matches_mfc_source"


@pytest.fixture(scope="module")
def suite() -> Suite:
    return suite_for("omsu", "applications", "source")


def form_row(
    via_epgu: int | None = 100,
    epgu: int | None = 100,
    via_mfc: int | None = 40,
    mfc: int | None = 40,
    *,
    batch: int = 1,
    oktmo: str = "25701000",
    month: date = date(2024, 3, 1),
    service: str = "3800000000100000001",
) -> dict[str, Any]:
    return {
        "load_batch_id": batch,
        "oktmo": oktmo,
        "report_month": month,
        "service_code": service,
        "via_epgu_count": via_epgu,
        "via_mfc_count": via_mfc,
        "epgu_counted": epgu,
        "mfc_counted": mfc,
    }


@pytest.mark.parametrize(
    ("written", "counted", "tolerance_abs", "tolerance_pct", "ok"),
    [
        (100, 100, 0, 0.0, True),
        (101, 100, 0, 0.0, False),
        (99, 100, 0, 0.0, False),
        (0, 0, 0, 0.5, True),
        (1, 0, 0, 0.5, False),  # a percentage of nothing allows nothing
        (1, 0, 1, 0.5, True),  # the absolute tolerance still does
        (1005, 1000, 0, 0.5, True),  # 0.5 % of 1000 = 5, inclusive
        (995, 1000, 0, 0.5, True),
        (1006, 1000, 0, 0.5, False),
        (994, 1000, 0, 0.5, False),
        (201, 200, 0, 0.5, True),
        (3069, 3000, 0, 2.3, True),  # 2.3 % of 3000 is 68.99999999999999 in floats: still 69
        (3070, 3000, 0, 2.3, False),
        (203, 200, 2, 0.5, False),  # the larger of the two tolerances, not their sum
        (202, 200, 2, 0.5, True),
        (12, 10, 0, 25.0, True),  # 25 % of 10 = 2.5
        (13, 10, 0, 25.0, False),
    ],
)
def test_is_within_tolerance(
    written: int, counted: int, tolerance_abs: int, tolerance_pct: float, ok: bool
) -> None:
    assert (
        is_within_tolerance(
            written, counted, tolerance_abs=tolerance_abs, tolerance_pct=tolerance_pct
        )
        is ok
    )


def test_the_suite_reconciles_both_channels(suite: Suite) -> None:
    rules = {r["rule"]: r for r in suite.reconciliation}
    assert set(rules) == {EPGU_RULE, MFC_RULE}
    assert (rules[EPGU_RULE]["form_column"], rules[EPGU_RULE]["counted_column"]) == (
        "via_epgu_count",
        "epgu_counted",
    )
    assert all(r["severity"] == "warning" for r in rules.values())


def test_matching_figures_pass(suite: Suite) -> None:
    rows = [form_row(), form_row(200, 200, 0, 0, service="3800000000100000002")]
    results = compare_forms(rows, suite)
    assert list(results) == [1]
    by_rule = {r.expectation: r for r in results[1]}
    assert set(by_rule) == {EPGU_RULE, MFC_RULE}
    for r in by_rule.values():
        assert (r.success, r.element_count, r.unexpected_count) == (True, 2, 0)
        assert (r.suite, r.severity) == ("source_omsu_applications", "warning")
        assert r.details["differences"] == []
        assert r.details["tolerance_pct"] == 0.5 and r.details["reason"]


def test_a_difference_beyond_the_tolerance_fails_with_both_numbers(suite: Suite) -> None:
    rows = [
        form_row(via_epgu=1000, epgu=1005),  # within 0.5 %
        form_row(via_epgu=120, epgu=100, service="3800000000100000002"),
    ]
    by_rule = {r.expectation: r for r in compare_forms(rows, suite)[1]}
    epgu = by_rule[EPGU_RULE]
    assert (epgu.success, epgu.element_count, epgu.unexpected_count) == (False, 2, 1)
    assert epgu.details["differences"] == [
        {
            "oktmo": "25701000",
            "month": "2024-03",
            "service_code": "3800000000100000002",
            "form": 120,
            "counted": 100,
            "difference": 20,
        }
    ]
    assert by_rule[MFC_RULE].success


def test_an_incomplete_source_month_or_an_empty_cell_is_not_compared(suite: Suite) -> None:
    rows = [
        form_row(via_epgu=999, epgu=None),  # the epgu month is not complete
        form_row(via_epgu=None, epgu=5, service="3800000000100000002"),  # empty form cell
        form_row(via_epgu=7, epgu=7, via_mfc=3, mfc=30, service="3800000000100000003"),
    ]
    by_rule = {r.expectation: r for r in compare_forms(rows, suite)[1]}
    assert (by_rule[EPGU_RULE].element_count, by_rule[EPGU_RULE].success) == (1, True)
    mfc = by_rule[MFC_RULE]
    assert (mfc.element_count, mfc.unexpected_count) == (3, 1)
    assert mfc.details["differences"][0]["difference"] == -27


def test_a_rule_with_nothing_to_compare_has_no_result(suite: Suite) -> None:
    results = compare_forms([form_row(epgu=None), form_row(epgu=None, batch=2, mfc=None)], suite)
    assert [r.expectation for r in results[1]] == [MFC_RULE]
    assert 2 not in results
    assert compare_forms([], suite) == {}


def test_form_batches_are_compared_separately(suite: Suite) -> None:
    rows = [
        form_row(batch=1),
        form_row(batch=2, via_epgu=50, epgu=40, oktmo="25703000", month=date(2024, 2, 1)),
        form_row(batch=1, service="3800000000100000002"),
    ]
    results = compare_forms(rows, suite)
    assert sorted(results) == [1, 2]
    first = {r.expectation: r for r in results[1]}
    second = {r.expectation: r for r in results[2]}
    assert first[EPGU_RULE].success and first[EPGU_RULE].element_count == 2
    assert not second[EPGU_RULE].success and second[EPGU_RULE].element_count == 1
    [difference] = second[EPGU_RULE].details["differences"]
    assert (difference["oktmo"], difference["month"]) == ("25703000", "2024-02")


def test_many_differences_are_counted_but_listed_up_to_a_limit(suite: Suite) -> None:
    rows = [form_row(via_epgu=10, epgu=20, service=f"{n:019d}") for n in range(MAX_LISTED + 7)]
    epgu = {r.expectation: r for r in compare_forms(rows, suite)[1]}[EPGU_RULE]
    assert epgu.unexpected_count == MAX_LISTED + 7
    assert len(epgu.details["differences"]) == MAX_LISTED
