"""The command line of `python -m bench`: defaults, --quick, validation, the planned runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bench.suite import (
    DEFAULT_TO_SQL_MAX_ROWS,
    QUICK,
    cpu_model,
    parse_options,
    plan_runs,
)


def test_the_defaults_are_the_full_benchmark() -> None:
    options = parse_options([])
    assert options.scales == [1.0, 4.0, 16.0]
    assert options.month == "2024-03"
    assert options.backfill[0] == "2023-01" and options.backfill[-1] == "2024-12"
    assert len(options.backfill) == 24
    assert options.backfill_scales == [1.0]
    assert options.world_scale == 1.0
    assert options.to_sql_max_rows == DEFAULT_TO_SQL_MAX_ROWS == 2_000_000
    assert options.out == Path("bench-results/bench.json")
    assert options.markdown == Path("bench-results/bench.md")


def test_quick_shrinks_every_step_but_explicit_options_win() -> None:
    quick = parse_options(["--quick"])
    assert quick.scales == [0.05, 0.1]
    assert quick.backfill == ["2024-01", "2024-02"]
    assert quick.backfill_scales == [0.05]
    assert quick.world_scale == QUICK["world_scale"]
    assert quick.to_sql_max_rows < DEFAULT_TO_SQL_MAX_ROWS
    mixed = parse_options(["--quick", "--scales", "0.2", "--to-sql-max-rows", "7", "--skip-world"])
    assert mixed.scales == [0.2]
    assert mixed.to_sql_max_rows == 7
    assert mixed.world_scale is None
    assert mixed.backfill_scales == [0.05]


def test_the_long_backfills_can_be_asked_for_and_steps_left_out() -> None:
    options = parse_options(
        ["--backfill-scales", "1,4,16", "--backfill", "2023-06..2023-08", "--scales", ""]
    )
    assert options.backfill_scales == [1.0, 4.0, 16.0]
    assert options.backfill == ["2023-06", "2023-07", "2023-08"]
    assert options.scales == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--month", "2024-13"],
        ["--backfill", "2024-05..2024-01"],
        ["--scales", "1,-4"],
        ["--to-sql-max-rows", "-1"],
        ["--world-scale", "0"],
    ],
)
def test_bad_options_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_options(argv)
    assert stopped.value.code == 2


def test_month_runs_come_first_and_the_backfill_re_runs_the_benchmark_month() -> None:
    runs = plan_runs(parse_options(["--scales", "1,4", "--backfill-scales", "1"]))
    assert [(r.kind, r.scale, r.label) for r in runs] == [
        ("month", 1.0, "2024-03 ×1"),
        ("month", 4.0, "2024-03 ×4"),
        ("backfill", 1.0, "2023-01..2024-12 ×1"),
    ]
    assert runs[0].as_of == date(2024, 3, 31) and runs[0].rerun_month == "2024-03"
    assert runs[2].as_of == date(2024, 12, 31) and runs[2].rerun_month == "2024-03"
    assert len(runs[2].months) == 24


def test_a_backfill_without_the_benchmark_month_re_runs_its_last_month() -> None:
    (backfill,) = plan_runs(parse_options(["--quick", "--scales", ""]))
    assert backfill.months == ["2024-01", "2024-02"]
    assert backfill.rerun_month == "2024-02"
    assert backfill.as_of == date(2024, 2, 29)


def test_the_cpu_model_is_the_first_model_name() -> None:
    cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\n"
    assert cpu_model(cpuinfo + cpuinfo.replace("7B13", "other")) == "AMD EPYC 7B13"
    assert cpu_model("processor\t: 0\n") is None
