"""Plain-value helpers over batch summaries (what the gate tasks pass between each other)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from egov.calendar import month_start, previous_month
from egov.quality.summary import BatchSummary
from egov.sources.registry import source_spec


def touched_months(batches: Sequence[BatchSummary]) -> list[date]:
    """Months whose form reconciliation the batches may change.

    A batch of a source whose late changes reach back (ЕПГУ status changes, late МФЦ exports)
    also touches the month before its period.
    """
    months: set[date] = set()
    for batch in batches:
        if batch.status == "rejected":
            continue
        start = month_start(batch.period_start)
        end = month_start(batch.period_end)
        months.update({start, end})
        if source_spec(batch.source).late_changes_touch_previous_month:
            months.add(previous_month(start))
    return sorted(months)


def rejected_batches(batches: Sequence[BatchSummary]) -> list[BatchSummary]:
    """The rejected batches, in order (each names its period readably: `period_label`)."""
    return [batch for batch in batches if batch.status == "rejected"]
