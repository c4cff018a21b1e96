"""Loading a municipal workbook safely and reading one sheet's cells as a grid."""

from __future__ import annotations

import io
import warnings
import zipfile
from typing import Any

import openpyxl  # type: ignore[import-untyped]

from egov.sources.omsu.form import (
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    SOURCE,
    Grid,
    cell_text,
    column_letter,
    fold,
    is_blank,
)
from egov.sources.records import DeliveryError


class Sheet:
    """Non-empty cells of one sheet within the form limits, plain and with merges filled in."""

    def __init__(self, worksheet: Any, title: str, file: str) -> None:
        self.title = title
        self.raw: Grid = {}
        # Worksheet._cells holds only the cells present in the file; iter_rows over
        # max_row x max_column would create every empty cell of a huge declared area.
        for (row, column), cell in worksheet._cells.items():
            value = cell.value
            if is_blank(value):
                continue
            if row > MAX_ROWS or column > MAX_COLUMNS:
                raise DeliveryError(
                    SOURCE,
                    file,
                    f"sheet «{title}» has content at cell {column_letter(column)}{row}, beyond "
                    f"the {MAX_ROWS} rows x {MAX_COLUMNS} columns a report form can have",
                    row=row,
                )
            self.raw[(row, column)] = value
        self.filled: Grid = dict(self.raw)
        for merged in worksheet.merged_cells.ranges:
            top = self.raw.get((merged.min_row, merged.min_col))
            if top is None:
                continue
            for row in range(merged.min_row, min(merged.max_row, MAX_ROWS) + 1):
                for column in range(merged.min_col, min(merged.max_col, MAX_COLUMNS) + 1):
                    self.filled.setdefault((row, column), top)
        self.max_row = max((row for row, _ in self.raw), default=0)
        self.max_column = max((column for _, column in self.filled), default=0)

    def row_texts(self, row: int, *, filled: bool) -> list[str]:
        grid = self.filled if filled else self.raw
        return [cell_text(grid.get((row, c))) for c in range(1, self.max_column + 1)]


def load_workbook(content: bytes, name: str) -> Any:
    """The workbook (values, not formulas), or a DeliveryError for a zip bomb or a broken file."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise DeliveryError(SOURCE, name, "not an XLSX workbook (not a zip archive)") from None
    if expanded > MAX_UNCOMPRESSED_BYTES:
        raise DeliveryError(
            SOURCE, name, f"expands to {expanded} bytes, over the {MAX_UNCOMPRESSED_BYTES} limit"
        )
    try:
        with warnings.catch_warnings():
            # openpyxl warns about workbook features it drops (data validation, styles);
            # none of them carry figures, so they are noise here.
            warnings.simplefilter("ignore", UserWarning)
            return openpyxl.load_workbook(io.BytesIO(content), data_only=True, read_only=False)
    except Exception as exc:  # openpyxl raises many types for a malformed file
        raise DeliveryError(
            SOURCE, name, f"cannot read the workbook: {type(exc).__name__}: {exc}"
        ) from None


def find_sheet(workbook: Any, wanted: str, name: str) -> Any | None:
    """The sheet named `wanted` (case and spacing folded), None if there is none."""
    matches = [title for title in workbook.sheetnames if fold(title) == fold(wanted)]
    if len(matches) > 1:
        raise DeliveryError(SOURCE, name, f"more than one sheet is named «{wanted}»: {matches}")
    return workbook[matches[0]] if matches else None
