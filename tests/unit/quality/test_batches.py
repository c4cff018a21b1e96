"""Helpers over batch summaries: which months to reconcile, which batches to alert on."""

from __future__ import annotations

from datetime import date

import pytest

from egov.quality.batches import rejected_batches, touched_months
from egov.quality.summary import BatchSummary, BatchSummaryStatus


def summary(
    source: str,
    start: str,
    end: str | None = None,
    status: BatchSummaryStatus = "loaded",
    batch_id: int = 1,
    message: str = "",
) -> BatchSummary:
    return BatchSummary(
        source=source,
        batch_id=batch_id,
        batch_key=f"{source} {start}",
        oktmo=None,
        period_start=date.fromisoformat(start),
        period_end=date.fromisoformat(end or start),
        status=status,
        rows_in=0,
        rows_loaded=0,
        rows_quarantined=0,
        rows_rejected=0,
        message=message or status,
    )


def test_no_batches_touch_no_month() -> None:
    assert touched_months([]) == []


def test_a_municipal_form_touches_its_month() -> None:
    assert touched_months([summary("omsu", "2024-03-01", "2024-03-31")]) == [date(2024, 3, 1)]


@pytest.mark.parametrize("source", ["epgu", "mfc"])
def test_epgu_and_mfc_also_touch_the_month_before(source: str) -> None:
    assert touched_months([summary(source, "2024-03-05")]) == [date(2024, 2, 1), date(2024, 3, 1)]


@pytest.mark.parametrize("source", ["epgu", "mfc"])
def test_january_reaches_back_to_december_of_the_year_before(source: str) -> None:
    assert touched_months([summary(source, "2024-01-01")]) == [
        date(2023, 12, 1),
        date(2024, 1, 1),
    ]


def test_ekc_touches_only_its_own_month() -> None:
    assert touched_months([summary("ekc", "2024-03-01")]) == [date(2024, 3, 1)]


def test_rejected_batches_touch_nothing() -> None:
    batches = [
        summary("mfc", "2024-03-05", status="rejected"),
        summary("omsu", "2024-05-01", "2024-05-31", status="rejected"),
        summary("ekc", "2024-07-02", status="partial"),
    ]
    assert touched_months(batches) == [date(2024, 7, 1)]


def test_months_are_unique_and_sorted() -> None:
    batches = [
        summary("mfc", "2024-03-06"),
        summary("omsu", "2024-02-01", "2024-02-29"),
        summary("mfc", "2024-03-05", status="partial"),
        summary("epgu", "2024-03-31", "2024-04-01"),  # a window across a month end
    ]
    assert touched_months(batches) == [date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)]


@pytest.mark.parametrize(
    ("start", "end", "period"),
    [
        ("2024-03-05", "2024-03-05", "2024-03-05"),
        ("2024-03-01", "2024-03-01", "2024-03-01"),  # a day, even the first of a month
        ("2024-03-01", "2024-03-31", "2024-03"),
        ("2024-02-01", "2024-02-29", "2024-02"),
        ("2024-03-05", "2024-03-07", "2024-03-05..2024-03-07"),
        ("2024-03-31", "2024-04-01", "2024-03-31..2024-04-01"),
        ("2024-03-01", "2024-04-30", "2024-03-01..2024-04-30"),
    ],
)
def test_rejected_batches_carry_a_readable_period(start: str, end: str, period: str) -> None:
    batch = summary("omsu", start, end, status="rejected", batch_id=9, message="rejected: x")
    assert rejected_batches([batch]) == [batch]
    assert batch.period_label == period


def test_only_rejected_batches_are_listed_in_order() -> None:
    batches = [
        summary("mfc", "2024-03-05", status="rejected", batch_id=1),
        summary("mfc", "2024-03-06", status="partial", batch_id=2),
        summary("mfc", "2024-03-07", status="loaded", batch_id=3),
        summary("ekc", "2024-03-04", status="rejected", batch_id=4),
    ]
    assert [b.batch_id for b in rejected_batches(batches)] == [1, 4]
    assert rejected_batches(batches[1:3]) == []
