"""Parser of the municipal monthly report workbook `omsu_<OKTMO>_<YYYY-MM>.xlsx` (sources.md §3).

Decisions where the contract is silent:
- the figures are keyed by the OKTMO and month of the file name (the delivery key); an OKTMO or
  period in the sheet that disagrees is a *blocking* finding, because we cannot know which
  municipality or month the figures belong to;
- blank rows inside a table are not rows (neither records nor rejects, not in `rows_in`), and
  are reported as an info finding; rows after `Итого` are the form's footer, reported too;
- a row of column numbers (1, 2, 3, …) right under the header, usual in official forms, is
  part of the header;
- a broken «Информирование» header is a DeliveryError like a broken «Обращения» header: the
  form as a whole is malformed; a missing «Информирование» sheet is only a warning.
"""

from __future__ import annotations

import io
import math
import re
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pandas as pd

from egov.sources.inbox import InboxNameError, OmsuKey, parse_omsu_name
from egov.sources.records import (
    DeliveryError,
    Finding,
    FindingCollector,
    ParsedDelivery,
    RowReject,
)

__all__ = [
    "APPLICATION_COLUMNS",
    "CAMPAIGN_COLUMNS",
    "CHANNELS",
    "OmsuKey",
    "OmsuReport",
    "OmsuTotals",
    "parse_omsu_name",
    "parse_omsu_workbook",
]

SOURCE = "omsu"
APPLICATIONS_SHEET = "Обращения"
CAMPAIGN_SHEET = "Информирование"

MAX_ROWS = 2000
MAX_COLUMNS = 50
"""A report form has 42-ish service rows and 8 columns; content beyond this is not a form."""
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
"""Guards against a zip bomb before openpyxl expands the sheets in memory."""
MAX_COUNT = 2**31 - 1
"""Counts are PostgreSQL `integer` in the warehouse: a larger figure would fail the load."""
TITLE_ROWS = 15
HEADER_SEARCH_ROWS = 30
EXAMPLES = 5

APPLICATION_COLUMNS: dict[str, str] = {
    "number": "№ п/п",
    "service_code": "Код услуги (ФРГУ)",
    "service_name": "Наименование услуги",
    "total": "Всего обращений",
    "via_epgu": "в т.ч. через ЕПГУ",
    "via_mfc": "через МФЦ",
    "in_person": "лично в ОМСУ",
    "by_post": "почтой / эл. почтой",
}
"""Record field -> header text of the contract (sheet «Обращения»)."""
COUNT_FIELDS = ("total", "via_epgu", "via_mfc", "in_person", "by_post")
PART_FIELDS = COUNT_FIELDS[1:]
OPTIONAL_APPLICATION_FIELDS = frozenset({"number"})

CAMPAIGN_COLUMNS: dict[str, str] = {
    "channel": "Канал размещения",
    "placements": "Количество размещений",
    "note": "Примечание",
}
"""Record field -> header text of the contract (sheet «Информирование»)."""
OPTIONAL_CAMPAIGN_FIELDS = frozenset({"note"})

CHANNELS: dict[str, str] = {
    "официальный сайт": "official_site",
    "информационные стенды": "info_stands",
    "социальные сети": "social_networks",
    "мессенджеры": "messengers",
    "места массового пребывания": "mass_gathering_places",
    "Публикации о получении МСЗУ в электронном виде": "publications",
}
"""Channel text of the contract -> normalised channel key."""

MONTHS: dict[str, int] = {
    name: number
    for number, forms in enumerate(
        [
            ("январь", "января"),
            ("февраль", "февраля"),
            ("март", "марта"),
            ("апрель", "апреля"),
            ("май", "мая"),
            ("июнь", "июня"),
            ("июль", "июля"),
            ("август", "августа"),
            ("сентябрь", "сентября"),
            ("октябрь", "октября"),
            ("ноябрь", "ноября"),
            ("декабрь", "декабря"),
        ],
        start=1,
    )
    for name in forms
}

_SPACES = re.compile(r"\s+")
_SPELLED_OUT = re.compile(r"в\s+том\s+числе")
_DIGITS = re.compile(r"[0-9]+")
# "10,0" / "10.00" are whole numbers; "1,000" / "1.000" are ambiguous (thousands separator or
# decimal?) and are rejected rather than read as 1.
_INTEGRAL = re.compile(r"(?P<int>[0-9]+)(?:[.,]0{1,2})?")
_SIGNED_NUMBER = re.compile(r"[-−–]?[0-9]+(?:[.,][0-9]+)?")
_SERVICE_CODE = re.compile(r"[0-9]{19}")
_MUNICIPALITY = re.compile(
    r"муниципальное\s+образование\s*:?\s*(?P<v>\S.*?)(?=\s+(?:октмо|отчетный\s+период)\b|$)",
    re.IGNORECASE,
)
_OKTMO = re.compile(r"октмо\s*:?\s*(?P<v>[0-9][0-9\s]*)", re.IGNORECASE)
_PERIOD = re.compile(r"отчетный\s+период\s*:?\s*(?P<v>\S.*)", re.IGNORECASE)
_PERIOD_WORDS = re.compile(r"(?P<month>[а-я]+)\s+(?P<year>[0-9]{4})", re.IGNORECASE)
_PERIOD_NUMBERS = re.compile(
    r"(?P<month>[0-9]{1,2})[./](?P<year>[0-9]{4})|(?P<y>[0-9]{4})-(?P<m>[0-9]{2})"
)

Grid = dict[tuple[int, int], Any]


@dataclass(frozen=True)
class OmsuTotals:
    """The `Итого` row of «Обращения»: its Excel row and the values read (None = empty)."""

    row: int
    values: dict[str, int | None]


@dataclass
class OmsuReport:
    """One municipal workbook: applications and campaign tables, title block and totals.

    Title-block findings (OKTMO or period in the sheet vs the name) live on `applications`,
    the sheet that carries the title block; they concern the whole workbook, so a blocking one
    blocks the campaign figures too. `findings` lists every finding of the workbook once.
    """

    file: str
    applications: ParsedDelivery
    campaign: ParsedDelivery
    municipality_name: str | None
    oktmo_in_sheet: str | None
    oktmo_in_name: str
    period_in_sheet: date | None
    period_in_name: date
    totals_row: OmsuTotals | None

    @property
    def findings(self) -> list[Finding]:
        """Applications (with the title block) and campaign findings together."""
        return [*self.applications.findings, *self.campaign.findings]

    @property
    def is_accounted(self) -> bool:
        """Every data row of both tables is a record or a reject."""
        return self.applications.is_accounted and self.campaign.is_accounted


def _fold(text: str) -> str:
    """Comparison form of free text: whitespace collapsed, case and ё folded."""
    return _SPACES.sub(" ", text).strip().casefold().replace("ё", "е")


def _header_key(text: str) -> str:
    """Comparison form of a header cell: letters and digits only, «в том числе» as «втч».

    Dropping punctuation and spaces makes «почтой/эл.почтой» equal «почтой / эл. почтой»;
    the group prefix «в т.ч.» is dropped so «в т.ч. через МФЦ» matches «через МФЦ».
    """
    folded = _SPELLED_OUT.sub("в т.ч.", _fold(text))
    key = "".join(ch for ch in folded if ch.isalnum() or ch == "№")
    return key[3:] if key.startswith("втч") and len(key) > 3 else key


_APPLICATION_KEYS = {_header_key(text): name for name, text in APPLICATION_COLUMNS.items()} | {
    "№": "number",
    "n": "number",
    "nпп": "number",
}
_CAMPAIGN_KEYS = {_header_key(text): name for name, text in CAMPAIGN_COLUMNS.items()}
_CHANNEL_KEYS = {_header_key(text): key for text, key in CHANNELS.items()}


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell_text(value: Any) -> str:
    """Text of a cell as a person reads it (15.0 -> '15')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _column_letter(column: int) -> str:
    letters = ""
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _rows_text(rows: Sequence[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:EXAMPLES])
    more = len(rows) - EXAMPLES
    return (
        ("row " if len(rows) == 1 else "rows ")
        + shown
        + (f" (and {more} more)" if more > 0 else "")
    )


class _Sheet:
    """Non-empty cells of one sheet within the form limits, plain and with merges filled in."""

    def __init__(self, worksheet: Any, title: str, file: str) -> None:
        self.title = title
        self.raw: Grid = {}
        # Worksheet._cells holds only the cells present in the file; iter_rows over
        # max_row x max_column would create every empty cell of a huge declared area.
        for (row, column), cell in worksheet._cells.items():
            value = cell.value
            if _is_blank(value):
                continue
            if row > MAX_ROWS or column > MAX_COLUMNS:
                raise DeliveryError(
                    SOURCE,
                    file,
                    f"sheet «{title}» has content at cell {_column_letter(column)}{row}, beyond "
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
        return [_cell_text(grid.get((row, c))) for c in range(1, self.max_column + 1)]


@dataclass(frozen=True)
class _Header:
    first_row: int
    last_row: int
    positions: dict[str, int]
    twice: dict[str, int]


def _match_header(
    sheet: _Sheet, row: int, two_rows: bool, keys: Mapping[str, str]
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
            name = keys.get(_header_key(text)) if text.strip() else None
            if name is not None:
                if name in found:
                    twice.setdefault(name, index)
                found.setdefault(name, index)
                break
    return found, twice


def _find_header(
    sheet: _Sheet, columns: Mapping[str, str], optional: frozenset[str], keys: Mapping[str, str]
) -> tuple[_Header | None, dict[str, int], int]:
    """The header rows found by their text, or None with the best partial match and its row."""
    required = [name for name in columns if name not in optional]
    best: dict[str, int] = {}
    best_row = 1
    # All one-row candidates first: a one-row header would also match as the lower half of
    # "title line + header", which would hide the title line right above it.
    for two_rows in (False, True):
        for row in range(1, min(HEADER_SEARCH_ROWS, sheet.max_row) + 1):
            found, twice = _match_header(sheet, row, two_rows, keys)
            if all(name in found for name in required):
                return _Header(row, row + 1 if two_rows else row, found, twice), found, row
            if len([n for n in required if n in found]) > len([n for n in required if n in best]):
                best, best_row = found, row
    return None, best, best_row


def _require_header(
    sheet: _Sheet,
    file: str,
    columns: Mapping[str, str],
    optional: frozenset[str],
    keys: Mapping[str, str],
) -> _Header:
    header, best, best_row = _find_header(sheet, columns, optional, keys)
    if header is not None:
        for name, column in header.twice.items():
            raise DeliveryError(
                SOURCE,
                file,
                f"sheet «{sheet.title}»: column appears twice in the header (columns "
                f"{_column_letter(header.positions[name])} and {_column_letter(column)})",
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


def _skip_column_numbers(sheet: _Sheet, header: _Header) -> int:
    """First data row: after the header and a possible row of column numbers 1, 2, 3, …"""
    row = header.last_row + 1
    values = [sheet.raw.get((row, c)) for c in sorted(header.positions.values())]
    present = [v for v in values if not _is_blank(v)]
    numbers = [_cell_text(v).strip() for v in present]
    if len(present) >= 3 and numbers == [str(i) for i in range(1, len(numbers) + 1)]:
        return row + 1
    return row


def _at_most_max(number: int, was_text: bool) -> tuple[int | None, str | None, bool]:
    if number > MAX_COUNT:
        return None, f"{number} is too large for a count (over {MAX_COUNT})", was_text
    return number, None, was_text


def _parse_count(value: Any) -> tuple[int | None, str | None, bool]:
    """(number, error, was text) of a count cell; an empty cell is (None, None, False)."""
    if _is_blank(value):
        return None, None, False
    if isinstance(value, bool | datetime | date):
        return None, f"{_cell_text(value)!r} is not a number", False
    if isinstance(value, int):
        return (None, f"{value} is negative", False) if value < 0 else _at_most_max(value, False)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None, f"{value} is not a whole number", False
        if value < 0:
            return None, f"{_cell_text(value)} is negative", False
        return _at_most_max(int(value), False)
    text = str(value).strip()
    compact = "".join(text.split())  # str.split() also splits at non-breaking spaces
    integral = _INTEGRAL.fullmatch(compact)
    if integral is not None:
        return _at_most_max(int(integral["int"]), True)
    if _SIGNED_NUMBER.fullmatch(compact):
        if compact[0] in "-−–":
            return None, f"{text!r} is negative", True
        return None, f"{text!r} is not a whole number", True
    return None, f"{text!r} is not a number", True


def _parse_service_code(value: Any) -> tuple[str | None, str | None, bool]:
    """(code, error, was a number) of a service-code cell."""
    if _is_blank(value):
        return None, "value is empty", False
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        if _SERVICE_CODE.fullmatch(text):
            return text, None, True
        return None, f"{text!r} is not a 19-digit service code", True
    if isinstance(value, float):
        return None, f"{value!r} is stored as a number and has lost digits (must be text)", True
    text = str(value).strip()
    if _SERVICE_CODE.fullmatch(text):
        return text, None, False
    return None, f"{text!r} is not a 19-digit service code", False


def _load_workbook(content: bytes, name: str) -> Any:
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


def _find_sheet(workbook: Any, wanted: str, name: str) -> Any | None:
    matches = [title for title in workbook.sheetnames if _fold(title) == _fold(wanted)]
    if len(matches) > 1:
        raise DeliveryError(SOURCE, name, f"more than one sheet is named «{wanted}»: {matches}")
    return workbook[matches[0]] if matches else None


def parse_omsu_workbook(content: bytes, name: str) -> OmsuReport:
    """Applications, campaign, title block and findings of one municipal workbook."""
    try:
        key = parse_omsu_name(name)
    except InboxNameError as exc:
        raise DeliveryError(SOURCE, name, f"cannot tell municipality and month: {exc}") from None
    workbook = _load_workbook(content, name)
    applications_ws = _find_sheet(workbook, APPLICATIONS_SHEET, name)
    if applications_ws is None:
        raise DeliveryError(
            SOURCE,
            name,
            f"sheet «{APPLICATIONS_SHEET}» not found (sheets: {', '.join(workbook.sheetnames)})",
        )
    sheet = _Sheet(applications_ws, applications_ws.title, name)
    header = _require_header(
        sheet, name, APPLICATION_COLUMNS, OPTIONAL_APPLICATION_FIELDS, _APPLICATION_KEYS
    )
    title_findings = FindingCollector(SOURCE, name, "warning")
    title = _read_title(sheet, header.first_row)
    _check_title(title, key, title_findings)
    applications, totals = _parse_applications(sheet, header, name, key)
    applications.findings[:0] = title_findings.items

    campaign_ws = _find_sheet(workbook, CAMPAIGN_SHEET, name)
    if campaign_ws is None:
        campaign = ParsedDelivery(SOURCE, name, 0, _empty_campaign())
        campaign.findings.append(
            Finding(
                SOURCE,
                name,
                "campaign_sheet_missing",
                f"sheet «{CAMPAIGN_SHEET}» not found (sheets: {', '.join(workbook.sheetnames)}); "
                "no campaign figures from this report",
                "warning",
            )
        )
    else:
        campaign = _parse_campaign(_Sheet(campaign_ws, campaign_ws.title, name), name)
    return OmsuReport(
        file=name,
        applications=applications,
        campaign=campaign,
        municipality_name=title.municipality,
        oktmo_in_sheet=title.oktmo,
        oktmo_in_name=key.oktmo,
        period_in_sheet=title.period,
        period_in_name=key.month,
        totals_row=totals,
    )


@dataclass
class _Title:
    municipality: str | None = None
    oktmo: str | None = None
    oktmo_raw: str | None = None
    period: date | None = None
    period_raw: str | None = None
    rows: dict[str, int] = field(default_factory=dict)


def _parse_period(text: str) -> date | None:
    """The month a title's period names, or None when it names none a calendar holds."""
    folded = _fold(text)
    words = _PERIOD_WORDS.search(folded)
    if words is not None and words["month"] in MONTHS:
        # Year 0000 has four digits but no date: unreadable, like a month 13.
        year = int(words["year"])
        return date(year, MONTHS[words["month"]], 1) if year >= 1 else None
    numbers = _PERIOD_NUMBERS.search(folded)
    if numbers is not None:
        month = int(numbers["month"] or numbers["m"])
        year = int(numbers["year"] or numbers["y"])
        if 1 <= month <= 12 and year >= 1:
            return date(year, month, 1)
    return None


def _read_title(sheet: _Sheet, header_row: int) -> _Title:
    """Title-block values found by their label anywhere in the rows above the header."""
    title = _Title()
    for row in range(1, min(header_row, TITLE_ROWS + 1)):
        # Cells are joined so a label and its value may sit in one cell or in neighbours.
        line = _SPACES.sub(" ", " ".join(t for t in sheet.row_texts(row, filled=False) if t))
        matchable = line.replace("ё", "е").replace("Ё", "Е")  # same length: spans stay valid
        if title.municipality is None and (found := _MUNICIPALITY.search(matchable)):
            title.municipality = line[found.start("v") : found.end("v")].strip()
            title.rows["municipality"] = row
        if title.oktmo_raw is None and (found := _OKTMO.search(matchable)):
            title.oktmo_raw = found["v"].strip()
            compact = "".join(title.oktmo_raw.split())
            if _DIGITS.fullmatch(compact) and len(compact) in (8, 11):
                title.oktmo = compact[:8]
            title.rows["oktmo"] = row
        if title.period_raw is None and (found := _PERIOD.search(matchable)):
            title.period_raw = found["v"].strip()
            title.period = _parse_period(title.period_raw)
            title.rows["period"] = row
    return title


def _check_title(title: _Title, key: OmsuKey, findings: FindingCollector) -> None:
    if title.municipality is None:
        findings.add(
            "municipality_missing_in_sheet", "no «Муниципальное образование:» line", "info"
        )
    if title.oktmo_raw is None:
        findings.add("oktmo_missing_in_sheet", "no «ОКТМО:» line in the title block")
    elif title.oktmo is None:
        findings.add(
            "oktmo_unreadable_in_sheet",
            f"«ОКТМО: {title.oktmo_raw}» is not an 8-digit OKTMO",
            row=title.rows["oktmo"],
        )
    elif title.oktmo != key.oktmo:
        findings.add(
            "oktmo_name_mismatch",
            f"file name says OKTMO {key.oktmo}, the sheet says {title.oktmo}: "
            "cannot tell which municipality the figures belong to",
            "blocking",
            row=title.rows["oktmo"],
        )
    if title.period_raw is None:
        findings.add("period_missing_in_sheet", "no «Отчетный период:» line in the title block")
    elif title.period is None:
        findings.add(
            "period_unreadable_in_sheet",
            f"«Отчетный период: {title.period_raw}» is not a month and year",
            row=title.rows["period"],
        )
    elif title.period != key.month:
        findings.add(
            "period_name_mismatch",
            f"file name says {key.month:%Y-%m}, the sheet says {title.period:%Y-%m}: "
            "cannot tell which month the figures belong to",
            "blocking",
            row=title.rows["period"],
        )


def _is_totals_row(sheet: _Sheet, row: int, positions: Mapping[str, int]) -> bool:
    for name in ("number", "service_code", "service_name"):
        column = positions.get(name)
        if column is not None and _fold(_cell_text(sheet.filled.get((row, column)))).startswith(
            "итого"
        ):
            return True
    return False


def _parse_applications(
    sheet: _Sheet, header: _Header, name: str, key: OmsuKey
) -> tuple[ParsedDelivery, OmsuTotals | None]:
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
    for row in range(_skip_column_numbers(sheet, header), sheet.max_row + 1):
        cells = {n: sheet.raw.get((row, c)) for n, c in positions.items()}
        if all(_is_blank(v) for v in cells.values()):
            if any((row, c) in sheet.raw for c in range(1, sheet.max_column + 1)):
                outside.append(row)
            else:
                blank.append(row)
            continue
        if totals is not None:
            after_totals.append(row)
            text = _cell_text(cells.get("service_code")).strip()
            if _SERVICE_CODE.fullmatch(text):
                # A service row below Итого is data the form puts in the wrong place: it is
                # counted and rejected (never silently dropped); signature lines are not rows.
                code_like_after_totals = True
                rows_in += 1
                rejects.append(
                    _reject(
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
        code, error, was_number = _parse_service_code(cells["service_code"])
        numeric_codes += was_number and error is None
        if error is not None:
            problems.append(("service_code", cells["service_code"], error))
        record["service_code"] = code
        service_name = _cell_text(cells["service_name"]).strip()
        record["service_name"] = service_name or None
        for count_field in COUNT_FIELDS:
            number, error, was_text = _parse_count(cells[count_field])
            as_text += was_text and error is None
            if error is not None:
                problems.append((count_field, cells[count_field], error))
            elif number is None:
                empty_cells.append(f"{_column_letter(positions[count_field])}{row}")
            record[count_field] = number
        record["source_row"] = row
        if problems:
            rejects.append(_reject(name, row, positions, APPLICATION_COLUMNS, problems))
        else:
            records.append(record)

    frame = _applications_frame(records)
    if blank:
        findings.add(
            "blank_rows_inside",
            f"blank rows inside the table ignored (not rows): {_rows_text(blank)}",
            "info",
            row=blank[0],
        )
    if outside:
        findings.add(
            "content_outside_table",
            f"rows with content only outside the table's columns ignored: {_rows_text(outside)}",
            "warning",
            row=outside[0],
        )
    if after_totals:
        findings.add(
            "rows_after_totals",
            f"rows after «Итого» not read: {_rows_text(after_totals)}"
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


def _reject(
    name: str,
    row: int,
    positions: Mapping[str, int],
    columns: Mapping[str, str],
    problems: list[tuple[str, Any, str]],
) -> RowReject:
    first, value, reason = problems[0]
    reason += f" (cell {_column_letter(positions[first])}{row})"
    if len(problems) > 1:
        reason += "; also invalid: " + ", ".join(columns[p[0]] for p in problems[1:])
    return RowReject(
        SOURCE, name, row, columns[first], None if value is None else str(value), reason
    )


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
        number, error, _ = _parse_count(cells[count_field])
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
            f"a service code appears on more than one row: {_rows_text(rows)}",
            row=rows[0],
            column=APPLICATION_COLUMNS["service_code"],
        )


def _empty_campaign() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "channel": pd.Series([], dtype="str"),
            "channel_ru": pd.Series([], dtype="str"),
            "placements": pd.array([], dtype="Int64"),
            "note": pd.Series([], dtype="str"),
            "source_row": pd.Series([], dtype="int64"),
        }
    )


def _channel_key(text: str) -> str | None:
    folded = _header_key(text)
    if folded in _CHANNEL_KEYS:
        return _CHANNEL_KEYS[folded]
    # «Официальный сайт администрации …» is still the official site.
    for prefix, channel in _CHANNEL_KEYS.items():
        if folded.startswith(prefix):
            return channel
    return None


def _parse_campaign(sheet: _Sheet, name: str) -> ParsedDelivery:
    header = _require_header(
        sheet, name, CAMPAIGN_COLUMNS, OPTIONAL_CAMPAIGN_FIELDS, _CAMPAIGN_KEYS
    )
    positions = header.positions
    findings = FindingCollector(SOURCE, name, "warning")
    rows_in = 0
    blank: list[int] = []
    as_text = 0
    records: list[dict[str, Any]] = []
    rejects: list[RowReject] = []
    for row in range(_skip_column_numbers(sheet, header), sheet.max_row + 1):
        cells = {n: sheet.raw.get((row, c)) for n, c in positions.items()}
        if all(_is_blank(v) for v in cells.values()):
            blank.append(row)
            continue
        channel_ru = _cell_text(cells["channel"]).strip()
        if _fold(channel_ru).startswith("итого"):
            findings.add("campaign_totals_row", f"«Итого» row {row} not read", "info", row=row)
            continue
        rows_in += 1
        problems: list[tuple[str, Any, str]] = []
        channel = _channel_key(channel_ru) if channel_ru else None
        if not channel_ru:
            problems.append(("channel", cells["channel"], "value is empty"))
        elif channel is None:
            known = ", ".join(repr(c) for c in CHANNELS)
            problems.append(("channel", cells["channel"], f"{channel_ru!r} is not one of {known}"))
        placements, error, was_text = _parse_count(cells["placements"])
        as_text += was_text and error is None
        if error is not None:
            problems.append(("placements", cells["placements"], error))
        if problems:
            rejects.append(_reject(name, row, positions, CAMPAIGN_COLUMNS, problems))
            continue
        note = _cell_text(cells.get("note")).strip()
        records.append(
            {
                "channel": channel,
                "channel_ru": channel_ru,
                "placements": placements,
                "note": note or None,
                "source_row": row,
            }
        )
    frame = (
        _empty_campaign()
        if not records
        else pd.DataFrame(
            {
                "channel": pd.Series([r["channel"] for r in records], dtype="str"),
                "channel_ru": pd.Series([r["channel_ru"] for r in records], dtype="str"),
                "placements": pd.array([r["placements"] for r in records], dtype="Int64"),
                "note": pd.Series([r["note"] for r in records], dtype="str"),
                "source_row": pd.Series([r["source_row"] for r in records], dtype="int64"),
            }
        )
    )
    if blank:
        findings.add(
            "blank_rows_inside",
            f"sheet «{sheet.title}»: blank rows ignored (not rows): {_rows_text(blank)}",
            "info",
            row=blank[0],
        )
    if as_text:
        findings.add("numbers_as_text", f"{as_text} placement count(s) stored as text", "info")
    repeated = frame["channel"].duplicated(keep=False)
    if repeated.any():
        rows = frame.loc[repeated, "source_row"].tolist()
        findings.add(
            "duplicate_channel",
            f"sheet «{sheet.title}»: a channel appears on more than one row: {_rows_text(rows)}",
            row=rows[0],
            column=CAMPAIGN_COLUMNS["channel"],
        )
    missing = [text for text, key in CHANNELS.items() if key not in set(frame["channel"])]
    if missing and not rejects:
        findings.add(
            "campaign_channels_missing",
            f"sheet «{sheet.title}»: no row for {', '.join(repr(m) for m in missing)} "
            "(missing, not zero)",
        )
    return ParsedDelivery(SOURCE, name, rows_in, frame, rejects, findings.items)
