"""Parser of the MFC daily export `mfc_YYYYMMDD.csv` (sources.md §2) into typed records.

Blank lines (every field empty or whitespace) anywhere in the file are not rows: they carry no
data, so they are neither records nor rejects and do not count in `rows_in`; they are reported
as info findings (`trailing_blank_lines`, `blank_lines_inside`) so nothing disappears unseen.
Rows are split with the `csv` module rather than `pandas.read_csv` because only it tells the
real field count of every row (a row with a stray `;` must become a reject, not a shifted
record); all value checks are then vectorised with pandas.

Values are trimmed of surrounding whitespace (counted in an info finding); `Наименование
услуги` and `Офис МФЦ` are informative, so an empty one is missing (<NA>), not a reject. A row
with several problems is one reject naming the first column and listing the others.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Sequence
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from egov.sources.contract import IRKUTSK_ZONE
from egov.sources.inbox import InboxNameError, parse_mfc_name
from egov.sources.records import DeliveryError, FindingCollector, ParsedDelivery, RowReject

SOURCE = "mfc"

COLUMNS: dict[str, str] = {
    "case_id": "Номер дела",
    "accepted_at": "Дата приема",
    "service_code": "Код услуги (ФРГУ)",
    "service_name": "Наименование услуги",
    "oktmo": "ОКТМО",
    "office": "Офис МФЦ",
    "status_ru": "Статус",
}
"""Record field -> header text of the contract."""

OPTIONAL_FIELDS = frozenset({"service_name", "office"})
"""Informative columns: an empty value there is missing, not a reason to reject the row."""

STATUSES: dict[str, str] = {
    "Принято": "accepted",
    "Выдан результат": "issued",
    "Отказ в приеме": "refused_at_intake",
    "Отозвано заявителем": "withdrawn",
    "Аннулировано (дубль)": "duplicate",
}

RECORD_COLUMNS = (*COLUMNS, "status", "source_row")
ACCEPTED_AT_FORMAT = "%d.%m.%Y %H:%M"
EXAMPLES = 5

_CYRILLIC = re.compile(r"[А-яЁё]")
_STAMP = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{4} [0-9]{2}:[0-9]{2}")
_SERVICE_CODE = re.compile(r"[0-9]{19}")
_OKTMO8 = re.compile(r"[0-9]{8}")
_OKTMO11 = re.compile(r"[0-9]{11}")
BoolArray = npt.NDArray[np.bool_]


def _text_key(text: str) -> str:
    """Comparison form of a header or status: whitespace collapsed, case and ё folded."""
    return " ".join(text.split()).casefold().replace("ё", "е")


_HEADER_KEYS = {_text_key(header): name for name, header in COLUMNS.items()}
_STATUS_KEYS = {_text_key(text): code for text, code in STATUSES.items()}


def _rows_text(rows: Sequence[int]) -> str:
    """'rows 3, 5, 9, 12, 14 (and 12 more)' for a message."""
    shown = ", ".join(str(r) for r in rows[:EXAMPLES])
    more = len(rows) - EXAMPLES
    return (
        ("row " if len(rows) == 1 else "rows ")
        + shown
        + (f" (and {more} more)" if more > 0 else "")
    )


def _decode_error(
    content: bytes, name: str, exc: UnicodeDecodeError, what: str, offset: int = 0
) -> DeliveryError:
    position = exc.start + offset
    line = content.count(b"\n", 0, position) + 1
    byte = content[position]
    return DeliveryError(SOURCE, name, f"byte 0x{byte:02X} is not valid {what}", row=line)


def _decode(content: bytes, name: str) -> tuple[str, str]:
    """Text and the encoding it was read with (see decode_mfc)."""
    if content.startswith(codecs.BOM_UTF8):
        bom = len(codecs.BOM_UTF8)
        try:
            return content[bom:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            what = "UTF-8 (the file starts with a BOM)"
            raise _decode_error(content, name, exc, what, offset=bom) from None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        # Russian windows-1251 text is almost never valid UTF-8; requiring Cyrillic letters
        # keeps a rare accidental match from being misread.
        if _CYRILLIC.search(text):
            return text, "utf-8"
        if text.isascii():
            return text, "ascii"
    try:
        return content.decode("windows-1251"), "windows-1251"
    except UnicodeDecodeError as exc:
        raise _decode_error(content, name, exc, "windows-1251 (nor UTF-8)") from None


def decode_mfc(content: bytes, name: str) -> str:
    """Text of an MFC export: UTF-8 with BOM, UTF-8 Cyrillic, else strict windows-1251."""
    return _decode(content, name)[0]


def _split_rows(text: str, name: str) -> tuple[list[list[str]], list[int], list[int]]:
    """Non-blank rows with the line each starts on, and the lines of blank rows."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"', strict=True)
    rows: list[list[str]] = []
    starts: list[int] = []
    blank: list[int] = []
    end = 0
    try:
        for fields in reader:
            start, end = end + 1, reader.line_num
            if "".join(fields).strip():
                rows.append(fields)
                starts.append(start)
            else:
                blank.append(start)
    except csv.Error as exc:
        raise DeliveryError(SOURCE, name, f"broken CSV quoting: {exc}", row=end + 1) from None
    return rows, starts, blank


def _map_header(
    header: list[str], line: int, name: str, findings: FindingCollector
) -> dict[str, int]:
    """Record field -> position in the row; DeliveryError for missing, unknown or twice."""
    positions: dict[str, int] = {}
    unknown: list[str] = []
    spaced: list[str] = []
    cased: list[str] = []
    for index, raw in enumerate(header):
        field = _HEADER_KEYS.get(_text_key(raw))
        if field is None:
            unknown.append(raw)
            continue
        if field in positions:
            raise DeliveryError(
                SOURCE,
                name,
                f"column appears twice (positions {positions[field] + 1} and {index + 1})",
                row=line,
                column=COLUMNS[field],
            )
        positions[field] = index
        collapsed = " ".join(raw.split())
        if collapsed != raw:
            spaced.append(raw)
        if collapsed != COLUMNS[field]:
            cased.append(raw)
    missing = [header for field, header in COLUMNS.items() if field not in positions]
    if missing:
        extra = f"; found instead: {', '.join(repr(u) for u in unknown)}" if unknown else ""
        raise DeliveryError(
            SOURCE, name, f"column is missing from the header{extra}", row=line, column=missing[0]
        )
    if unknown:
        raise DeliveryError(
            SOURCE,
            name,
            f"unexpected column; the header must have exactly: {', '.join(COLUMNS.values())}",
            row=line,
            column=unknown[0],
        )
    if spaced:
        findings.add(
            "header_whitespace",
            f"header cells with extra whitespace read by their text: {spaced!r}",
            row=line,
        )
    if cased:
        findings.add("header_case", f"header cells matched ignoring case or ё: {cased!r}", row=line)
    return positions


def _empty_records() -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series([], dtype="str") for column in RECORD_COLUMNS})
    frame["accepted_at"] = pd.Series([], dtype=pd.DatetimeTZDtype("us", IRKUTSK_ZONE))
    frame["source_row"] = pd.Series([], dtype="int64")
    return frame


def parse_mfc_csv(content: bytes, name: str) -> ParsedDelivery:
    """Records, row rejects and findings of one MFC export (source "mfc")."""
    try:
        file_day = parse_mfc_name(name)
    except InboxNameError as exc:
        raise DeliveryError(SOURCE, name, f"cannot tell the day of the export: {exc}") from None
    findings = FindingCollector(SOURCE, name, "info")
    text, encoding = _decode(content, name)
    nul = text.find("\x00")
    if nul >= 0:
        # A text export never holds NUL (PostgreSQL text cannot either): the file is damaged.
        line = text.count("\n", 0, nul) + 1
        raise DeliveryError(
            SOURCE, name, "a NUL character: the file is damaged, binary or UTF-16", row=line
        )
    if encoding == "utf-8-sig":
        findings.add("utf8_bom", "file is UTF-8 with a BOM, not windows-1251; read as UTF-8")
    elif encoding == "utf-8":
        findings.add("utf8_without_bom", "file is UTF-8 (no BOM), not windows-1251; read as UTF-8")

    rows, starts, blank = _split_rows(text, name)
    if not rows:
        raise DeliveryError(SOURCE, name, "file is empty: no header row")
    header_line = starts[0]
    positions = _map_header(rows[0], header_line, name, findings)
    last_data_line = starts[-1] if len(starts) > 1 else header_line
    inside = [line for line in blank if line < last_data_line]
    trailing = len(blank) - len(inside)
    if trailing:
        findings.add("trailing_blank_lines", f"{trailing} blank line(s) at the end ignored")
    if inside:
        findings.add(
            "blank_lines_inside",
            f"blank lines inside the data ignored (not rows): {_rows_text(inside)}",
            row=inside[0],
        )

    data, lines = rows[1:], starts[1:]
    rejects: list[RowReject] = []
    width = len(rows[0])
    good = [i for i, fields in enumerate(data) if len(fields) == width]
    if len(good) < len(data):
        good_set = set(good)
        for i, fields in enumerate(data):
            if i not in good_set:
                raw = ";".join(fields)
                rejects.append(
                    RowReject(
                        SOURCE,
                        name,
                        lines[i],
                        None,
                        raw[:500],
                        f"{len(fields)} fields, expected {width}",
                    )
                )
    records = _check_rows(
        [data[i] for i in good], [lines[i] for i in good], positions, name, rejects, findings
    )
    _check_records(records, file_day, findings)
    rejects.sort(key=lambda r: r.row)
    if not data:
        findings.add("no_data_rows", "file has a header but no data rows", "warning")
    return ParsedDelivery(SOURCE, name, len(data), records, rejects, findings.items)


class _Column:
    """One column factorised: every distinct value is checked once, then spread to its rows.

    A day's file repeats few distinct OKTMO, codes, statuses and minutes, so checking distinct
    values keeps a 10,000-row file well inside the time budget.
    """

    def __init__(self, values: Sequence[str]) -> None:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))
        self.codes: npt.NDArray[np.intp] = codes
        self.raw: list[str] = [str(u) for u in uniques]
        self.text: list[str] = [u.strip() for u in self.raw]

    def value(self, row: int) -> str:
        return self.text[int(self.codes[row])]

    def raw_value(self, row: int) -> str:
        return self.raw[int(self.codes[row])]

    def spread(self, flags: Sequence[bool]) -> BoolArray:
        return np.asarray(flags, dtype=bool)[self.codes]

    def strings(self, values: Sequence[str | None]) -> pd.Series:
        return pd.Series(np.asarray(values, dtype=object)[self.codes], dtype="str")

    def count(self, flags: Sequence[bool]) -> int:
        return int(
            np.bincount(self.codes, minlength=len(self.raw))[np.asarray(flags, dtype=bool)].sum()
        )


Reason = Callable[[int], str]


def _check_rows(
    data: list[list[str]],
    lines: list[int],
    positions: dict[str, int],
    name: str,
    rejects: list[RowReject],
    findings: FindingCollector,
) -> pd.DataFrame:
    """Typed records of rows with the right field count; the failing ones go to rejects."""
    if not data:
        return _empty_records()
    by_position = list(zip(*data, strict=True))
    col = {field: _Column(by_position[index]) for field, index in positions.items()}
    trimmed = sum(
        c.count([r != t for r, t in zip(c.raw, c.text, strict=True)]) for c in col.values()
    )
    if trimmed:
        findings.add("values_trimmed", f"{trimmed} value(s) had surrounding whitespace removed")

    problems: dict[str, tuple[BoolArray, Reason]] = {}

    def problem(field: str, bad: BoolArray, reason: Reason) -> None:
        if bad.any():
            problems[field] = (bad, reason)

    for field, column in col.items():
        if field not in OPTIONAL_FIELDS:
            problem(
                field, column.spread([t == "" for t in column.text]), lambda _: "value is empty"
            )

    stamps = col["accepted_at"]
    well_formed = [_STAMP.fullmatch(t) is not None for t in stamps.text]
    parsed = pd.to_datetime(
        pd.Series([t if ok else None for t, ok in zip(stamps.text, well_formed, strict=True)]),
        format=ACCEPTED_AT_FORMAT,
        errors="coerce",
    )
    localised = parsed.dt.tz_localize(IRKUTSK_ZONE, ambiguous="NaT", nonexistent="NaT").dt.as_unit(
        "us"
    )
    valid_stamp = localised.notna().tolist()
    problem(
        "accepted_at",
        stamps.spread([t != "" and not ok for t, ok in zip(stamps.text, valid_stamp, strict=True)]),
        lambda i: (
            f"{stamps.value(i)!r} is not a valid local date-time"
            if well_formed[stamps.codes[i]]
            else f"{stamps.value(i)!r} is not a date-time in dd.mm.yyyy HH:MM form"
        ),
    )
    accepted = pd.Series(localised.array.take(stamps.codes))

    codes = col["service_code"]
    problem(
        "service_code",
        codes.spread([t != "" and _SERVICE_CODE.fullmatch(t) is None for t in codes.text]),
        lambda i: f"{codes.value(i)!r} is not a 19-digit service code",
    )

    oktmo = col["oktmo"]
    compact = ["".join(t.split()) for t in oktmo.text]
    eight = [_OKTMO8.fullmatch(c) is not None for c in compact]
    eleven = [_OKTMO11.fullmatch(c) is not None for c in compact]
    problem(
        "oktmo",
        oktmo.spread(
            [t != "" and not (a or b) for t, a, b in zip(oktmo.text, eight, eleven, strict=True)]
        ),
        lambda i: f"{oktmo.value(i)!r} is not an 8-digit OKTMO (nor 11 digits)",
    )

    status_ru = col["status_ru"]
    status = [_STATUS_KEYS.get(_text_key(t)) for t in status_ru.text]
    problem(
        "status_ru",
        status_ru.spread(
            [t != "" and s is None for t, s in zip(status_ru.text, status, strict=True)]
        ),
        lambda i: f"{status_ru.value(i)!r} is not a known status ({', '.join(STATUSES)})",
    )

    bad = np.zeros(len(data), dtype=bool)
    for mask, _ in problems.values():
        bad |= mask
    ordered = sorted(problems, key=lambda f: positions[f])
    for i in np.flatnonzero(bad).tolist():
        failing = [f for f in ordered if problems[f][0][i]]
        first = failing[0]
        reason = problems[first][1](i)
        if len(failing) > 1:
            reason += "; also invalid: " + ", ".join(COLUMNS[f] for f in failing[1:])
        rejects.append(
            RowReject(SOURCE, name, lines[i], COLUMNS[first], col[first].raw_value(i), reason)
        )

    keep = ~bad
    spaced = oktmo.spread([c != t for c, t in zip(compact, oktmo.text, strict=True)]) & keep
    long = oktmo.spread(eleven) & keep
    if spaced.any() or long.any():
        findings.add(
            "oktmo_normalised",
            f"{int((spaced | long).sum())} OKTMO value(s) normalised to 8 digits "
            f"({int(spaced.sum())} written with spaces, {int(long.sum())} given as 11 digits)",
            column=COLUMNS["oktmo"],
        )

    records = pd.DataFrame(
        {
            "case_id": col["case_id"].strings(col["case_id"].text),
            "accepted_at": accepted,
            "service_code": codes.strings(codes.text),
            "service_name": col["service_name"].strings(
                [t or None for t in col["service_name"].text]
            ),
            "oktmo": oktmo.strings([c[:8] for c in compact]),
            "office": col["office"].strings([t or None for t in col["office"].text]),
            "status_ru": status_ru.strings(status_ru.text),
            "status": status_ru.strings(status),
            "source_row": pd.Series(lines, dtype="int64"),
        }
    )
    return records[keep].reset_index(drop=True)


def _check_records(records: pd.DataFrame, file_day: date, findings: FindingCollector) -> None:
    """Observations on valid records that the quality gate weighs (kept, not rejected)."""
    if records.empty:
        return
    midnight = pd.Timestamp(file_day).tz_localize(IRKUTSK_ZONE)
    local_day = records["accepted_at"].dt.normalize()
    other_day = (local_day != midnight).to_numpy(dtype=bool)
    if other_day.any():
        rows = records.loc[other_day, "source_row"].tolist()
        days = sorted({d.date().isoformat() for d in local_day[other_day]})
        findings.add(
            "accepted_outside_file_date",
            f"{len(rows)} record(s) accepted on another day than the file's "
            f"{file_day.isoformat()} ({', '.join(days[:EXAMPLES])}): {_rows_text(rows)}",
            "warning",
            row=rows[0],
            column=COLUMNS["accepted_at"],
        )
    repeated = records["case_id"].duplicated(keep=False).to_numpy(dtype=bool)
    if repeated.any():
        rows = records.loc[repeated, "source_row"].tolist()
        findings.add(
            "duplicate_case_id",
            f"{int(records.loc[repeated, 'case_id'].nunique())} case number(s) appear more than "
            f"once: {_rows_text(rows)}",
            "warning",
            row=rows[0],
            column=COLUMNS["case_id"],
        )
