"""Command-line values of the benchmarks: month ranges and scale lists."""

from __future__ import annotations

import pytest

from bench.arguments import month_labels, parse_scales
from egov.errors import EgovError


def test_a_month_range_lists_every_month_across_the_year_end() -> None:
    assert month_labels("2023-11..2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert month_labels("2024-03") == ["2024-03"]
    assert len(month_labels("2023-01..2024-12")) == 24


@pytest.mark.parametrize("text", ["2024-13", "2024/03", "2024-03..2024-01", "march"])
def test_a_bad_month_range_is_refused(text: str) -> None:
    with pytest.raises(EgovError):
        month_labels(text)


def test_scales_are_positive_and_not_repeated() -> None:
    assert parse_scales("0.25,1,4,1") == [0.25, 1.0, 4.0]
    assert parse_scales("") == []
    with pytest.raises(ValueError, match="positive"):
        parse_scales("0")
