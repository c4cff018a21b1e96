"""What to ask the sources for: ЕПГУ windows from the high-water mark, ЕКЦ days to (re)fetch."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from egov.sources.contract import IRKUTSK
from egov.sources.ekc import days_to_fetch
from egov.sources.epgu import describe_window, plan_windows

LAG = timedelta(minutes=5)


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=IRKUTSK)


def test_windows_are_cut_at_local_midnights_and_end_at_now_minus_the_lag() -> None:
    windows = plan_windows(local(2024, 3, 1, 10, 0), local(2024, 3, 3, 12, 0))
    assert windows == [
        (local(2024, 3, 1, 10, 0), local(2024, 3, 2)),
        (local(2024, 3, 2), local(2024, 3, 3)),
        (local(2024, 3, 3), local(2024, 3, 3, 11, 55)),
    ]


def test_windows_are_contiguous_and_half_open_from_the_mark() -> None:
    mark, now = local(2024, 1, 30, 23, 59, 59), local(2024, 3, 2, 0, 4, 59)
    windows = plan_windows(mark, now)
    assert windows[0][0] == mark and windows[-1][1] == now - LAG
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))
    assert all(start < end for start, end in windows)
    assert all(end - start <= timedelta(days=1) for start, end in windows)
    assert len(windows) == 32


def test_a_mark_given_in_utc_is_aligned_to_irkutsk_midnight() -> None:
    windows = plan_windows(datetime(2024, 3, 1, 6, 0, tzinfo=UTC), local(2024, 3, 3, 0, 10))
    assert [end for _, end in windows] == [
        local(2024, 3, 2),
        local(2024, 3, 3),
        local(2024, 3, 3, 0, 5),
    ]
    assert windows[0][0] == local(2024, 3, 1, 14, 0)


def test_nothing_to_fetch_within_the_safety_lag() -> None:
    assert plan_windows(local(2024, 3, 1, 12, 0), local(2024, 3, 1, 12, 4)) == []
    assert plan_windows(local(2024, 3, 1, 12, 0), local(2024, 3, 1, 12, 5)) == []
    assert plan_windows(local(2024, 3, 2), local(2024, 3, 1)) == []


def test_the_lag_is_configurable_and_the_end_is_floored_to_a_second() -> None:
    now = local(2024, 3, 1, 12, 0, 30) + timedelta(microseconds=700_000)
    windows = plan_windows(local(2024, 3, 1, 11), now, safety_lag=timedelta(0))
    assert windows == [(local(2024, 3, 1, 11), local(2024, 3, 1, 12, 0, 30))]


def test_windows_shorter_than_a_day_fall_on_a_grid_from_midnight() -> None:
    windows = plan_windows(
        local(2024, 3, 1, 7, 30), local(2024, 3, 2, 2, 5), max_window=timedelta(hours=6)
    )
    assert windows == [
        (local(2024, 3, 1, 7, 30), local(2024, 3, 1, 12)),
        (local(2024, 3, 1, 12), local(2024, 3, 1, 18)),
        (local(2024, 3, 1, 18), local(2024, 3, 2)),
        (local(2024, 3, 2), local(2024, 3, 2, 2)),
    ]


def test_windows_longer_than_a_day_are_whole_local_days() -> None:
    windows = plan_windows(
        local(2024, 3, 1, 7, 30), local(2024, 3, 20, 0, 5), max_window=timedelta(days=7)
    )
    assert windows == [
        (local(2024, 3, 1, 7, 30), local(2024, 3, 8)),
        (local(2024, 3, 8), local(2024, 3, 15)),
        (local(2024, 3, 15), local(2024, 3, 20)),
    ]


def test_naive_moments_and_empty_windows_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_windows(datetime(2024, 3, 1), local(2024, 3, 2))
    with pytest.raises(ValueError, match="max_window"):
        plan_windows(local(2024, 3, 1), local(2024, 3, 2), max_window=timedelta(0))


def test_windows_are_described_in_local_time_as_short_as_exact() -> None:
    assert (
        describe_window(local(2024, 3, 1), datetime(2024, 3, 1, 16, 0, 30, tzinfo=UTC))
        == "2024-03-01T00:00+08:00..2024-03-02T00:00:30+08:00"
    )


TODAY = date(2024, 3, 10)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_first_run_fetches_every_day_from_the_first_export_to_yesterday() -> None:
    result = days_to_fetch(None, date(2023, 8, 5))
    assert result == days(date(2023, 8, 1), date(2023, 8, 4))


def test_a_daily_run_refetches_the_two_days_that_may_still_grow() -> None:
    assert days_to_fetch(date(2024, 3, 9), TODAY) == [date(2024, 3, 8), date(2024, 3, 9)]


def test_after_skipped_runs_the_days_fetched_while_growing_are_fetched_again() -> None:
    # The run on 2024-03-03 fetched 03-01 and 03-02 while they could still grow.
    assert days_to_fetch(date(2024, 3, 2), TODAY) == days(date(2024, 3, 1), date(2024, 3, 9))


def test_a_mark_at_or_after_today_still_refetches_only_past_days() -> None:
    assert days_to_fetch(TODAY, TODAY) == [date(2024, 3, 8), date(2024, 3, 9)]
    assert days_to_fetch(date(2024, 3, 30), TODAY) == [date(2024, 3, 8), date(2024, 3, 9)]


def test_today_only_on_request_and_never_a_later_day() -> None:
    assert days_to_fetch(date(2024, 3, 9), TODAY, include_today=True)[-1] == TODAY
    assert max(days_to_fetch(None, TODAY)) == date(2024, 3, 9)


def test_nothing_before_the_first_export_day() -> None:
    assert days_to_fetch(None, date(2023, 8, 1)) == []
    assert days_to_fetch(None, date(2023, 7, 1)) == []
    assert days_to_fetch(date(2023, 8, 1), date(2023, 8, 2)) == [date(2023, 8, 1)]


def test_the_refetch_depth_is_configurable() -> None:
    assert days_to_fetch(date(2024, 3, 9), TODAY, refetch_days=0) == []
    assert days_to_fetch(date(2024, 3, 9), TODAY, refetch_days=3) == days(
        date(2024, 3, 7), date(2024, 3, 9)
    )
