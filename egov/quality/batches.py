"""Plain-value helpers over batch summaries (what the gate tasks pass between each other)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from egov.calendar import month_start, previous_month
from egov.sources.registry import source_spec


def touched_months(batches: Sequence[dict[str, Any]]) -> list[date]:
    """Months whose form reconciliation the batches may change.

    A batch of a source whose late changes reach back (ЕПГУ status changes, late МФЦ exports)
    also touches the month before its period.
    """
    months: set[date] = set()
    for batch in batches:
        if batch["status"] == "rejected":
            continue
        start = month_start(date.fromisoformat(batch["period_start"]))
        end = month_start(date.fromisoformat(batch["period_end"]))
        months.update({start, end})
        if source_spec(batch["source"]).late_changes_touch_previous_month:
            months.add(previous_month(start))
    return sorted(months)


def rejected_batches(batches: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rejected batches with a readable period ("2024-03-05" or "2024-03")."""
    found = []
    for batch in batches:
        if batch["status"] != "rejected":
            continue
        start, end = batch["period_start"], batch["period_end"]
        if start == end:
            period = start
        elif start[:7] == end[:7] and start.endswith("-01"):
            period = start[:7]
        else:
            period = f"{start}..{end}"
        found.append({**batch, "period": period})
    return found
