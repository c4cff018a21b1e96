"""Strict reading of small UTF-8 CSV reference files with row/column-precise errors."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from egov.errors import ReferenceFileError

YES_NO = {"yes": True, "no": False}


@dataclass(frozen=True)
class CsvRow:
    """One data row; `row` is its number in the file as a spreadsheet shows it (header = 1)."""

    file: str
    row: int
    values: dict[str, str]

    def error(self, column: str, message: str) -> ReferenceFileError:
        return ReferenceFileError(self.file, message, row=self.row, column=column)

    def text(self, column: str, *, required: bool = True) -> str | None:
        value = self.values[column].strip()
        if not value:
            if required:
                raise self.error(column, "value is empty")
            return None
        return value

    def required_text(self, column: str) -> str:
        value = self.text(column)
        assert value is not None
        return value

    def matching(
        self, column: str, pattern: str, what: str, *, required: bool = True
    ) -> str | None:
        value = self.text(column, required=required)
        if value is not None and not re.fullmatch(pattern, value):
            raise self.error(column, f"{value!r} is not {what}")
        return value

    def integer(self, column: str, *, minimum: int, required: bool = True) -> int | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        if not re.fullmatch(r"[0-9]+", value):
            raise self.error(column, f"{value!r} is not a whole number")
        number = int(value)
        if number < minimum:
            raise self.error(column, f"{number} is below the minimum {minimum}")
        return number

    def iso_date(self, column: str, *, required: bool = True) -> date | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.error(column, f"{value!r} is not a date in YYYY-MM-DD form")

    def choice(self, column: str, options: Sequence[str]) -> str:
        value = self.required_text(column)
        if value not in options:
            raise self.error(column, f"{value!r} is not one of {', '.join(options)}")
        return value

    def yes_no(self, column: str) -> bool:
        return YES_NO[self.choice(column, tuple(YES_NO))]


def read_csv_rows(path: Path, display_name: str, columns: Sequence[str]) -> list[CsvRow]:
    """All data rows of `path`; fails naming file, row and column on any structural problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReferenceFileError(display_name, f"cannot read the file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ReferenceFileError(display_name, "not valid UTF-8", row=line) from None

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ReferenceFileError(display_name, "the file is empty") from None
    header = [cell.strip() for cell in header]
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise ReferenceFileError(display_name, "column appears twice", row=1, column=name)
        seen.add(name)
    for name in columns:
        if name not in seen:
            raise ReferenceFileError(display_name, "required column is missing", row=1, column=name)
    for name in header:
        if name not in columns:
            raise ReferenceFileError(display_name, "unknown column", row=1, column=name)

    rows: list[CsvRow] = []
    try:
        for cells in reader:
            row_number = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank line: carries no data
            if len(cells) != len(header):
                raise ReferenceFileError(
                    display_name,
                    f"has {len(cells)} fields, the header has {len(header)}",
                    row=row_number,
                )
            rows.append(CsvRow(display_name, row_number, dict(zip(header, cells, strict=True))))
    except csv.Error as exc:
        raise ReferenceFileError(
            display_name, f"malformed CSV: {exc}", row=reader.line_num
        ) from None
    if not rows:
        raise ReferenceFileError(display_name, "the file has a header but no data rows")
    return rows


def first_row_with(rows: Sequence[CsvRow], column: str, value: str) -> CsvRow:
    """The first row whose `column` equals `value` (for 'also in row N' messages)."""
    return next(r for r in rows if r.values[column].strip() == value)
