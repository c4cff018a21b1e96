"""The run report the `egov backfill` and `egov run` commands print."""

from __future__ import annotations

from typing import Any

import pytest

from cli.loading import print_run_report
from egov.errors import EgovError
from egov.loading.backfill import ChunkReport, RunReport, chunk_report


def _report(
    chunks: list[ChunkReport],
    touched_months: tuple[str, ...] = (),
    deferred_months: tuple[str, ...] = (),
    snapshots: dict[str, Any] | None = None,
) -> RunReport:
    failed = any(c.status == "failed" for c in chunks)
    return RunReport(
        chunks=tuple(chunks),
        touched_months=touched_months,
        deferred_months=deferred_months,
        snapshots=snapshots,
        is_failed=failed,
        state_message="1 chunk(s) failed: epgu 2024-01" if failed else "done",
    )


def test_a_failed_run_says_its_snapshot_is_deferred_and_names_the_failed_chunk(
    capsys: pytest.CaptureFixture[str],
) -> None:
    failed = chunk_report("epgu", "2024-01", [], [], "epgu window …: gave up after 4 attempts")
    loaded = chunk_report("mfc", "2024-01", [], [])
    report = _report([failed, loaded], deferred_months=("2024-01", "2024-02"))

    with pytest.raises(EgovError, match="1 chunk"):
        print_run_report("backfill 2024-01..2024-02", report)

    printed = capsys.readouterr()
    assert "snapshot step deferred (a chunk failed): 2024-01..2024-02 (2)" in printed.out
    assert "failed: epgu 2024-01: epgu window …: gave up after 4 attempts" in printed.err


def test_a_complete_run_names_the_months_it_recomputed(capsys: pytest.CaptureFixture[str]) -> None:
    report = _report([chunk_report("mfc", "2024-01", [], [])], touched_months=("2024-01",))
    print_run_report("backfill 2024-01..2024-01", report)
    assert "months recomputed by the snapshot step: 2024-01..2024-01 (1)" in capsys.readouterr().out


def test_a_run_with_a_snapshot_prints_its_share_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    summary = {
        "as_of": "2024-03-31",
        "snapshot_id": 7,
        "methodology_version": "1.0",
        "plan_version": "2023.1",
        "first_month": "2024-03",
        "last_month": "2024-03",
        "load_batches": 120,
        "region_ytd_pct": 41.25,
        "region_numerator": 1650,
        "region_denominator": 4000,
        "region_month_pct": 41.25,
        "region_quarter_pct": 41.25,
        "region_expected_pct": None,
        "region_gap_pp": None,
        "region_status": None,
        "coverage_pct": 97.6,
        "forms_received": 41,
        "forms_owed": 42,
        "target_date": "2024-12-31",
        "target_pct": 50.0,
        "municipalities": 42,
        "status_counts": {"achieved": 0, "insufficient_data": 5},
        "municipalities_without_status": 37,
    }
    report = _report(
        [chunk_report("mfc", "2024-03", [], [])], touched_months=("2024-03",), snapshots=summary
    )
    print_run_report("backfill 2024-03..2024-03", report)
    printed = capsys.readouterr().out
    assert "ЕПГУ share (I1) as of 2024-03-31" in printed
    for figure in ("41.2 %", "1,650 / 4,000", "97.6 % (41 of 42)", "5 of 42", "37 of 42"):
        assert figure in printed, figure


def test_the_report_is_read_from_the_flow_state_with_its_outcome() -> None:
    from prefect.states import Completed, Failed

    from cli.loading import run_flow_report

    report = _report([chunk_report("mfc", "2024-01", [], [])], touched_months=("2024-01",))
    done = run_flow_report(lambda: Completed(message="1 chunk(s) done", data=report))
    assert (done.is_failed, done.state_message, done.chunks) == (
        False,
        "1 chunk(s) done",
        report.chunks,
    )
    failed = run_flow_report(lambda: Failed(message="1 chunk(s) failed: x", data=report))
    assert (failed.is_failed, failed.state_message) == (True, "1 chunk(s) failed: x")
    with pytest.raises(EgovError, match="flow ended COMPLETED: odd"):
        run_flow_report(lambda: Completed(message="odd", data={"chunks": []}))
