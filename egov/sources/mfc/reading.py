"""Reading an МФЦ export's text: its contract columns, encoding, CSV rows and header."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from egov.sources.records import DeliveryError, FindingCollector

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


def text_key(text: str) -> str:
    """Comparison form of a header or status: whitespace collapsed, case and ё folded."""
    return " ".join(text.split()).casefold().replace("ё", "е")


HEADER_KEYS = {text_key(header): name for name, header in COLUMNS.items()}
STATUS_KEYS = {text_key(text): code for text, code in STATUSES.items()}


def rows_text(rows: Sequence[int]) -> str:
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


def decode(content: bytes, name: str) -> tuple[str, str]:
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
    return decode(content, name)[0]


def split_rows(text: str, name: str) -> tuple[list[list[str]], list[int], list[int]]:
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


def map_header(
    header: list[str], line: int, name: str, findings: FindingCollector
) -> dict[str, int]:
    """Record field -> position in the row; DeliveryError for missing, unknown or twice."""
    positions: dict[str, int] = {}
    unknown: list[str] = []
    spaced: list[str] = []
    cased: list[str] = []
    for index, raw in enumerate(header):
        field = HEADER_KEYS.get(text_key(raw))
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
