"""What the gate decides: rule results, batch verdicts and their quarantine rows (plain values)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from egov.errors import EgovError
from egov.quality.inputs import BatchInput
from egov.quality.suites import (
    RuleSeverity,
)

BatchStatus = Literal["loaded", "partial", "rejected"]
PARSER_RULE = "row_is_parseable"
GATE_SUITE = "gate"
"""Suite name of the rules the gate applies itself, outside the GX suites."""
NOTHING_LOADABLE_RULE = "delivery_has_rows_to_load"
NOTHING_LOADABLE_REASON = (
    "every row of a table of the delivery failed a rule: loading it would replace the day or "
    "form with nothing"
)
EXAMPLES = 5
QUARANTINE_COLUMNS = (
    "dataset",
    "source_row",
    "delivery_id",
    "source_file",
    "rule",
    "failed_rules",
    "column_name",
    "reason",
    "raw_values",
)


class AccountingError(EgovError):
    """Rows in differ from rows loaded + quarantined + rejected: the gate lost or invented rows."""


@dataclass(frozen=True)
class RuleResult:
    """One row of audit.expectation_results."""

    expectation: str
    suite: str
    severity: RuleSeverity
    success: bool
    element_count: int
    unexpected_count: int
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class BatchVerdict:
    """What the gate decided for one batch; `accepted` holds core rows per dataset."""

    batch: BatchInput
    status: BatchStatus
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    rows_rejected: int
    volume: int
    message: str
    results: list[RuleResult]
    quarantine: pd.DataFrame
    accepted: dict[str, pd.DataFrame]
    notes: list[dict[str, Any]]

    @property
    def is_accounted(self) -> bool:
        """Rows in = loaded + quarantined + rejected."""
        return self.rows_in == self.rows_loaded + self.rows_quarantined + self.rows_rejected

    @property
    def failed_rules(self) -> list[RuleResult]:
        """Rules that failed on this batch, blocking first."""
        failed = [r for r in self.results if not r.success]
        return sorted(failed, key=lambda r: (r.severity != "blocking", r.expectation))


_EMPTY_QUARANTINE = pd.DataFrame({c: pd.Series([], dtype="object") for c in QUARANTINE_COLUMNS})


def empty_quarantine() -> pd.DataFrame:
    """A quarantine frame with no rows."""
    # A copy of a template: building nine empty Series cost more than the rest of a clean
    # batch's verdict.
    return _EMPTY_QUARANTINE.copy()


def raw_values(frame: pd.DataFrame, positions: npt.NDArray[np.int64]) -> list[str]:
    """The parsed values of rows as JSON objects (what the quarantine keeps of each row)."""
    shown = [c for c in frame.columns if not c.startswith("_") and c != "batch_no"]
    rows = frame.iloc[positions][shown]
    return [
        json.dumps(
            {k: (None if pd.isna(v) else str(v)) for k, v in row.items()}, ensure_ascii=False
        )
        for row in rows.to_dict("records")
    ]


def verdict_message(status: BatchStatus, results: Sequence[RuleResult], error: str | None) -> str:
    """One line on a batch: its status and its failed rules, blocking first."""
    failed = sorted(
        (r for r in results if not r.success),
        key=lambda r: (r.severity != "blocking", r.expectation),
    )
    if error:
        return f"rejected: {error}"
    if not failed:
        return status
    reasons = ", ".join(
        f"{r.expectation} ({r.severity}, {r.unexpected_count})" for r in failed[:EXAMPLES]
    )
    return f"{status}: {reasons}"
