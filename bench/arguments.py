"""Command-line values of the benchmarks: month ranges and lists of scales."""

from __future__ import annotations

from egov.calendar import month_label, months_between, parse_month
from egov.errors import EgovError


def month_labels(text: str) -> list[str]:
    """'2023-01..2024-12' (or one month) as its 'YYYY-MM' labels, oldest first; EgovError if bad."""
    first_text, sep, last_text = text.partition("..")
    first = parse_month(first_text)
    last = parse_month(last_text) if sep else first
    if last < first:
        # months_between would return no month at all: say why instead of running nothing.
        raise EgovError(f"month range {text!r} ends before it starts")
    return [month_label(month) for month in months_between(first, last)]


def parse_scales(text: str) -> list[float]:
    """'0.25,1,4' as positive floats, in the given order, without repeats."""
    scales: list[float] = []
    for part in text.split(","):
        if not part.strip():
            continue
        value = float(part)
        if not value > 0:
            raise ValueError(f"scales must be positive, got {part!r}")
        if value not in scales:
            scales.append(value)
    return scales
