"""The «Обращения» sheet: service rows, the Итого row and the checks of both."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from egov.sources.inbox import MunicipalityMonth
from egov.sources.omsu.cells import SERVICE_CODE, parse_count, parse_service_code, reject
from egov.sources.omsu.form import (
    APPLICATION_COLUMNS,
    COUNT_FIELDS,
    EXAMPLES,
    PART_FIELDS,
    SOURCE,
    cell_text,
    column_letter,
    fold,
    is_blank,
    rows_text,
)
from egov.sources.omsu.grid import Sheet
from egov.sources.omsu.header import Header, skip_column_numbers
from egov.sources.records import FindingCollector, ParsedDelivery, RowReject


@dataclass(frozen=True)
class OmsuTotals:
    """The `Итого` row of «Обращения»: its Excel row and the values read (None = empty)."""

    row: int
    values: dict[str, int | None]


def _is_totals_row(sheet: Sheet, row: int, positions: Mapping[str, int]) -> bool:
    for name in ("number", "service_code", "service_name"):
        column = positions.get(name)
        if column is not None and fold(cell_text(sheet.filled.get((row, column)))).startswith(
            "итого"
        ):
            return True
    return False


def parse_applications(
    sheet: Sheet, header: Header, name: str, key: MunicipalityMonth
) -> tuple[ParsedDelivery, OmsuTotals | None]:
    """Service rows of «Обращения» below its header, and the Итого row if there is one."""
    findings = FindingCollector(SOURCE, name, "warning")
    positions = header.positions
    rows_in = 0
    blank: list[int] = []
    outside: list[int] = []
    after_totals: list[int] = []
    code_like_after_totals = False
    as_text = 0
    numeric_codes = 0
    empty_cells: list[str] = []
    totals: OmsuTotals | None = None
    records: list[dict[str, Any]] = []
    rejects: list[RowReject] = []
    for row in range(skip_column_numbers(sheet, header), sheet.max_row + 1):
        cells = {n: sheet.raw.get((row, c)) for n, c in positions.items()}
        if all(is_blank(v) for v in cells.values()):
            if any((row, c) in sheet.raw for c in range(1, sheet.max_column + 1)):
                outside.append(row)
            else:
                blank.append(row)
            continue
        if totals is not None:
            after_totals.append(row)
            text = cell_text(cells.get("service_code")).strip()
            if SERVICE_CODE.fullmatch(text):
                # A service row below Итого is data the form puts in the wrong place: it is
                # counted and rejected (never silently dropped); signature lines are not rows.
                code_like_after_totals = True
                rows_in += 1
                rejects.append(
                    reject(
                        name,
                        row,
                        positions,
                        APPLICATION_COLUMNS,
                        [("service_code", text, "service row below «Итого» is not read")],
                    )
                )
            continue
        if _is_totals_row(sheet, row, positions):
            totals = _read_totals(row, cells, findings)
            continue
        rows_in += 1
        record: dict[str, Any] = {"oktmo": key.oktmo, "month": key.month}
        problems: list[tuple[str, Any, str]] = []
        code, error, was_number = parse_service_code(cells["service_code"])
        numeric_codes += was_number and error is None
        if error is not None:
            problems.append(("service_code", cells["service_code"], error))
        record["service_code"] = code
        service_name = cell_text(cells["service_name"]).strip()
        record["service_name"] = service_name or None
        for count_field in COUNT_FIELDS:
            number, error, was_text = parse_count(cells[count_field])
            as_text += was_text and error is None
            if error is not None:
                problems.append((count_field, cells[count_field], error))
            elif number is None:
                empty_cells.append(f"{column_letter(positions[count_field])}{row}")
            record[count_field] = number
        record["source_row"] = row
        if problems:
            rejects.append(reject(name, row, positions, APPLICATION_COLUMNS, problems))
        else:
            records.append(record)

    frame = _applications_frame(records)
    if blank:
        findings.add(
            "blank_rows_inside",
            f"blank rows inside the table ignored (not rows): {rows_text(blank)}",
            "info",
            row=blank[0],
        )
    if outside:
        findings.add(
            "content_outside_table",
            f"rows with content only outside the table's columns ignored: {rows_text(outside)}",
            "warning",
            row=outside[0],
        )
    if after_totals:
        findings.add(
            "rows_after_totals",
            f"rows after «Итого» not read: {rows_text(after_totals)}"
            + ("; some look like service rows" if code_like_after_totals else ""),
            "warning" if code_like_after_totals else "info",
            row=after_totals[0],
        )
    if empty_cells:
        shown = ", ".join(empty_cells[:EXAMPLES])
        more = f" (and {len(empty_cells) - EXAMPLES} more)" if len(empty_cells) > EXAMPLES else ""
        findings.add(
            "empty_cells",
            f"{len(empty_cells)} empty count cell(s), read as missing (not zero): {shown}{more}",
        )
    if as_text:
        findings.add("numbers_as_text", f"{as_text} count(s) stored as text were read", "info")
    if numeric_codes:
        findings.add(
            "service_code_as_number", f"{numeric_codes} service code(s) stored as numbers", "info"
        )
    if totals is None:
        findings.add("totals_row_missing", "no «Итого» row: the table cannot be checked")
    else:
        _check_totals(frame, totals, len(rejects), findings)
    _check_parts(records, findings)
    _check_duplicate_codes(frame, findings)
    if rows_in == 0:
        findings.add("no_service_rows", "the table has no service rows")
    return ParsedDelivery(SOURCE, name, rows_in, frame, rejects, findings.items), totals


def _applications_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    def column(name: str) -> list[Any]:
        return [record[name] for record in records]

    frame = pd.DataFrame(
        {
            "oktmo": pd.Series(column("oktmo"), dtype="str"),
            "month": pd.Series(column("month"), dtype="object"),
            "service_code": pd.Series(column("service_code"), dtype="str"),
            "service_name": pd.Series(column("service_name"), dtype="str"),
        }
    )
    for count_field in COUNT_FIELDS:
        frame[count_field] = pd.array(column(count_field), dtype="Int64")
    frame["source_row"] = pd.Series(column("source_row"), dtype="int64")
    return frame


def _read_totals(row: int, cells: Mapping[str, Any], findings: FindingCollector) -> OmsuTotals:
    values: dict[str, int | None] = {}
    for count_field in COUNT_FIELDS:
        number, error, _ = parse_count(cells[count_field])
        if error is not None:
            findings.add(
                "totals_unreadable",
                f"«Итого» in row {row}: {error}",
                row=row,
                column=APPLICATION_COLUMNS[count_field],
            )
        values[count_field] = number
    return OmsuTotals(row, values)


def _check_totals(
    frame: pd.DataFrame, totals: OmsuTotals, rejected: int, findings: FindingCollector
) -> None:
    unchecked = [APPLICATION_COLUMNS[f] for f in COUNT_FIELDS if totals.values[f] is None]
    if unchecked:
        # An unreadable cell has its own finding; an empty one may be a formula saved
        # without its computed value, which data_only loading cannot see.
        findings.add(
            "totals_cells_empty",
            f"«Итого» in row {totals.row} has no value in {', '.join(repr(c) for c in unchecked)}: "
            "not checked",
            "info",
            row=totals.row,
        )
    for count_field in COUNT_FIELDS:
        given = totals.values[count_field]
        if given is None:
            continue
        summed = int(frame[count_field].sum())
        if summed == given:
            continue
        notes = []
        empty = int(frame[count_field].isna().sum())
        if empty:
            notes.append(f"{empty} service row(s) have this cell empty")
        if rejected:
            notes.append(f"{rejected} row(s) rejected")
        column = APPLICATION_COLUMNS[count_field]
        findings.add(
            "totals_mismatch",
            f"«Итого» in row {totals.row}, column '{column}': {given} in the file, {summed} as "
            f"the sum of the service rows" + (f" ({'; '.join(notes)})" if notes else ""),
            row=totals.row,
            column=column,
        )


def _check_parts(records: list[dict[str, Any]], findings: FindingCollector) -> None:
    """Row-level: the channel parts must add up to «Всего обращений» (kept, but flagged)."""
    for record in records:
        total: int | None = record["total"]
        if total is None:
            continue
        parts: list[int | None] = [record[p] for p in PART_FIELDS]
        known = [p for p in parts if p is not None]
        complete = len(known) == len(parts)
        if (complete and sum(known) != total) or sum(known) > total:
            shown = " + ".join("?" if p is None else str(p) for p in parts)
            findings.add(
                "parts_do_not_add_up",
                f"row {record['source_row']}: parts {shown} = {sum(known)}"
                + ("" if complete else " (some parts empty)")
                + f", '{APPLICATION_COLUMNS['total']}' is {total}",
                row=record["source_row"],
                column=APPLICATION_COLUMNS["total"],
            )


def _check_duplicate_codes(frame: pd.DataFrame, findings: FindingCollector) -> None:
    repeated = frame["service_code"].duplicated(keep=False)
    if repeated.any():
        rows = frame.loc[repeated, "source_row"].tolist()
        findings.add(
            "duplicate_service_code",
            f"a service code appears on more than one row: {rows_text(rows)}",
            row=rows[0],
            column=APPLICATION_COLUMNS["service_code"],
        )
