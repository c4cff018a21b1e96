"""Finding a table's header rows in a sheet by their text (one or two rows, any position)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from egov.sources.omsu.form import (
    HEADER_SEARCH_ROWS,
    SOURCE,
    cell_text,
    column_letter,
    header_key,
    is_blank,
)
from egov.sources.omsu.grid import Sheet
from egov.sources.records import DeliveryError


@dataclass(frozen=True)
class Header:
    """Where a table's header sits and which column holds each field."""

    first_row: int
    last_row: int
    positions: dict[str, int]
    twice: dict[str, int]


def match_header(
    sheet: Sheet, row: int, two_rows: bool, keys: Mapping[str, str]
) -> tuple[dict[str, int], dict[str, int]]:
    """Field -> column for the header starting at `row` (one or two rows), and repeats."""
    upper = sheet.row_texts(row, filled=True)
    lower = sheet.row_texts(row + 1, filled=True) if two_rows else [""] * len(upper)
    found: dict[str, int] = {}
    twice: dict[str, int] = {}
    for index, (top, bottom) in enumerate(zip(upper, lower, strict=True), start=1):
        # Merged vertically, a cell shows the same text in both rows: count it once.
        combined = top if top == bottom else f"{top} {bottom}".strip()
        for text in (combined, bottom, top):
            name = keys.get(header_key(text)) if text.strip() else None
            if name is not None:
                if name in found:
                    twice.setdefault(name, index)
                found.setdefault(name, index)
                break
    return found, twice


def find_header(
    sheet: Sheet, columns: Mapping[str, str], optional: frozenset[str], keys: Mapping[str, str]
) -> tuple[Header | None, dict[str, int], int]:
    """The header rows found by their text, or None with the best partial match and its row."""
    required = [name for name in columns if name not in optional]
    best: dict[str, int] = {}
    best_row = 1
    # All one-row candidates first: a one-row header would also match as the lower half of
    # "title line + header", which would hide the title line right above it.
    for two_rows in (False, True):
        for row in range(1, min(HEADER_SEARCH_ROWS, sheet.max_row) + 1):
            found, twice = match_header(sheet, row, two_rows, keys)
            if all(name in found for name in required):
                return Header(row, row + 1 if two_rows else row, found, twice), found, row
            if len([n for n in required if n in found]) > len([n for n in required if n in best]):
                best, best_row = found, row
    return None, best, best_row


def require_header(
    sheet: Sheet,
    file: str,
    columns: Mapping[str, str],
    optional: frozenset[str],
    keys: Mapping[str, str],
) -> Header:
    """The table's header, or a DeliveryError naming the sheet and the column not found."""
    header, best, best_row = find_header(sheet, columns, optional, keys)
    if header is not None:
        for name, column in header.twice.items():
            raise DeliveryError(
                SOURCE,
                file,
                f"sheet «{sheet.title}»: column appears twice in the header (columns "
                f"{column_letter(header.positions[name])} and {column_letter(column)})",
                row=header.first_row,
                column=columns[name],
            )
        return header
    missing = [text for name, text in columns.items() if name not in optional and name not in best]
    if len(best) < 2:
        raise DeliveryError(
            SOURCE,
            file,
            f"sheet «{sheet.title}»: header row not found in the first {HEADER_SEARCH_ROWS} rows "
            f"(looked for {', '.join(repr(columns[n]) for n in columns if n not in optional)})",
            column=missing[0],
        )
    raise DeliveryError(
        SOURCE,
        file,
        f"sheet «{sheet.title}»: required column not found in the header "
        f"(also missing: {', '.join(repr(m) for m in missing[1:]) or 'none'})",
        row=best_row,
        column=missing[0],
    )


def skip_column_numbers(sheet: Sheet, header: Header) -> int:
    """First data row: after the header and a possible row of column numbers 1, 2, 3, …"""
    row = header.last_row + 1
    values = [sheet.raw.get((row, c)) for c in sorted(header.positions.values())]
    present = [v for v in values if not is_blank(v)]
    numbers = [cell_text(v).strip() for v in present]
    if len(present) >= 3 and numbers == [str(i) for i in range(1, len(numbers) + 1)]:
        return row + 1
    return row
