"""What a month-scoped chunk still asks for: the parts of an interval nothing landed covers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime


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
