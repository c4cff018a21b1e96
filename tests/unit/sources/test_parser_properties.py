"""Properties of the four parsers over generated deliveries (ЕПГУ pages, МФЦ and ЕКЦ CSV, ОМСУ
workbooks).

For generated valid rows, with free text full of quotes, separators, line breaks and SQL-looking
strings, every value comes back as written (trimmed where the contract says so) on the line it
started on, and `rows_in = records + rejects`. For a delivery with one corrupted cell or item,
the parser never raises (a row reject, not an exception), the other rows come back unchanged and
the accounting still holds; for corrupted bytes, arbitrary JSON pages or file names the only
exception allowed is DeliveryError, which the gate turns into a rejected batch.

Properties that once failed on a parser bug keep the failing case as an explicit `@example`,
so it is checked first on every run. Workbooks are slow to build, so the ОМСУ properties draw
fewer examples.
"""

from __future__ import annotations

import io
import json
import re
import string
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import openpyxl
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from egov.sources.contract import EKC_OUTCOMES, EKC_TOPICS, EPGU_STATUSES, IRKUTSK
from egov.sources.ekc import EKC_COLUMNS, parse_ekc_csv
from egov.sources.epgu import EPGU_COLUMNS, parse_epgu_page
from egov.sources.mfc import COLUMNS as MFC_COLUMNS
from egov.sources.mfc import STATUSES as MFC_STATUSES
from egov.sources.mfc import parse_mfc_csv
from egov.sources.omsu import APPLICATION_COLUMNS, CAMPAIGN_COLUMNS, parse_omsu_workbook
from egov.sources.records import DeliveryError, ParsedDelivery
from tests.unit import hypothesis_profiles  # noqa: F401  (loads the reproducible profile)

CYRILLIC = "".join(chr(c) for c in range(ord("А"), ord("я") + 1)) + "Ёё"
# Every character here exists in windows-1251, so МФЦ files can be written in either encoding.
PUNCTUATION = " .,;:'\"-–—«»№()!?/\\%&*+<>[]{}_|#@$^`~"
TEXT = CYRILLIC + string.ascii_letters + string.digits + PUNCTUATION
NASTY = ["'; DROP TABLE x; --", '"', '""', ";", ",", "\\N", "\\.", "Итого"]
# Corrupted cells hold what a person or a broken export writes, tabs and odd spaces included
# (NUL is damage to the file, not a cell value: the byte-level properties cover it).
NOISE = TEXT + "\t\xa0"
LINE_BREAKS = "\n\r"


def fixed_digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


def free_text(alphabet: str = TEXT, *, line_breaks: bool = True) -> st.SearchStrategy[str]:
    """Free text with the awkward cases spelled out: quotes, separators, SQL, line breaks."""
    parts = st.text(alphabet=alphabet + ("\n" if line_breaks else ""), max_size=25)
    return st.builds(lambda a, b, c: a + b + c, parts, st.sampled_from(["", *NASTY]), parts)


def other_script_digits(n: int) -> st.SearchStrategy[str]:
    """n digits written in Arabic-Indic or full-width figures (Unicode \\d, not [0-9])."""
    scripts = st.sampled_from(["٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９"])
    return st.builds(
        lambda d, s: d.translate(str.maketrans("0123456789", s)), fixed_digits(n), scripts
    )


def lines_in(text: str) -> int:
    """Line breaks in a text as a line-numbering reader counts them (CRLF, CR or LF)."""
    return len(re.findall(r"\r\n|\r|\n", text))


def csv_text(
    rows: list[list[str]],
    *,
    delimiter: str,
    terminator: str,
    quote_all: bool = False,
    blank_before: list[bool] | None = None,
) -> tuple[str, list[int]]:
    """CSV text (header first, RFC 4180 quoting) and the line each data row starts on."""
    # Written by hand: the csv module leaves a lone CR unquoted when the terminator is LF.
    special = (delimiter, '"', "\r", "\n")

    def field(value: str) -> str:
        if quote_all or any(c in value for c in special):
            return '"' + value.replace('"', '""') + '"'
        return value

    text, starts = "", []
    for index, row in enumerate(rows):
        if index and blank_before and blank_before[index - 1]:
            text += terminator
        if index:
            starts.append(lines_in(text) + 1)
        text += delimiter.join(map(field, row)) + terminator
    return text, starts


def accounted(parsed: ParsedDelivery) -> ParsedDelivery:
    assert parsed.is_accounted
    assert parsed.rows_in == len(parsed.records) + len(parsed.rejects)
    return parsed


def only_delivery_errors(parse: Callable[[], Any]) -> Any:
    """The parser's result, or None if it raised a DeliveryError (any other exception fails)."""
    try:
        return parse()
    except DeliveryError:
        return None


def mutate_bytes(content: bytes, data: st.DataObject) -> bytes:
    """The content with a few bytes replaced, inserted or removed somewhere."""
    at = data.draw(st.integers(0, len(content)))
    cut = data.draw(st.integers(0, 4))
    noise = data.draw(st.binary(max_size=6))
    return content[:at] + noise + content[at + cut :]


def record_at(parsed: ParsedDelivery, source_row: int) -> dict[str, Any]:
    """The one record of a row (line, item or Excel row), missing values as None."""
    found = parsed.records[parsed.records["source_row"] == source_row]
    assert len(found) == 1, (source_row, parsed.rejects, parsed.records["source_row"].tolist())
    return {k: (None if v is None or v is pd.NA or v != v else v) for k, v in found.iloc[0].items()}


def assert_record(record: dict[str, Any], expected: dict[str, Any]) -> None:
    for field, value in expected.items():
        assert record[field] == value, field


# --- ЕПГУ API pages ---------------------------------------------------------------------------

OFFSETS = [timezone(timedelta(hours=h)) for h in (8, 0, 3, -5, 14)]
stamp_forms = st.tuples(st.sampled_from(OFFSETS), st.sampled_from(["T", " "]))
FAR_STAMPS = [
    "0000-06-15T12:00:00Z",
    "0001-01-01T00:00:00+08:00",
    "9999-12-31T23:59:59-08:00",
    "9999-12-31T20:00:00Z",  # year 9999 in UTC, 10000 in Irkutsk
    "10000-01-01T00:00:00Z",
]
"""Well-shaped timestamps whose instant falls outside years 1–9999 (UTC or local)."""


def stamp_text(moment: datetime, zone: timezone, sep: str) -> str:
    """ISO-8601 with an offset ('Z' for UTC), as short as exact."""
    spec = "microseconds" if moment.microsecond else "seconds"
    text = moment.astimezone(zone).isoformat(sep=sep, timespec=spec)
    return text.replace("+00:00", "Z") if zone.utcoffset(None) == timedelta(0) else text


def instants(day_from: date, day_to: date) -> st.SearchStrategy[datetime]:
    """Irkutsk-local moments between two days, to the microsecond."""
    return st.datetimes(
        min_value=datetime.combine(day_from, time()),
        max_value=datetime.combine(day_to, time(23, 59, 59)),
    ).map(lambda naive: naive.replace(tzinfo=IRKUTSK))


@st.composite
def epgu_items(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """(item as the API sends it, the record expected from it)."""
    submitted = draw(instants(date(2022, 1, 1), date(2025, 12, 31)))
    updated = submitted + draw(st.timedeltas(timedelta(0), timedelta(days=400)))
    expected = {
        "application_id": draw(free_text(line_breaks=False).map(str.strip).filter(bool)),
        "service_code": draw(fixed_digits(19)),
        "target_oktmo": draw(fixed_digits(8)),
        "submitted_at": pd.Timestamp(submitted),
        "updated_at": pd.Timestamp(updated),
        "status": draw(st.sampled_from(EPGU_STATUSES)),
        "requires_visit": draw(st.booleans()),
    }
    item = dict(expected)
    item["submitted_at"] = stamp_text(submitted, *draw(stamp_forms))
    item["updated_at"] = stamp_text(updated, *draw(stamp_forms))
    if draw(st.booleans()):
        item["comment"] = draw(free_text())  # unknown fields are ignored
    return item, expected


def page_bytes(items: list[Any], *, ascii_only: bool = True) -> bytes:
    payload = {"items": items, "next_cursor": None, "total": len(items)}
    return json.dumps(payload, ensure_ascii=ascii_only).encode("utf-8")


def assert_epgu_record(record: dict[str, Any], expected: dict[str, Any]) -> None:
    assert_record(record, expected)
    assert record["submitted_at"].utcoffset() == timedelta(hours=8)
    assert record["updated_at"].utcoffset() == timedelta(hours=8)


@settings(max_examples=60)
@given(generated=st.lists(epgu_items(), max_size=8), ascii_only=st.booleans())
def test_a_valid_epgu_page_gives_back_every_item_as_sent(
    generated: list[tuple[dict[str, Any], dict[str, Any]]], ascii_only: bool
) -> None:
    """Valid items become records with their values, in order, numbered by position."""
    content = page_bytes([item for item, _ in generated], ascii_only=ascii_only)
    parsed = accounted(parse_epgu_page(content, "p"))
    assert parsed.rows_in == len(generated) and parsed.rejects == []
    assert parsed.records["source_row"].tolist() == list(range(1, len(generated) + 1))
    for position, (_, expected) in enumerate(generated, start=1):
        assert_epgu_record(record_at(parsed, position), expected)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=2)
    | st.sampled_from(NASTY),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=150)
@given(generated=st.lists(epgu_items(), min_size=1, max_size=6), data=st.data())
def test_any_json_in_one_epgu_item_is_a_reject_or_a_record_never_a_crash(
    generated: list[tuple[dict[str, Any], dict[str, Any]]], data: st.DataObject
) -> None:
    """Any JSON in one item's field (or a missing field, or a non-object item): others intact."""
    items = [dict(item) for item, _ in generated]
    bad = data.draw(st.integers(0, len(items) - 1))
    how = data.draw(st.sampled_from(["value", "missing", "item"]))
    if how == "item":
        items[bad] = data.draw(json_values)
    else:
        column = data.draw(st.sampled_from(EPGU_COLUMNS))
        if how == "missing":
            del items[bad][column]
        else:
            items[bad][column] = data.draw(json_values)
    parsed = accounted(parse_epgu_page(page_bytes(items), "p"))
    assert parsed.rows_in == len(items)
    assert {r.row for r in parsed.rejects} <= {bad + 1}
    if how == "missing":
        assert [r.row for r in parsed.rejects] == [bad + 1]
    for position, (_, expected) in enumerate(generated, start=1):
        if position != bad + 1:
            assert_epgu_record(record_at(parsed, position), expected)


@settings(max_examples=150)
@given(
    content=st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.dictionaries(st.sampled_from(["items", "next_cursor", "total"]), json_values).map(
            lambda v: json.dumps(v).encode()
        ),
    )
)
def test_an_arbitrary_epgu_page_is_parsed_or_a_delivery_error(content: bytes) -> None:
    """Whatever bytes or JSON the API returns, the parser fails only with a DeliveryError."""
    parsed = only_delivery_errors(lambda: parse_epgu_page(content, "p"))
    if parsed is not None:
        accounted(parsed)


EPGU_ITEM = {
    "application_id": "EPGU-1",
    "service_code": "3800000000160000017",
    "target_oktmo": "25701000",
    "submitted_at": "2024-03-05T10:22:31+08:00",
    "updated_at": "2024-03-07T09:00:00+08:00",
    "status": "completed",
    "requires_visit": False,
}


@settings(max_examples=40)
@example(column="submitted_at", stamp=FAR_STAMPS[0])
@given(column=st.sampled_from(["submitted_at", "updated_at"]), stamp=st.sampled_from(FAR_STAMPS))
def test_an_epgu_timestamp_outside_years_1_to_9999_is_a_reject(column: str, stamp: str) -> None:
    """An instant no calendar date holds is rejected like any other bad timestamp."""
    item = {**EPGU_ITEM, column: stamp}
    parsed = accounted(parse_epgu_page(page_bytes([item]), "p"))
    assert [(r.row, r.column) for r in parsed.rejects] == [(1, column)]


@settings(max_examples=40)
@example(column="target_oktmo", digits="２５７０１０００２５７０１０００２５７")
@given(column=st.sampled_from(["service_code", "target_oktmo"]), digits=other_script_digits(19))
def test_epgu_codes_in_digits_of_other_scripts_are_a_reject(column: str, digits: str) -> None:
    """Service codes and OKTMO are ASCII digits; anything else is an item reject."""
    item = {**EPGU_ITEM, column: digits if column == "service_code" else digits[:8]}
    parsed = accounted(parse_epgu_page(page_bytes([item]), "p"))
    assert [(r.row, r.column) for r in parsed.rejects] == [(1, column)]


# --- МФЦ daily CSV ----------------------------------------------------------------------------

MFC_NAME = "mfc_20240305.csv"
MFC_DAY = date(2024, 3, 5)
MFC_HEADER = list(MFC_COLUMNS.values())
pads = st.sampled_from(["", " ", "  ", "\t"])
MFC_ODD_STAMPS = [
    "01.01.0001 00:00",
    "00.00.0000 00:00",
    "31.12.9999 23:59",
    "29.02.2023 10:00",
    "05.03.2024 24:00",
]


@st.composite
def mfc_rows(draw: st.DrawFn) -> tuple[list[str], dict[str, Any]]:
    """(cells as written, the record expected from them)."""
    moment = datetime.combine(MFC_DAY, time(draw(st.integers(0, 23)), draw(st.integers(0, 59))))
    oktmo = draw(fixed_digits(8))
    written_oktmo = draw(
        st.sampled_from([oktmo, oktmo + "000", f"{oktmo[:2]} {oktmo[2:5]} {oktmo[5:]}"])
    )
    status_ru = draw(st.sampled_from(list(MFC_STATUSES)))
    written_status = draw(st.sampled_from([status_ru, status_ru.upper()]))
    case_id = draw(free_text(NOISE).filter(str.strip))
    name, office = draw(free_text()), draw(free_text())
    cells = {
        "case_id": case_id,
        "accepted_at": moment.strftime("%d.%m.%Y %H:%M"),
        "service_code": draw(fixed_digits(19)),
        "service_name": name,
        "oktmo": written_oktmo,
        "office": office,
        "status_ru": written_status,
    }
    padded = {k: draw(pads) + v + draw(pads) for k, v in cells.items()}
    expected = {
        "case_id": case_id.strip(),
        "accepted_at": pd.Timestamp(moment.replace(tzinfo=IRKUTSK)),
        "service_code": cells["service_code"],
        "service_name": name.strip() or None,
        "oktmo": oktmo,
        "office": office.strip() or None,
        "status_ru": written_status,
        "status": MFC_STATUSES[status_ru],
    }
    return [padded[field] for field in MFC_COLUMNS], expected


@settings(max_examples=60)
@given(
    generated=st.lists(mfc_rows(), max_size=8),
    encoding=st.sampled_from(["windows-1251", "utf-8-sig"]),
    terminator=st.sampled_from(["\r\n", "\n"]),
    quote_all=st.booleans(),
    data=st.data(),
)
def test_a_valid_mfc_export_gives_back_every_row_as_written(
    generated: list[tuple[list[str], dict[str, Any]]],
    encoding: str,
    terminator: str,
    quote_all: bool,
    data: st.DataObject,
) -> None:
    """Valid rows come back trimmed, on their starting line (quoted breaks, blank lines)."""
    blanks = data.draw(st.lists(st.booleans(), min_size=len(generated), max_size=len(generated)))
    text, starts = csv_text(
        [MFC_HEADER, *(cells for cells, _ in generated)],
        delimiter=";",
        terminator=terminator,
        quote_all=quote_all,
        blank_before=blanks,
    )
    parsed = accounted(parse_mfc_csv(text.encode(encoding), MFC_NAME))
    assert parsed.rows_in == len(generated) and parsed.rejects == []
    assert parsed.records["source_row"].tolist() == starts
    for line, (_, expected) in zip(starts, generated, strict=True):
        assert_record(record_at(parsed, line), expected)


@settings(max_examples=100)
@given(generated=st.lists(mfc_rows(), min_size=1, max_size=6), data=st.data())
def test_one_corrupted_mfc_cell_is_a_reject_or_a_record_never_a_crash(
    generated: list[tuple[list[str], dict[str, Any]]], data: st.DataObject
) -> None:
    """Any text in one cell, or a cell missing or extra: that row only is affected."""
    rows = [list(cells) for cells, _ in generated]
    bad = data.draw(st.integers(0, len(rows) - 1))
    how = data.draw(st.sampled_from(["text", "drop", "extra"]))
    column = data.draw(st.integers(0, len(MFC_HEADER) - 1))
    noise = (
        st.text(alphabet=NOISE + LINE_BREAKS, max_size=30)
        | st.sampled_from(MFC_ODD_STAMPS)
        | other_script_digits(8)
        | other_script_digits(19)
    )
    if how == "text":
        rows[bad][column] = data.draw(noise)
    elif how == "drop":
        del rows[bad][column]
    else:
        rows[bad].insert(column, data.draw(noise))
    text, starts = csv_text([MFC_HEADER, *rows], delimiter=";", terminator="\r\n")
    # UTF-8 with a BOM: windows-1251 has no Arabic-Indic or full-width digits.
    parsed = accounted(parse_mfc_csv(text.encode("utf-8-sig"), MFC_NAME))
    assert parsed.rows_in == len(rows)
    assert {r.row for r in parsed.rejects} <= {starts[bad]}
    for index, (line, (_, expected)) in enumerate(zip(starts, generated, strict=True)):
        if index != bad:
            assert_record(record_at(parsed, line), expected)


@settings(max_examples=100)
@given(generated=st.lists(mfc_rows(), min_size=1, max_size=4), data=st.data())
def test_corrupted_mfc_bytes_are_parsed_or_a_delivery_error(
    generated: list[tuple[list[str], dict[str, Any]]], data: st.DataObject
) -> None:
    """Damaged bytes (quoting, encoding, NUL, a cut header) fail only as DeliveryError."""
    text, _ = csv_text(
        [MFC_HEADER, *(cells for cells, _ in generated)], delimiter=";", terminator="\r\n"
    )
    content = mutate_bytes(text.encode("windows-1251"), data)
    parsed = only_delivery_errors(lambda: parse_mfc_csv(content, MFC_NAME))
    if parsed is not None:
        accounted(parsed)


# --- ЕКЦ call exports -------------------------------------------------------------------------

EKC_DAY = date(2024, 3, 5)
EKC_ORDER = [*EKC_COLUMNS, "comment"]
EKC_ODD_STAMPS = [
    "1677-09-21T00:12:43Z",
    "2024-02-30T10:00:00+08:00",
    "2024-03-05T10:00:00+99:99",
    "2024-03-05T25:00:00+08:00",
]
"""Well-shaped timestamps within years 1–9999 that are no valid moment or another day."""


@st.composite
def ekc_rows(
    draw: st.DrawFn, *, line_breaks: bool = False
) -> tuple[dict[str, str], dict[str, Any]]:
    """(cells by column as written, the record expected from them)."""
    call_id = str(draw(st.uuids()))
    moment = draw(instants(EKC_DAY, EKC_DAY))
    oktmo = draw(st.just("") | fixed_digits(8))
    expected = {
        "call_id": call_id,
        "started_at": pd.Timestamp(moment),
        "line": draw(st.sampled_from([117, 122])),
        "ivr_topic": draw(st.sampled_from(EKC_TOPICS)),
        "caller_oktmo": oktmo or None,
        "answered": draw(st.booleans()),
        "wait_sec": draw(st.integers(0, 999_999_999)),
        "talk_sec": draw(st.integers(0, 999_999_999)),
        "outcome": draw(st.sampled_from(EKC_OUTCOMES)),
    }
    cells = {
        "call_id": draw(st.sampled_from([call_id, call_id.upper()])),
        "started_at": stamp_text(moment, *draw(stamp_forms)),
        "line": str(expected["line"]),
        "ivr_topic": expected["ivr_topic"],
        "caller_oktmo": oktmo,
        "answered": "true" if expected["answered"] else "false",
        "wait_sec": str(expected["wait_sec"]),
        "talk_sec": str(expected["talk_sec"]),
        "outcome": expected["outcome"],
    }
    # Cells are trimmed by the parser; an extra column is not read at all.
    padded = {k: draw(pads) + v + draw(pads) for k, v in cells.items()}
    padded["comment"] = draw(free_text(line_breaks=line_breaks))
    return padded, expected


def ekc_text(
    rows: list[dict[str, str]],
    *,
    order: list[str] = EKC_ORDER,
    terminator: str = "\n",
    quote_all: bool = False,
    blanks: list[bool] | None = None,
    surplus: int | None = None,
) -> tuple[str, list[int]]:
    """CSV text with columns in the given order (and a cell too many on row `surplus`)."""
    lines = [
        [row[c] for c in order] + (["surplus"] if i == surplus else [])
        for i, row in enumerate(rows)
    ]
    return csv_text(
        [order, *lines],
        delimiter=",",
        terminator=terminator,
        quote_all=quote_all,
        blank_before=blanks,
    )


def ekc_calls(
    *, line_breaks: bool = False, min_size: int = 0
) -> st.SearchStrategy[list[tuple[dict[str, str], dict[str, Any]]]]:
    """Calls with distinct ids (a repeated id is rejected at its second row, by design)."""
    return st.lists(
        ekc_rows(line_breaks=line_breaks),
        min_size=min_size,
        max_size=8,
        unique_by=lambda row: row[1]["call_id"],
    )


def assert_ekc_record(record: dict[str, Any], expected: dict[str, Any]) -> None:
    assert_record(record, expected)
    assert record["started_at"].utcoffset() == timedelta(hours=8)


@settings(max_examples=60)
@given(
    generated=ekc_calls(),
    order=st.permutations(EKC_ORDER),
    terminator=st.sampled_from(["\r\n", "\n"]),
    quote_all=st.booleans(),
    day=st.none() | st.just(EKC_DAY),
    data=st.data(),
)
def test_a_valid_ekc_export_gives_back_every_call_as_written_on_its_line(
    generated: list[tuple[dict[str, str], dict[str, Any]]],
    order: list[str],
    terminator: str,
    quote_all: bool,
    day: date | None,
    data: st.DataObject,
) -> None:
    """Valid calls in any column order come back as written, on their starting line."""
    blanks = data.draw(st.lists(st.booleans(), min_size=len(generated), max_size=len(generated)))
    text, starts = ekc_text(
        [cells for cells, _ in generated],
        order=order,
        terminator=terminator,
        quote_all=quote_all,
        blanks=blanks,
    )
    parsed = accounted(parse_ekc_csv(text.encode(), "calls", day=day))
    assert parsed.rows_in == len(generated) and parsed.rejects == []
    assert parsed.records["source_row"].tolist() == starts
    for line, (_, expected) in zip(starts, generated, strict=True):
        assert_ekc_record(record_at(parsed, line), expected)


EKC_ROW = {
    "call_id": "3f1e0c9a-1111-4222-8333-444455556667",
    "started_at": "2024-03-05T11:00:00+08:00",
    "line": "117",
    "ivr_topic": "healthcare",
    "caller_oktmo": "",
    "answered": "false",
    "wait_sec": "40",
    "talk_sec": "0",
    "outcome": "abandoned",
    "comment": "",
}
EKC_LINE_BREAK_EXAMPLE = [
    ({**EKC_ROW, "call_id": "3f1e0c9a-1111-4222-8333-444455556666", "comment": "a\nb"}, {}),
    (EKC_ROW, {}),
]


@settings(max_examples=40)
@example(generated=EKC_LINE_BREAK_EXAMPLE)
@given(generated=ekc_calls(line_breaks=True, min_size=2))
def test_a_quoted_line_break_keeps_every_later_ekc_call_on_its_line(
    generated: list[tuple[dict[str, str], dict[str, Any]]],
) -> None:
    """`source_row` is the line a call starts on, also after a multi-line cell."""
    text, starts = ekc_text([cells for cells, _ in generated])
    parsed = accounted(parse_ekc_csv(text.encode(), "calls"))
    assert parsed.records["source_row"].tolist() == starts


@settings(max_examples=150)
@given(generated=ekc_calls(min_size=1), day=st.none() | st.just(EKC_DAY), data=st.data())
def test_one_corrupted_ekc_cell_is_a_reject_or_a_record_never_a_crash(
    generated: list[tuple[dict[str, str], dict[str, Any]]],
    day: date | None,
    data: st.DataObject,
) -> None:
    """Any text or odd timestamp in one cell, or a cell too many: that row only is affected."""
    rows = [dict(cells) for cells, _ in generated]
    bad = data.draw(st.integers(0, len(rows) - 1))
    column = data.draw(st.sampled_from(EKC_COLUMNS))
    noise = st.text(alphabet=NOISE, max_size=30) | st.sampled_from(EKC_ODD_STAMPS)
    rows[bad][column] = data.draw(noise)
    surplus = bad if data.draw(st.booleans()) else None
    text, starts = ekc_text(rows, surplus=surplus)
    parsed = accounted(parse_ekc_csv(text.encode(), "calls", day=day))
    assert parsed.rows_in == len(rows)
    assert {r.row for r in parsed.rejects} <= {starts[bad]}
    for index, (line, (_, expected)) in enumerate(zip(starts, generated, strict=True)):
        if index != bad:
            assert_ekc_record(record_at(parsed, line), expected)


@settings(max_examples=40)
@example(column="wait_sec", digits="٠٠٠")
@given(
    column=st.sampled_from(["wait_sec", "talk_sec", "caller_oktmo"]),
    digits=other_script_digits(8),
)
def test_digits_of_other_scripts_in_an_ekc_cell_are_a_reject_not_a_crash(
    column: str, digits: str
) -> None:
    """Counts and OKTMO are ASCII digits; anything else is a row reject."""
    row = {**EKC_ROW, column: digits}
    text, _ = ekc_text([row])
    parsed = accounted(parse_ekc_csv(text.encode(), "calls"))
    assert [(r.row, r.column) for r in parsed.rejects] == [(2, column)]


@settings(max_examples=40)
@example(stamp=FAR_STAMPS[0], day=EKC_DAY)
@given(stamp=st.sampled_from(FAR_STAMPS), day=st.none() | st.just(EKC_DAY))
def test_an_ekc_timestamp_outside_years_1_to_9999_is_a_reject_not_a_crash(
    stamp: str, day: date | None
) -> None:
    """A start no calendar date holds is rejected like any other bad timestamp."""
    row = {**EKC_ROW, "started_at": stamp}
    text, _ = ekc_text([row])
    parsed = accounted(parse_ekc_csv(text.encode(), "calls", day=day))
    assert [(r.row, r.column) for r in parsed.rejects] == [(2, "started_at")]


@settings(max_examples=100)
@given(generated=ekc_calls(min_size=1), data=st.data())
def test_corrupted_ekc_bytes_are_parsed_or_a_delivery_error(
    generated: list[tuple[dict[str, str], dict[str, Any]]], data: st.DataObject
) -> None:
    """Damaged bytes (bad UTF-8, broken quoting, NUL, a cut header) fail only as DeliveryError."""
    text, _ = ekc_text([cells for cells, _ in generated])
    content = mutate_bytes(text.encode(), data)
    parsed = only_delivery_errors(lambda: parse_ekc_csv(content, "calls", day=EKC_DAY))
    if parsed is not None:
        accounted(parsed)


# --- ОМСУ monthly workbooks ---------------------------------------------------------------------

OMSU_NAME = "omsu_25701000_2024-03.xlsx"
TITLE = [
    "Отчет о количестве обращений за получением МСЗУ",
    "Муниципальное образование: город Иркутск",
    "ОКТМО: 25701000",
    "Отчетный период: март 2024",
]
HEADER_ROW = len(TITLE) + 1
COUNT_FIELDS = ("total", "via_epgu", "via_mfc", "in_person", "by_post")
ONE_SERVICE = ["3800000000100000001", "Услуга", 1, 1, 0, 0, 0]


def count_cell(n: int) -> st.SearchStrategy[Any]:
    """A count as forms store it: a number, or text ('1234', '1 234', '1234,0')."""
    return st.sampled_from([n, str(n), f"{n:,}".replace(",", " "), f"{n},0"])


def not_a_totals_or_formula_cell(text: str) -> bool:
    # A leading '=' makes the cell a formula and «Итого» ends the table: both are what the
    # form means by them (documented), not free text.
    return not text.lstrip().startswith("=") and "итого" not in text.lower()


@st.composite
def omsu_rows(draw: st.DrawFn) -> tuple[list[Any], dict[str, Any]]:
    """(cells of a service row after its number, the record expected from them)."""
    code = draw(fixed_digits(19))
    name = draw(free_text().filter(not_a_totals_or_formula_cell))
    counts = [draw(st.integers(0, 10**6)) for _ in COUNT_FIELDS]
    cells = [code, name or None, *(draw(count_cell(n)) for n in counts)]
    expected = {
        "oktmo": "25701000",
        "month": date(2024, 3, 1),
        "service_code": code,
        "service_name": name.strip() or None,
        **dict(zip(COUNT_FIELDS, counts, strict=True)),
    }
    return cells, expected


def workbook_bytes(rows: list[list[Any]], *, totals: bool, title: list[str] = TITLE) -> bytes:
    """An ОМСУ workbook: title block, header, numbered service rows, «Итого», campaign sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Обращения"
    for line in title:
        sheet.append([line])
    sheet.append(list(APPLICATION_COLUMNS.values()))
    for number, cells in enumerate(rows, start=1):
        sheet.append([number, *cells])
    if totals:
        columns = zip(*(cells[2:] for cells in rows), strict=True)
        sheet.append(
            ["Итого", None, None, *(sum(c for c in col if type(c) is int) for col in columns)]
        )
    informing = workbook.create_sheet("Информирование")
    informing.append(list(CAMPAIGN_COLUMNS.values()))
    informing.append(["официальный сайт", 12, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@settings(max_examples=25)
@given(generated=st.lists(omsu_rows(), min_size=1, max_size=5), totals=st.booleans())
def test_a_valid_omsu_workbook_gives_back_every_service_row_as_written(
    generated: list[tuple[list[Any], dict[str, Any]]], totals: bool
) -> None:
    """Service rows become records with their counts (numbers or text) on their Excel row."""
    report = parse_omsu_workbook(
        workbook_bytes([c for c, _ in generated], totals=totals), OMSU_NAME
    )
    assert report.is_accounted
    parsed = accounted(report.applications)
    assert parsed.rows_in == len(generated) and parsed.rejects == []
    first = HEADER_ROW + 1
    assert parsed.records["source_row"].tolist() == list(range(first, first + len(generated)))
    for row, (_, expected) in enumerate(generated, start=first):
        assert_record(record_at(parsed, row), expected)


odd_cells = st.one_of(
    st.text(alphabet=NOISE + "\n", max_size=20).filter(not_a_totals_or_formula_cell),
    st.sampled_from([n for n in NASTY if not_a_totals_or_formula_cell(n)]),
    st.integers(-(10**25), 10**25),
    st.floats(min_value=-1e25, max_value=1e25),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
)


@settings(max_examples=25)
@given(generated=st.lists(omsu_rows(), min_size=1, max_size=4), data=st.data())
def test_one_corrupted_omsu_cell_is_a_reject_or_a_record_never_a_crash(
    generated: list[tuple[list[Any], dict[str, Any]]], data: st.DataObject
) -> None:
    """Any value in one service cell (text, huge numbers, dates): that row only is affected."""
    rows = [list(cells) for cells, _ in generated]
    bad = data.draw(st.integers(0, len(rows) - 1))
    column = data.draw(st.integers(0, len(rows[bad]) - 1))
    rows[bad][column] = data.draw(odd_cells)
    report = parse_omsu_workbook(workbook_bytes(rows, totals=data.draw(st.booleans())), OMSU_NAME)
    assert report.is_accounted
    parsed = accounted(report.applications)
    first = HEADER_ROW + 1
    assert {r.row for r in parsed.rejects} <= {first + bad}
    for index, (_, expected) in enumerate(generated):
        if index != bad:
            assert_record(record_at(parsed, first + index), expected)


def title_with(period: str, oktmo: str = "25701000") -> list[str]:
    return [TITLE[0], TITLE[1], f"ОКТМО: {oktmo}", f"Отчетный период: {period}"]


@settings(max_examples=25)
@given(
    period=st.one_of(
        st.text(alphabet=TEXT, max_size=20),
        st.builds(
            "{} {:04d}".format,
            st.sampled_from(["март", "декабря", "Май", "13"]),
            st.integers(1, 9999),
        ),
        st.builds("{:02d}.{:04d}".format, st.integers(0, 99), st.integers(1, 9999)),
        st.builds("{:04d}-{:02d}".format, st.integers(1, 9999), st.integers(0, 99)),
    ),
    oktmo=st.text(alphabet="0123456789 ", max_size=14),
)
def test_any_title_block_is_read_or_reported_never_a_crash(period: str, oktmo: str) -> None:
    """Whatever the period and OKTMO lines say, the workbook parses; a mismatch is a finding."""
    content = workbook_bytes([ONE_SERVICE], totals=True, title=title_with(period, oktmo))
    report = parse_omsu_workbook(content, OMSU_NAME)
    assert report.is_accounted and len(report.applications.records) == 1
    assert report.period_in_sheet is None or report.period_in_sheet.day == 1
    assert report.oktmo_in_sheet is None or re.fullmatch(r"[0-9]{8}", report.oktmo_in_sheet)


@settings(max_examples=40)
@example(period="март 0000")
@given(period=st.sampled_from(["март 0000", "03.0000", "0000-03", "декабря 0000"]))
def test_a_title_period_in_year_0000_is_reported_not_a_crash(period: str) -> None:
    """A period no calendar holds is unreadable (a finding), not an exception."""
    content = workbook_bytes([ONE_SERVICE], totals=True, title=title_with(period))
    report = parse_omsu_workbook(content, OMSU_NAME)
    assert report.period_in_sheet is None
    assert "period_unreadable_in_sheet" in [f.code for f in report.findings]


@settings(max_examples=30)
@example(name="omsu_25701000_0000-03.xlsx", content=b"")
@example(name="mfc_00000305.csv", content=b"")
@given(
    name=st.one_of(
        st.text(max_size=30),
        st.builds(
            "omsu_{}_{:04d}-{:02d}.xlsx".format,
            fixed_digits(8),
            st.integers(0, 9999),
            st.integers(0, 99),
        ),
        st.builds(
            "mfc_{:04d}{:02d}{:02d}.csv".format,
            st.integers(0, 9999),
            st.integers(0, 99),
            st.integers(0, 99),
        ),
    ),
    content=st.sampled_from([b"", b"not a workbook"]),
)
def test_any_file_name_with_bad_content_is_a_delivery_error(name: str, content: bytes) -> None:
    """A name without municipality and month (or day), or no real file: a DeliveryError."""
    for parse in (parse_omsu_workbook, parse_mfc_csv):
        with pytest.raises(DeliveryError):
            parse(content, name)
