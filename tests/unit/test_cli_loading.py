"""The run report the `egov backfill` and `egov run` commands print."""

from __future__ import annotations

from typing import Any

import pytest

from cli.loading import print_run_report
from egov.errors import EgovError
from egov.loading.backfill import chunk_report


def _report(chunks: list[dict[str, Any]], **rest: Any) -> dict[str, Any]:
    failed = any(c["status"] == "failed" for c in chunks)
    return {
        "chunks": chunks,
        "touched_months": [],
        "deferred_months": [],
        "snapshots": None,
        "is_failed": failed,
        "state_message": "1 chunk(s) failed: epgu 2024-01" if failed else "done",
        **rest,
    }


def test_a_failed_run_says_its_snapshot_is_deferred_and_names_the_failed_chunk(
    capsys: pytest.CaptureFixture[str],
) -> None:
    failed = chunk_report("epgu", "2024-01", [], [], "epgu window …: gave up after 4 attempts")
    loaded = chunk_report("mfc", "2024-01", [], [])
    report = _report([failed, loaded], deferred_months=["2024-01", "2024-02"])

    with pytest.raises(EgovError, match="1 chunk"):
        print_run_report("backfill 2024-01..2024-02", report)

    printed = capsys.readouterr()
    assert "snapshot step deferred (a chunk failed): 2024-01..2024-02 (2)" in printed.out
    assert "failed: epgu 2024-01: epgu window …: gave up after 4 attempts" in printed.err


def test_a_complete_run_names_the_months_it_recomputed(capsys: pytest.CaptureFixture[str]) -> None:
    report = _report([chunk_report("mfc", "2024-01", [], [])], touched_months=["2024-01"])
    print_run_report("backfill 2024-01..2024-01", report)
    assert "months recomputed by the snapshot step: 2024-01..2024-01 (1)" in capsys.readouterr().out
