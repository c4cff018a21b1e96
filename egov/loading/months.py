"""ISO months ('YYYY-MM') as the unit of backfills, and what each source owes within one."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from egov.errors import EgovError
from egov.sources.contract import IRKUTSK

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str, *, what: str = "month") -> date:
    """The first day of an ISO month string, or an error naming the bad value."""
    match = _MONTH.match(text.strip()) if isinstance(text, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise EgovError(f"{what} {text!r} is not an ISO month: expected YYYY-MM, e.g. 2024-03")
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_label(month: date) -> str:
    """'YYYY-MM' of a month's first day."""
    return f"{month.year:04d}-{month.month:02d}"


def next_month(month: date) -> date:
    """The first day of the following month."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_end(month: date) -> date:
    """The last day of a month."""
    return next_month(month) - timedelta(days=1)


def month_range(first: str, last: str) -> list[date]:
    """Every month from `first` to `last` inclusive, oldest first."""
    start, stop = parse_month(first, what="from"), parse_month(last, what="to")
    if stop < start:
        raise EgovError(f"month range {first}..{last} is empty: 'to' is before 'from'")
    months = [start]
    while months[-1] < stop:
        months.append(next_month(months[-1]))
    return months


def months_of(days: Iterable[date]) -> list[date]:
    """The distinct months of some days, oldest first."""
    return sorted({d.replace(day=1) for d in days})


def month_interval(month: date) -> tuple[datetime, datetime]:
    """The month as a half-open interval of Irkutsk local time."""
    start = datetime.combine(month, datetime.min.time(), IRKUTSK)
    return start, datetime.combine(next_month(month), datetime.min.time(), IRKUTSK)


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
