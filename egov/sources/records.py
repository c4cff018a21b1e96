"""What every parser returns: typed records, row-level rejects and delivery-level findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from egov.errors import EgovError


def describe_location(
    source: str, file: str, row: int | None = None, column: str | None = None
) -> str:
    """Name a place in a delivery: "mfc mfc_20240105.csv, row 12, column 'ОКТМО'"."""
    where = [f"{source} {file}"]
    if row is not None:
        where.append(f"row {row}")
    if column is not None:
        where.append(f"column '{column}'")
    return ", ".join(where)


class DeliveryError(EgovError):
    """A whole delivery cannot be parsed (encoding, missing columns, empty file, bad JSON)."""

    def __init__(
        self,
        source: str,
        file: str,
        reason: str,
        *,
        row: int | None = None,
        column: str | None = None,
        content: bytes | None = None,
    ):
        self.source = source
        self.file = file
        self.row = row
        self.column = column
        self.reason = reason
        self.content = content
        """The bytes as received, when the caller has not kept them yet (an API page)."""
        super().__init__(f"{describe_location(source, file, row, column)}: {reason}")


@dataclass(frozen=True)
class RowReject:
    """One input row the parser could not turn into a record, with where and why."""

    source: str
    file: str
    row: int
    column: str | None
    value: str | None
    reason: str

    @property
    def message(self) -> str:
        return f"{describe_location(self.source, self.file, self.row, self.column)}: {self.reason}"


Severity = Literal["info", "warning", "blocking"]


@dataclass(frozen=True)
class Finding:
    """A delivery-level observation for the quality gate (e.g. an Итого mismatch)."""

    source: str
    file: str
    code: str
    message: str
    severity: Severity = "warning"
    row: int | None = None
    column: str | None = None


class FindingCollector:
    """Collects the findings of one delivery; each parser picks its default severity."""

    def __init__(self, source: str, file: str, default_severity: Severity) -> None:
        self.source = source
        self.file = file
        self.default_severity = default_severity
        self.items: list[Finding] = []

    def add(
        self,
        code: str,
        message: str,
        severity: Severity | None = None,
        *,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.items.append(
            Finding(
                self.source,
                self.file,
                code,
                message,
                severity or self.default_severity,
                row,
                column,
            )
        )


@dataclass
class ParsedDelivery:
    """Records of one delivery; every data row is either in `records` or in `rejects`.

    `records` carries a `source_row` column (row number in the file, or item number on an API
    page) so each record can be traced back to its raw delivery.
    """

    source: str
    file: str
    rows_in: int
    records: pd.DataFrame
    rejects: list[RowReject] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def is_accounted(self) -> bool:
        """Rows in = records + rejects (nothing silently dropped)."""
        return self.rows_in == len(self.records) + len(self.rejects)
