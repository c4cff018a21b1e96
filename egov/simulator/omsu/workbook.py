"""Building a municipal workbook in memory, with the known defects of the delivered files.

Defects (kind keys of the manifest); `row` in a defect record is the sheet row (1-based):
`merged_header` (two-row header with merged cells), `header_text_variant` (case, line breaks,
«в том числе»), `numbers_as_text` (with spaces or non-breaking spaces as thousands separators),
`blank_rows` (empty rows inside the table), `empty_cell` (one service cell left empty: missing,
the other cells keep their true values), `total_mismatch` (an `Итого` cell off the sum),
`parts_mismatch` (a `Всего обращений` cell off the sum of its parts; the parts are right),
`oktmo_mismatch` (the sheet names a neighbour's OKTMO; the file name is right), `sheet_order`
(«Информирование» first).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]

from egov.simulator.omsu.layout import (
    COLUMN_WIDTHS,
    HEADER,
    HEADER_VARIANTS,
    INFORMING_CHANNELS,
    INFORMING_HEADER,
    NBSP,
    OKTMO_TITLE_ROW,
    PUBLICATIONS,
    SHEET_APPLICATIONS,
    SHEET_INFORMING,
    SOURCE,
    TITLE,
    TOTAL,
    OmsuReport,
)
from egov.sources.contract import MONTHS_RU


def _as_text(value: int, separator: str) -> str:
    """A number as a clerk types it into a text cell: `12 345`."""
    return f"{value:,}".replace(",", separator)


class _Defects:
    """Collects the manifest records of one file."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.records: list[dict[str, Any]] = []

    def add(self, kind: str, detail: str, row: int | None = None) -> None:
        """Record one injected defect (`row` is the sheet row, when there is one)."""
        item: dict[str, Any] = {"source": SOURCE, "file": self.name, "kind": kind}
        if row is not None:
            item["row"] = row
        item["detail"] = detail
        self.records.append(item)


def _title_rows(report: OmsuReport, oktmo_shown: str) -> list[dict[int, str]]:
    """The title block of the municipality's template variant: cells by column, per row."""
    period = f"Отчетный период: {MONTHS_RU[report.month - 1]} {report.year}"
    mo = f"Муниципальное образование: {report.name}"
    code = f"ОКТМО: {oktmo_shown}"
    if report.title_rows == 3:
        return [{1: TITLE}, {1: mo, 5: code}, {1: period}]
    if report.title_rows == 4:
        return [{1: TITLE}, {1: mo}, {1: code}, {1: period}]
    if report.title_rows == 5:
        return [{1: TITLE}, {1: mo}, {1: code}, {1: period}, {}]
    return [{1: TITLE}, {}, {1: mo}, {1: code}, {1: period}, {1: "(единиц)"}]


def build_workbook(
    report: OmsuReport, kinds: Sequence[str], defect_seed: Sequence[int]
) -> tuple[Any, list[dict[str, Any]]]:
    """The workbook of one report with the given defects, and the defect records."""
    rng = np.random.default_rng(list(defect_seed))
    defects = _Defects(report.file_name)
    kinds = tuple(sorted(set(kinds)))
    n = len(report.services)

    # true table: columns D..H = total, epgu, mfc, in person, post
    values = np.array(
        [report.epgu, report.mfc, report.in_person, report.post], dtype=np.int64
    ).T.reshape(n, 4)
    table: list[list[int | str | None]] = [
        [i + 1, code, name, int(values[i].sum()), *map(int, values[i])]
        for i, (code, name) in enumerate(report.services)
    ]
    header: list[str] = list(HEADER)

    oktmo_shown = report.oktmo
    if "oktmo_mismatch" in kinds:
        oktmo_shown = report.neighbour_oktmo
    title = _title_rows(report, oktmo_shown)
    header_row = len(title) + 1
    if "oktmo_mismatch" in kinds:
        defects.add(
            "oktmo_mismatch",
            f"sheet says ОКТМО {oktmo_shown}, the file name {report.oktmo}",
            OKTMO_TITLE_ROW[report.title_rows],
        )
    if "header_text_variant" in kinds:
        cols = np.sort(rng.choice(len(HEADER), size=int(rng.integers(1, 4)), replace=False))
        for c in cols.tolist():
            options = HEADER_VARIANTS[c]
            header[c] = options[int(rng.integers(len(options)))]
        shown = "; ".join(repr(header[c]) for c in cols.tolist())
        defects.add("header_text_variant", f"header texts {shown}", header_row)
    mismatched = -1
    if "parts_mismatch" in kinds:
        i = mismatched = int(rng.integers(n))
        parts = int(values[i].sum())
        delta = int(rng.integers(1, max(2, parts // 10 + 2)))
        if parts > 0 and rng.random() < 0.5:
            delta = -min(delta, parts)
        table[i][3] = parts + delta
        defects.add(
            "parts_mismatch",
            f"Всего обращений {parts + delta} but the parts add up to {parts} "
            f"(service {report.services[i][0]})",
            -(i + 1),  # placeholder: resolved to the sheet row below
        )
    if "empty_cell" in kinds:
        # another row than a parts mismatch, or the empty cell could hide it
        i = int(rng.choice([k for k in range(n) if k != mismatched] or [0]))
        c = int(rng.choice([3, 4, 5, 6, 7], p=[0.1, 0.2, 0.2, 0.3, 0.2]))
        was = table[i][c]
        table[i][c] = None
        defects.add(
            "empty_cell",
            f"'{HEADER[c]}' of service {report.services[i][0]} is empty (true value {was})",
            -(i + 1),
        )

    totals: list[int | str | None] = [TOTAL, None, None]
    for c in range(3, 8):
        totals.append(sum(v for r in table if isinstance(v := r[c], int)))
    if "total_mismatch" in kinds:
        c = int(rng.integers(3, 8))
        right = int(totals[c])  # type: ignore[arg-type]
        delta = int(rng.integers(1, max(2, right // 20 + 2)))
        totals[c] = right - delta if rng.random() < 0.4 and right >= delta else right + delta
        defects.add(
            "total_mismatch",
            f"Итого '{HEADER[c]}' is {totals[c]}, the rows add up to {right}",
            -(n + 1),
        )

    # sheet rows of the table, with blank rows inserted where the defect asks
    body_start = header_row + (2 if "merged_header" in kinds else 1)
    blanks_after: set[int] = set()
    if "blank_rows" in kinds and n > 1:
        blanks_after = set(
            rng.choice(n - 1, size=min(n - 1, int(rng.integers(1, 3))), replace=False).tolist()
        )
    sheet_rows: list[int] = []
    r = body_start
    blank_sheet_rows: list[int] = []
    for i in range(n):
        sheet_rows.append(r)
        r += 1
        if i in blanks_after:
            blank_sheet_rows.append(r)
            r += 1
    total_row = r
    if blank_sheet_rows:
        defects.add(
            "blank_rows",
            f"empty rows {', '.join(map(str, blank_sheet_rows))} inside the table",
            blank_sheet_rows[0],
        )
    # resolve the row placeholders now that the layout is known
    for item in defects.records:
        row = item.get("row")
        if isinstance(row, int) and row < 0:
            i = -row - 1
            item["row"] = total_row if i >= n else sheet_rows[i]

    text_cells: list[tuple[int, int]] = []
    if "numbers_as_text" in kinds:
        separator = NBSP if rng.random() < 0.5 else " "
        share = float(rng.uniform(0.2, 1.0))
        for i in range(n):
            for c in range(3, 8):
                if table[i][c] is not None and rng.random() < share:
                    text_cells.append((i, c))
        if not text_cells:
            text_cells.append(
                next((i, c) for i in range(n) for c in range(3, 8) if table[i][c] is not None)
            )
        for i, c in text_cells:
            table[i][c] = _as_text(int(table[i][c]), separator)  # type: ignore[arg-type]
        big = [table[i][c] for i, c in text_cells if separator in str(table[i][c])]
        sep_name = "non-breaking space" if separator == NBSP else "space"
        example = f", e.g. {big[0]!r}" if big else ""
        defects.add(
            "numbers_as_text",
            f"{len(text_cells)} numbers stored as text, "
            f"thousands separated by a {sep_name}{example}",
            sheet_rows[text_cells[0][0]],
        )

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_APPLICATIONS
    bold = Font(bold=True)
    for offset, cells in enumerate(title):
        for col, text in cells.items():
            ws.cell(row=offset + 1, column=col, value=text)
    ws.cell(row=1, column=1).font = bold
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))

    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")
    if "merged_header" in kinds:
        for c in range(4):
            ws.cell(row=header_row, column=c + 1, value=header[c])
            ws.merge_cells(
                start_row=header_row, start_column=c + 1, end_row=header_row + 1, end_column=c + 1
            )
        ws.cell(row=header_row, column=5, value="Каналы обращений")
        ws.merge_cells(start_row=header_row, start_column=5, end_row=header_row, end_column=8)
        for c in range(4, 8):
            ws.cell(row=header_row + 1, column=c + 1, value=header[c])
        defects.add(
            "merged_header",
            f"two-row header {header_row}-{header_row + 1}: "
            "A:D merged down, E:H under «Каналы обращений»",
            header_row,
        )
        header_rows: tuple[int, ...] = (header_row, header_row + 1)
    else:
        for c, text in enumerate(header):
            ws.cell(row=header_row, column=c + 1, value=text)
        header_rows = (header_row,)
    for hr in header_rows:
        for c in range(len(HEADER)):
            cell = ws.cell(row=hr, column=c + 1)
            cell.font = bold
            cell.alignment = wrap

    for i, values_row in enumerate(table):
        for c, value in enumerate(values_row):
            if value is not None:
                ws.cell(row=sheet_rows[i], column=c + 1, value=value)
    for c, value in enumerate(totals):
        if value is not None:
            ws.cell(row=total_row, column=c + 1, value=value).font = bold
    for c, width in enumerate(COLUMN_WIDTHS):
        ws.column_dimensions["ABCDEFGH"[c]].width = width

    info = wb.create_sheet(SHEET_INFORMING)
    for c, text in enumerate(INFORMING_HEADER):
        info.cell(row=1, column=c + 1, value=text).font = bold
    for k, (channel, (count, note)) in enumerate(
        zip(INFORMING_CHANNELS, report.placements, strict=True)
    ):
        info.cell(row=k + 2, column=1, value=channel)
        info.cell(row=k + 2, column=2, value=count)
        if note:
            info.cell(row=k + 2, column=3, value=note)
    info.cell(row=len(INFORMING_CHANNELS) + 2, column=1, value=PUBLICATIONS)
    info.cell(row=len(INFORMING_CHANNELS) + 2, column=2, value=report.publications)
    info.column_dimensions["A"].width = 50
    info.column_dimensions["B"].width = 14
    info.column_dimensions["C"].width = 40

    if "sheet_order" in kinds:
        wb.move_sheet(info, offset=-1)
        wb.active = 0
        defects.add("sheet_order", f"«{SHEET_INFORMING}» is the first sheet")
    return wb, defects.records
