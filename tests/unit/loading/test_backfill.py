"""Backfill plans, chunk verdicts and the run summary, as plain values."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime

import pytest

from egov.errors import EgovError
from egov.loading.backfill import (
    check_sources,
    chunk_report,
    chunk_status,
    failed_chunks,
    failure_message,
    plan_month_chunks,
    plan_recapture_chunks,
    run_summary_markdown,
    run_totals,
)
from egov.quality.freshness import MissingPeriod
from egov.quality.reporting_calendar import Period
from egov.quality.summary import BatchSummary, BatchSummaryStatus
from egov.sources.landing import DeliveryOutcome, LandedDelivery, LandingStatus


def _batch(
    status: BatchSummaryStatus, rows_in: int = 10, loaded: int = 10, quarantined: int = 0
) -> BatchSummary:
    return BatchSummary(
        source="mfc",
        batch_id=1,
        batch_key="mfc_20240301.csv",
        oktmo=None,
        period_start=date(2024, 3, 1),
        period_end=date(2024, 3, 1),
        status=status,
        rows_in=rows_in,
        rows_loaded=loaded,
        rows_quarantined=quarantined,
        rows_rejected=rows_in - loaded - quarantined,
        message=status,
    )


def _landed(status: LandingStatus) -> LandedDelivery:
    return LandedDelivery(
        delivery_id=1,
        source="mfc",
        delivery_key="mfc_20240301.csv",
        period_start=date(2024, 3, 1),
        period_end=date(2024, 3, 1),
        checksum_sha256="0" * 64,
        size_bytes=10,
        blob_path="00/00/0.gz",
        status=status,
    )


def _missing(source: str, day: date) -> MissingPeriod:
    return MissingPeriod(source, None, Period(day, day), datetime(2025, 1, 1, tzinfo=UTC))


def test_sources_default_to_all_in_project_order() -> None:
    assert check_sources(None) == ["epgu", "mfc", "omsu", "ekc"]
    assert check_sources(["ekc", "epgu"]) == ["epgu", "ekc"]


def test_an_unknown_source_is_an_error_listing_the_valid_ones() -> None:
    with pytest.raises(EgovError, match="expected one of epgu, mfc, omsu, ekc"):
        check_sources(["gosuslugi"])


def test_a_month_plan_goes_month_by_month_over_every_source() -> None:
    assert plan_month_chunks("2024-01", "2024-02", ["mfc", "epgu"]) == [
        ("epgu", "2024-01"),
        ("mfc", "2024-01"),
        ("epgu", "2024-02"),
        ("mfc", "2024-02"),
    ]


def test_recapture_plans_only_months_with_a_gap_inside_the_range() -> None:
    missing = [
        _missing("ekc", date(2024, 2, 10)),
        _missing("ekc", date(2024, 2, 11)),
        _missing("mfc", date(2023, 12, 31)),  # outside the range
        _missing("omsu", date(2024, 1, 1)),
    ]
    assert plan_recapture_chunks(missing, "2024-01", "2024-03", None) == [
        ("omsu", "2024-01"),
        ("ekc", "2024-02"),
    ]
    assert plan_recapture_chunks(missing, "2024-01", "2024-03", ["mfc"]) == []


def test_a_chunk_takes_the_worst_verdict_of_its_batches() -> None:
    assert chunk_status([_batch("loaded"), _batch("partial", quarantined=1)]) == "partial"
    assert chunk_status([_batch("loaded"), _batch("rejected", loaded=0)]) == "rejected"
    assert chunk_status([_batch("skipped_unchanged", 0, 0), _batch("loaded")]) == "loaded"


def test_a_chunk_without_batches_is_skipped_unchanged() -> None:
    assert chunk_status([]) == "skipped_unchanged"
    report = chunk_report("mfc", "2024-03", [_landed("unchanged"), _landed("unchanged")], [])
    assert (report.status, report.deliveries_unchanged) == ("skipped_unchanged", 2)


def test_a_failed_chunk_reports_its_error_and_what_it_did_before() -> None:
    report = chunk_report("epgu", "2024-03", [_landed("new")], [_batch("loaded")], "HTTP 503")
    assert report.status == "failed"
    assert report.error == "HTTP 503"
    assert report.deliveries_new == 1
    assert report.rows_loaded == 10
    assert report.batch_ids == (1,)
    assert report.label == "epgu 2024-03"
    assert failed_chunks([report]) == [report]


def test_a_chunk_counts_deliveries_not_landed_as_ignored() -> None:
    ignored = DeliveryOutcome("omsu", "report March.xlsx", "ignored", "bad name")
    unavailable = DeliveryOutcome("ekc", "calls 2024-03-01", "unavailable", "HTTP 404")
    report = chunk_report("omsu", None, [ignored, unavailable, _landed("changed")], [])
    assert (report.deliveries_ignored, report.deliveries_new) == (2, 1)
    assert report.deliveries == (ignored, unavailable, _landed("changed"))
    assert report.label == "omsu since mark"


def test_a_chunk_report_survives_pickling() -> None:
    # The Dask task runner pickles the reports between processes.
    report = chunk_report("mfc", "2024-03", [_landed("new")], [_batch("partial", 10, 9, 1)])
    assert pickle.loads(pickle.dumps(report)) == report


def test_a_failure_of_our_own_reads_as_written_and_others_name_their_type() -> None:
    ours = EgovError("epgu window 2024-01-01..2024-01-02: gave up after 4 attempts: HTTP 503")
    assert failure_message(ours, "ignored") == str(ours)
    assert failure_message(ValueError("bad"), "ignored") == "ValueError: bad"
    assert failure_message(None, "Task run failed") == "Task run failed"


def test_totals_add_up_per_source_and_overall() -> None:
    chunks = [
        chunk_report("mfc", "2024-01", [], [_batch("loaded", 10, 9, 1)]),
        chunk_report("mfc", "2024-02", [_landed("unchanged")], []),
        chunk_report("ekc", "2024-01", [], [_batch("rejected", 5, 0)]),
    ]
    totals = {row["source"]: row for row in run_totals(chunks)}
    assert set(totals) == {"mfc", "ekc", "all"}
    assert totals["mfc"]["loaded"] == 1
    assert totals["mfc"]["skipped_unchanged"] == 1
    assert totals["all"]["rows_in"] == 15
    assert totals["all"]["rows_in"] == (
        totals["all"]["rows_loaded"]
        + totals["all"]["rows_quarantined"]
        + totals["all"]["rows_rejected"]
    )


def test_the_summary_lists_only_chunks_that_did_something() -> None:
    chunks = [
        chunk_report("mfc", "2024-01", [], [_batch("loaded")]),
        chunk_report("mfc", "2024-02", [_landed("unchanged")], []),
        chunk_report("epgu", None, [], [], "ЕПГУ window 2024-03-01: 503 | retry budget spent"),
    ]
    markdown = run_summary_markdown("backfill 2024-01..2024-02", chunks)
    assert markdown.startswith("# backfill 2024-01..2024-02")
    assert "| mfc | 2024-01 | loaded |" in markdown
    assert "2024-02 | skipped_unchanged" not in markdown
    assert "| epgu | since mark | failed |" in markdown
    assert "503 \\| retry budget spent" in markdown


def test_an_empty_run_says_so() -> None:
    assert "No chunks ran." in run_summary_markdown("pipeline", [])
