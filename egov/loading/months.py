"""What a month-scoped chunk still asks for: uncovered API windows, ЕКЦ days not yet final."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from egov.calendar import month_end


def uncovered_intervals(
    interval: tuple[datetime, datetime], covered: Sequence[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """The parts of a half-open interval that no covered interval overlaps, in order."""
    start, end = interval
    gaps: list[tuple[datetime, datetime]] = []
    cursor = start
    for covered_start, covered_end in sorted(covered):
        if covered_end <= cursor or covered_start >= end:
            continue
        if covered_start > cursor:
            gaps.append((cursor, covered_start))
        cursor = max(cursor, covered_end)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def ekc_days_to_fetch(
    month: date,
    landed_final: Iterable[date],
    *,
    today: date,
    first_day: date,
) -> list[date]:
    """The month's ЕКЦ days that have no final export landed yet (up to yesterday).

    An export is final two days after its day; a day fetched earlier is fetched again.
    """
    final = set(landed_final)
    last = min(month_end(month), today - timedelta(days=1))
    day = max(month, first_day)
    days: list[date] = []
    while day <= last:
        if day not in final:
            days.append(day)
        day += timedelta(days=1)
    return days


def is_final_ekc_export(day: date, fetched_on: date) -> bool:
    """Whether an export of `day` fetched on local date `fetched_on` can no longer grow."""
    return fetched_on >= day + timedelta(days=2)
