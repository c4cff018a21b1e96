"""What the gate reports about one written batch: plain values passed between tasks and flows.

Module-level frozen dataclasses with plain fields, so Prefect can hand them between tasks in
process and pickle them to Dask workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from egov.quality.suites import RuleSeverity

BatchSummaryStatus = Literal["loaded", "partial", "rejected", "skipped_unchanged"]
"""A batch's verdict, or `skipped_unchanged` for a delivery that wrote no facts."""


@dataclass(frozen=True)
class FailedRule:
    """A rule that failed on a batch: its name, severity and how many rows broke it."""

    rule: str
    severity: RuleSeverity
    unexpected_count: int


@dataclass(frozen=True)
class BatchSummary:
    """One batch the gate wrote (or skipped): identity, verdict, row accounting, failed rules."""

    source: str
    batch_id: int
    batch_key: str
    oktmo: str | None
    period_start: date
    period_end: date
    status: BatchSummaryStatus
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    rows_rejected: int
    message: str
    failed_rules: tuple[FailedRule, ...] = ()

    @property
    def is_accounted(self) -> bool:
        """Rows in = loaded + quarantined + rejected."""
        return self.rows_in == self.rows_loaded + self.rows_quarantined + self.rows_rejected

    @property
    def period_label(self) -> str:
        """The period as people read it: a day ("2024-03-05"), a whole month starting on its
        first ("2024-03"), else the range ("2024-03-05..2024-03-07")."""
        start, end = self.period_start.isoformat(), self.period_end.isoformat()
        if start == end:
            return start
        if start[:7] == end[:7] and start.endswith("-01"):
            return start[:7]
        return f"{start}..{end}"
