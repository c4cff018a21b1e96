"""ISO months, month intervals and what a month-scoped chunk still has to fetch."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from egov.calendar import month_end, month_interval, month_range, months_of, parse_month
from egov.errors import EgovError
from egov.loading.months import uncovered_intervals
from egov.sources.contract import IRKUTSK
from egov.sources.ekc import ekc_days_to_fetch, is_final_ekc_export


def _at(day: int, hour: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, tzinfo=IRKUTSK)


@pytest.mark.parametrize("text", ["2024-13", "2024-3", "24-03", "2024-03-01", "", "march"])
def test_a_bad_month_is_an_error_naming_the_value(text: str) -> None:
    with pytest.raises(EgovError, match="is not an ISO month"):
        parse_month(text, what="--from")


def test_a_month_range_is_inclusive_and_crosses_years() -> None:
    months = month_range("2023-11", "2024-02")
    assert months == [date(2023, 11, 1), date(2023, 12, 1), date(2024, 1, 1), date(2024, 2, 1)]


def test_a_reversed_range_is_an_error() -> None:
    with pytest.raises(EgovError, match="'to' is before 'from'"):
        month_range("2024-03", "2024-01")


def test_month_end_knows_leap_years() -> None:
    assert month_end(date(2024, 2, 1)) == date(2024, 2, 29)
    assert month_end(date(2023, 12, 1)) == date(2023, 12, 31)


def test_a_month_interval_runs_between_local_midnights() -> None:
    start, end = month_interval(date(2024, 12, 1))
    assert start == datetime(2024, 12, 1, tzinfo=IRKUTSK)
    assert end == datetime(2025, 1, 1, tzinfo=IRKUTSK)


def test_months_of_days_are_distinct_and_sorted() -> None:
    assert months_of([date(2024, 3, 5), date(2024, 1, 31), date(2024, 3, 1)]) == [
        date(2024, 1, 1),
        date(2024, 3, 1),
    ]


def test_nothing_covered_leaves_the_whole_interval() -> None:
    assert uncovered_intervals((_at(1), _at(4)), []) == [(_at(1), _at(4))]


def test_covered_windows_leave_only_the_gaps_between_them() -> None:
    covered = [(_at(2), _at(3)), (_at(1), _at(1, 6)), (_at(3), _at(3, 12))]
    assert uncovered_intervals((_at(1), _at(4)), covered) == [
        (_at(1, 6), _at(2)),
        (_at(3, 12), _at(4)),
    ]


def test_windows_outside_the_interval_cover_nothing_of_it() -> None:
    covered = [(_at(1), _at(2)), (_at(5), _at(6))]
    assert uncovered_intervals((_at(2), _at(5)), covered) == [(_at(2), _at(5))]


def test_a_fully_covered_interval_has_no_gap() -> None:
    assert uncovered_intervals((_at(2), _at(3)), [(_at(1), _at(4))]) == []


def test_an_ekc_export_is_final_two_days_after_its_day() -> None:
    assert not is_final_ekc_export(date(2024, 3, 5), date(2024, 3, 6))
    assert is_final_ekc_export(date(2024, 3, 5), date(2024, 3, 7))


def test_ekc_days_skip_final_exports_and_stop_before_today() -> None:
    days = ekc_days_to_fetch(
        date(2024, 3, 1),
        [date(2024, 3, 1), date(2024, 3, 3)],
        today=date(2024, 3, 6),
        first_day=date(2023, 8, 1),
    )
    assert days == [date(2024, 3, 2), date(2024, 3, 4), date(2024, 3, 5)]


def test_ekc_days_start_at_the_platform_start() -> None:
    days = ekc_days_to_fetch(
        date(2023, 7, 1), [], today=date(2024, 1, 1), first_day=date(2023, 7, 30)
    )
    assert days == [date(2023, 7, 30), date(2023, 7, 31)]
