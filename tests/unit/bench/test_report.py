"""Targets and the markdown report of `python -m bench`, from plain figures."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench.report import render_markdown, targets_table, verdict
from bench.step_figures import StepFigures, step_dict
from bench.targets import Target, derived, evaluate_targets, memory_growth, rate_ratio


def source(name: str, rows: int, seconds: float, validation: float = 0.0) -> dict[str, Any]:
    rest = (seconds - validation) / 3
    return step_dict(
        StepFigures(
            name,
            batches=2,
            rows=rows,
            rows_loaded=rows,
            landing_s=rest,
            parse_s=rest,
            validation_s=validation,
            write_s=rest,
            raw_rows=rows,
            raw_s=seconds / 4,  # raw COPY four times the end-to-end rate
        )
    )


def run(
    label: str,
    scale: float,
    loader_mb: float,
    *,
    kind: str = "month",
    to_sql: tuple[int, float] | None = (1000, 10.0),
    rerun_s: float = 0.5,
    snapshot_s: float = 1.0,
) -> dict[str, Any]:
    epgu = source("epgu", 6000, 3.0, validation=0.3)
    mfc = source("mfc", 4000, 2.0, validation=0.2)
    total = source("total", 10000, 5.0, validation=0.5)
    return {
        "label": label,
        "kind": kind,
        "scale": scale,
        "months": ["2024-03"],
        "sources": [epgu, mfc],
        "total": total,
        "peak_rss_mb": {"loader": loader_mb, "simulator": 80.0, "generator": 150.0},
        "loader_rss_after_month_mb": [loader_mb],
        "to_sql": None
        if to_sql is None
        else {"rows": to_sql[0], "seconds": to_sql[1], "peak_rss_mb": 300.0},
        "rerun": {
            "month": "2024-03",
            "sources": [
                {
                    "source": s,
                    "seconds": rerun_s if s == "mfc" else 0.1,
                    "land_s": 0.05,
                    "load_s": 0.05,
                    "deliveries": {"unchanged": 31},
                    "batches": {},
                }
                for s in ("epgu", "mfc")
            ],
            "facts_before": {"fact_mfc_application": 4000},
            "facts_after": {"fact_mfc_application": 4000},
            "fact_rows_with_newer_batch": 0,
            "batches_added": 0,
            "wrote_nothing": True,
        },
        "snapshot": {
            "as_of": "2024-03-31",
            "months_refreshed": 1,
            "refresh_s": 0.2,
            "refresh": {"inserted": 10, "updated": 0, "deleted": 0},
            "snapshot_s": snapshot_s,
            "snapshot": {
                "load_batches": 4,
                "rows": {"indicator": 5, "ekc_load": 2, "info_campaign": 1},
            },
            "again_s": 0.5,
            "same_snapshot": True,
        },
        "gx_startup_s": 2.5,
        "loadavg_before": [1.0, 1.0, 1.0],
        "loadavg_after": [1.5, 1.2, 1.0],
    }


def by_name(targets: list[Target], start: str, run_label: str) -> Target:
    (found,) = [t for t in targets if t.name.startswith(start) and t.run == run_label]
    return found


def test_rates_and_shares_are_derived_from_the_step_figures() -> None:
    plain = derived(run("a", 1.0, 500.0))
    assert plain["e2e_rows_per_s"] == 2000  # 10,000 rows in 5 s
    assert plain["copy_rows_per_s"] == 8000
    assert plain["to_sql_rows_per_s"] == 100
    assert plain["e2e_to_copy"] == pytest.approx(0.25)
    assert plain["e2e_to_sql"] == pytest.approx(20.0)
    assert plain["validation_share"]["total"] == pytest.approx(0.5 / 4.5, abs=1e-4)
    assert set(plain["validation_share"]) == {"total", "epgu", "mfc"}
    assert derived(run("b", 1.0, 500.0, to_sql=None))["e2e_to_sql"] is None


def test_a_ratio_needs_two_finite_rates() -> None:
    assert rate_ratio(10.0, 4.0) == 2.5
    assert math.isnan(rate_ratio(10.0, 0.0))
    assert math.isnan(rate_ratio(math.nan, 4.0))


def test_memory_growth_is_the_largest_scale_over_scale_one() -> None:
    runs = [run("a", 0.25, 300.0), run("b", 1.0, 400.0), run("c", 16.0, 700.0)]
    runs.append(run("d", 1.0, 9_999.0, kind="backfill"))  # not a one-month run
    assert memory_growth(runs) == (1.0, 16.0, pytest.approx(1.75))
    assert memory_growth([run("a", 0.05, 200.0), run("b", 0.1, 250.0)])[2] == pytest.approx(1.25)
    assert math.isnan(memory_growth([run("a", 1.0, 300.0)])[2])


def test_each_target_passes_or_fails_on_its_measured_value() -> None:
    figures = {
        "world": {
            "first_month": "2023-01",
            "last_month": "2024-12",
            "scale": 1.0,
            "seconds": 150.0,
            "peak_rss_mb": 900.0,
            "peak_rss_workers_mb": 160.0,
        },
        "runs": [
            run("2024-03 ×1", 1.0, 400.0, rerun_s=2.5, snapshot_s=4.0),
            run("2024-03 ×16", 16.0, 560.0, rerun_s=9.0, snapshot_s=9.0, to_sql=(1000, 1.0)),
            {"label": "broken", "kind": "month", "scale": 4.0, "error": "Traceback\nboom"},
        ],
    }
    targets = evaluate_targets(figures)
    assert by_name(targets, "world generation", "2023-01..2024-12 ×1").passed is False
    assert by_name(targets, "end to end / raw COPY", "2024-03 ×1").passed is False  # 25 %
    assert by_name(targets, "end to end / pandas", "2024-03 ×1").passed is True  # ×20
    assert by_name(targets, "end to end / pandas", "2024-03 ×16").passed is False  # ×2
    assert by_name(targets, "validation", "2024-03 ×1").passed is True
    assert by_name(targets, "unchanged re-run of", "2024-03 ×1").passed is False
    assert by_name(targets, "unchanged re-run of", "2024-03 ×1").measured == "2.50 s (mfc)"
    assert by_name(targets, "unchanged re-run of", "2024-03 ×16").passed is None  # above ×1
    assert by_name(targets, "unchanged re-run wrote", "2024-03 ×1").passed is True
    assert by_name(targets, "snapshot of every scope", "2024-03 ×1").passed is True
    assert by_name(targets, "snapshot of every scope", "2024-03 ×16").passed is None
    memory = by_name(targets, "loader peak RSS", "month runs")
    assert (memory.name, memory.measured, memory.passed) == (
        "loader peak RSS of a month, ×16 / ×1",
        "1.40",
        True,
    )
    assert not [t for t in targets if t.run == "broken"]


def test_a_failed_step_fails_its_target() -> None:
    broken = run("2024-03 ×1", 1.0, 400.0)
    broken["rerun"] = {"error": "Traceback\nRuntimeError: no"}
    broken["snapshot"]["same_snapshot"] = False
    targets = evaluate_targets({"runs": [broken]})
    assert by_name(targets, "unchanged re-run", "2024-03 ×1").passed is False
    assert by_name(targets, "second snapshot", "2024-03 ×1").passed is False


def test_the_targets_table_has_a_line_per_target_with_its_result() -> None:
    table = targets_table(
        [Target("a", "r", "1", "< 2", True), Target("b", "r", "3", "< 2", False)]
    ).splitlines()
    assert len(table) == 4
    assert table[2].endswith("| pass |") and table[3].endswith("| **FAIL** |")
    assert verdict(None) == "info"


def test_the_report_has_every_section_and_names_failures() -> None:
    figures = {
        "started_at": "2026-11-23T00:00:00+00:00",
        "complete": False,
        "options": {"seed": 1, "to_sql_max_rows": 2_000_000},
        "machine": {"cpu_model": "AMD EPYC", "cpus": 2, "ram_gib": 23.5, "postgres": "16.2"},
        "runs": [
            run("2024-03 ×1", 1.0, 400.0),
            {"label": "2024-03 ×4", "kind": "month", "scale": 4.0, "error": "Trace\nOSError: x"},
        ],
    }
    markdown = render_markdown(figures, evaluate_targets(figures))
    for heading in (
        "## Targets",
        "## Throughput",
        "## Steps per source",
        "## Peak resident memory",
        "## Unchanged re-run",
        "## Snapshot",
        "## Errors",
    ):
        assert heading in markdown
    assert "AMD EPYC × 2 CPUs" in markdown and "PostgreSQL 16.2" in markdown
    assert "**Partial" in markdown
    assert "| 2024-03 ×1 | 10,000 | 5.00 | 2,000 | 8,000 | 1,000 (10.0) | 100 | 25 % | ×20.0 |" in (
        markdown
    )
    assert "- 2024-03 ×4: OSError: x" in markdown
    assert "not in end to end: 2024-03 ×1 2.50 s" in markdown
    assert "wrote no fact (4,000 fact rows before and after: equal" in markdown
