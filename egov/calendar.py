"""Months, quarters and periods: the project's one calendar (ISO months, Irkutsk local time).

Every month is represented by its first day (`date`); labels are 'YYYY-MM'. The time zone is
the sources' and the reporting calendar's (Asia/Irkutsk, UTC+8, no DST).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
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


def month_start(day: date) -> date:
    """The first day of the day's month."""
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after (negative: before) the day's month."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def next_month(month: date) -> date:
    """The first day of the following month."""
    return add_months(month, 1)


def previous_month(month: date) -> date:
    """The first day of the preceding month."""
    return add_months(month, -1)


def month_end(month: date) -> date:
    """The last day of the day's month."""
    return next_month(month) - timedelta(days=1)


def previous_month_end(day: date) -> date:
    """The last day of the month before the day's month."""
    return month_start(day) - timedelta(days=1)


def quarter_start(day: date) -> date:
    """The first day of the day's calendar quarter."""
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def year_start(day: date) -> date:
    """1 January of the day's year."""
    return date(day.year, 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Every month from first's month to last's month inclusive (none if reversed)."""
    months, current, stop = [], month_start(first), month_start(last)
    while current <= stop:
        months.append(current)
        current = next_month(current)
    return months


def month_range(first: str, last: str) -> list[date]:
    """Every month from ISO month `first` to `last` inclusive; an error if `last` is earlier."""
    start, stop = parse_month(first, what="from"), parse_month(last, what="to")
    if stop < start:
        raise EgovError(f"month range {first}..{last} is empty: 'to' is before 'from'")
    return months_between(start, stop)


def months_of(days: Iterable[date]) -> list[date]:
    """The distinct months of some days, oldest first."""
    return sorted({month_start(d) for d in days})


def month_bounds(period: str) -> tuple[date, date]:
    """First and last day of a 'YYYY-MM' month; a clear error for anything else."""
    first = parse_month(period, what="period")
    return first, month_end(first)


def month_interval(month: date) -> tuple[datetime, datetime]:
    """The month as a half-open interval of Irkutsk local time."""
    start = datetime.combine(month_start(month), datetime.min.time(), IRKUTSK)
    return start, datetime.combine(next_month(month), datetime.min.time(), IRKUTSK)


def local_midnight(day: date) -> datetime:
    """00:00 Irkutsk time of a day."""
    return datetime.combine(day, datetime.min.time(), IRKUTSK)
