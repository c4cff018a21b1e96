"""The validation share's figures: shares, totals, the JSON form and the table."""

from __future__ import annotations

import math

import pytest

from bench.formatting import format_seconds, format_share
from bench.share_figures import (
    TARGET_SHARE,
    SourceFigures,
    combine,
    figures_dict,
    markdown_table,
    validation_share,
)


def figures(
    source: str, landing: float, parse: float, validation: float, write: float
) -> SourceFigures:
    return SourceFigures(
        source,
        batches=2,
        rows=1000,
        rows_loaded=990,
        rows_quarantined=10,
        statuses={"loaded": 1, "partial": 1},
        landing_s=landing,
        parse_s=parse,
        validation_s=validation,
        write_s=write,
        validation_chunks_s=[validation],
    )


def test_load_time_leaves_validation_out_and_the_share_divides_by_it() -> None:
    f = figures("mfc", 2.0, 1.0, 1.5, 3.0)

    assert f.load_s == pytest.approx(6.0)
    assert f.share == pytest.approx(0.25)
    assert not f.within_target  # the target is strictly less than a quarter
    assert figures("mfc", 2.0, 1.0, 1.4, 3.0).within_target


def test_share_of_nothing_is_zero_and_validation_without_load_is_infinite() -> None:
    assert validation_share(0.0, 0.0) == 0.0
    assert math.isinf(validation_share(1.0, 0.0))
    with pytest.raises(ValueError, match="negative"):
        validation_share(-1.0, 2.0)


def test_total_adds_times_counts_and_statuses_and_recomputes_the_share() -> None:
    total = combine([figures("epgu", 4.0, 2.0, 1.0, 2.0), figures("omsu", 1.0, 1.0, 2.0, 0.0)])

    assert total.source == "total"
    assert (total.rows, total.batches, total.rows_quarantined) == (2000, 4, 20)
    assert total.statuses == {"loaded": 2, "partial": 2}
    assert total.validation_s == pytest.approx(3.0)
    assert total.load_s == pytest.approx(10.0)
    assert total.share == pytest.approx(0.3)  # not the mean of the sources' shares
    assert total.validation_chunks_s == [1.0, 2.0]


def test_figures_dict_is_plain_json_with_rounded_seconds() -> None:
    row = figures_dict(figures("ekc", 1.23456, 0.0, 0.5, 0.76544))

    assert row["landing_s"] == 1.235
    assert row["load_s"] == 2.0
    assert row["validation_share"] == 0.25
    assert row["within_target"] is False
    assert figures_dict(figures("ekc", 0.0, 0.0, 1.0, 0.0))["validation_share"] is None


def test_markdown_table_has_a_line_per_source_and_marks_a_miss() -> None:
    rows = [figures("epgu", 10.0, 5.0, 1.0, 5.0), figures("omsu", 0.5, 0.25, 0.5, 0.25)]
    lines = markdown_table([*rows, combine(rows)]).splitlines()

    assert lines[0].startswith("| source | rows |")
    assert len(lines) == 2 + 3
    assert all(line.count("|") == lines[0].count("|") for line in lines)
    assert lines[2] == ("| epgu | 1,000 | 2 | 10.0 | 5.00 | 1.00 | 5.00 | 20.0 | 5.0 % | yes |")
    assert lines[3].endswith("| 50.0 % | **no** |")
    assert lines[4].startswith("| total | 2,000 | 4 |")


def test_formatting_helpers() -> None:
    assert format_seconds(9.994) == "9.99"
    assert format_seconds(12.34) == "12.3"
    assert format_share(TARGET_SHARE) == "25.0 %"
    assert format_share(math.inf) == "∞"
