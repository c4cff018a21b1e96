"""Throughput figures and their tables: rates, totals, the JSON round trip, markdown."""

from __future__ import annotations

import math

import pytest

from bench.step_figures import (
    TARGET_RATIO,
    RunSummary,
    StepFigures,
    combine,
    rate,
    ratio,
    step_dict,
    step_from_dict,
)
from bench.throughput_tables import memory_growth, memory_table, steps_table, summary_table


def figures(source: str, rows: int, seconds: float, raw_rows: int, raw_s: float) -> StepFigures:
    quarter = seconds / 4
    return StepFigures(
        source,
        batches=3,
        rows=rows,
        rows_loaded=rows,
        landing_s=quarter,
        parse_s=quarter,
        validation_s=quarter,
        write_s=quarter,
        raw_rows=raw_rows,
        raw_s=raw_s,
    )


def test_rates_and_the_ratio() -> None:
    assert rate(1000, 2.0) == 500.0
    assert rate(0, 0.0) == 0.0
    assert math.isinf(rate(5, 0.0))
    with pytest.raises(ValueError):
        rate(-1, 1.0)
    assert ratio(100.0, 400.0) == 0.25
    assert math.isnan(ratio(100.0, 0.0))


def test_end_to_end_is_every_step_and_totals_add_rows_and_times() -> None:
    epgu = figures("epgu", 1000, 4.0, 990, 0.5)
    mfc = figures("mfc", 3000, 2.0, 3000, 1.0)
    assert epgu.end_to_end_s == pytest.approx(4.0)
    assert epgu.rate == pytest.approx(250.0)
    total = combine([epgu, mfc])
    assert (total.source, total.rows, total.raw_rows, total.batches) == ("total", 4000, 3990, 6)
    assert total.end_to_end_s == pytest.approx(6.0)
    assert total.raw_rate == pytest.approx(3990 / 1.5)
    assert total.ratio == pytest.approx((4000 / 6.0) / (3990 / 1.5))


def test_step_figures_survive_the_json_round_trip() -> None:
    epgu = figures("epgu", 1000, 4.0, 990, 0.5)
    plain = step_dict(epgu)
    assert plain["rows_per_s"] == 250 and plain["end_to_end_s"] == 4.0
    assert step_from_dict(plain) == epgu


def summary(label: str, scale: float, total: StepFigures, loader_mb: float) -> RunSummary:
    return RunSummary(label, scale, 1, total, loader_mb, 120.0, 300.0)


def test_the_summary_marks_runs_below_half_the_raw_rate() -> None:
    fast = figures("total", 1000, 1.0, 1000, 1.0)  # ratio 1.0
    slow = figures("total", 1000, 10.0, 1000, 1.0)  # ratio 0.1
    table = summary_table([summary("fast", 1.0, fast, 400.0), summary("slow", 1.0, slow, 400.0)])
    lines = table.splitlines()
    assert len(lines) == 4 and lines[0].count("|") == lines[1].count("|") == lines[2].count("|")
    assert "| 100 % | yes |" in lines[2] and "| 10 % | **no** |" in lines[3]
    assert TARGET_RATIO == 0.5


def test_the_steps_table_has_one_line_per_run_and_source() -> None:
    rows = [figures("epgu", 1000, 4.0, 990, 0.5), figures("total", 1000, 4.0, 990, 0.5)]
    table = steps_table([("2024-03 ×1", rows)])
    assert len(table.splitlines()) == 4
    assert (
        "| 2024-03 ×1 | epgu | 1,000 | 3 | 1.00 | 1.00 | 1.00 | 1.00 | 4.00 | 250 | 1,980 |"
        in table
    )


def test_memory_growth_compares_the_largest_scale_with_the_smallest() -> None:
    assert memory_growth([(4.0, 500.0), (0.25, 400.0), (1.0, 450.0)]) == pytest.approx(1.25)
    assert math.isnan(memory_growth([]))
    runs = [
        summary("b", 4.0, figures("t", 4, 1, 4, 1), 500.0),
        summary("a", 0.25, figures("t", 1, 1, 1, 1), 400.0),
    ]
    assert [line.split("|")[1].strip() for line in memory_table(runs).splitlines()[2:]] == [
        "0.25",
        "4",
    ]
