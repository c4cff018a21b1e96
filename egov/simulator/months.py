"""The simulator's months: (year, month) pairs, their bounds and their index since January 2023."""

from __future__ import annotations

from datetime import date

from egov.calendar import month_end, months_between
from egov.simulator.parameters import ORIGIN_YEAR


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month."""
    first = date(year, month, 1)
    return first, month_end(first)


def month_index(year: int, month: int) -> int:
    """Months since January 2023."""
    return (year - ORIGIN_YEAR) * 12 + month - 1


def parse_month(text: str) -> tuple[int, int]:
    """'2024-03' -> (2024, 3)."""
    # Lenient on purpose ('2024-3' is March too): egov.calendar.parse_month is the strict one.
    year, month = text.split("-")
    return int(year), int(month)


def month_range(first: str, last: str) -> list[tuple[int, int]]:
    """Every (year, month) from `first` to `last` inclusive ('YYYY-MM')."""
    start, end = parse_month(first), parse_month(last)
    if start > end:
        raise ValueError(f"first month {first} is after last month {last}")
    return [(m.year, m.month) for m in months_between(date(*start, 1), date(*end, 1))]
