"""ЕКЦ call exports into typed records: one day's CSV, row-level rejects, or a DeliveryError."""

from __future__ import annotations

import codecs
import csv
import io
import re
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from egov.sources.contract import EKC_OUTCOMES, EKC_TOPICS, IRKUTSK_ZONE
from egov.sources.ekc.client import EKC_COLUMNS, SOURCE
from egov.sources.records import DeliveryError, ParsedDelivery, RowReject

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# [0-9], not \d: \d also matches other scripts' digits, which the export never writes and
# pd.to_numeric cannot read (it would raise instead of the row being rejected).
_TIMESTAMP = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)


def _read_header(content: bytes, name: str) -> tuple[list[tuple[int, list[str]]], dict[str, int]]:
    """(all CSV records with the line each starts on, column -> index) or a DeliveryError."""
    if not content.strip():
        raise DeliveryError(SOURCE, name, "the file is empty")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # utf-8-sig counts positions after the BOM.
        position = exc.start + (len(codecs.BOM_UTF8) if content.startswith(codecs.BOM_UTF8) else 0)
        line = content.count(b"\n", 0, position) + 1
        raise DeliveryError(SOURCE, name, f"not valid UTF-8 (byte {position})", row=line) from None
    # strict: a quote left open would otherwise swallow every later line into one field.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for record in reader:
            # line_num is the record's last line: a quoted line break spans several.
            records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DeliveryError(SOURCE, name, f"not a readable CSV ({exc})", row=start) from None
    if not records:
        raise DeliveryError(SOURCE, name, "the file is empty")
    header = [cell.strip() for cell in records[0][1]]
    index: dict[str, int] = {}
    for position, column in enumerate(header):
        if column in index:
            raise DeliveryError(SOURCE, name, "column appears twice", row=1, column=column)
        index[column] = position
    for column in EKC_COLUMNS:
        if column not in index:
            raise DeliveryError(SOURCE, name, "required column is missing", row=1, column=column)
    return records, index


def _choice(options: tuple[str, ...]) -> tuple[str, str]:
    return "|".join(re.escape(o) for o in options), f"one of {', '.join(options)}"


_CHECKS: dict[str, tuple[str, str]] = {
    "call_id": (_UUID, "a UUID"),
    "started_at": (_TIMESTAMP, "an ISO-8601 timestamp with a UTC offset"),
    "line": ("117|122", "117 or 122"),
    "ivr_topic": _choice(EKC_TOPICS),
    "caller_oktmo": (r"(?:[0-9]{8})?", "an 8-digit OKTMO code or empty"),
    "answered": ("true|false", "true or false"),
    "wait_sec": (r"[0-9]{1,9}", "a whole number of seconds"),
    "talk_sec": (r"[0-9]{1,9}", "a whole number of seconds"),
    "outcome": _choice(EKC_OUTCOMES),
}


def _storable(value: str) -> str:
    """A rejected value as the quarantine can keep it: PostgreSQL text cannot hold NUL."""
    return value.replace("\x00", "\\x00")


def parse_ekc_csv(content: bytes, name: str, *, day: date | None = None) -> ParsedDelivery:
    """Typed call records of one day's export; bad values become RowRejects with row and column.

    `source_row` is the line a call starts on (header = 1, blank lines counted). With `day`,
    a call that did not start on that local date is rejected (it belongs to another export).
    A repeated call_id is rejected at its second occurrence. Extra columns are ignored.
    """
    records, index = _read_header(content, name)
    width = len(records[0][1])
    rows: list[int] = []
    cells: dict[str, list[str]] = {column: [] for column in EKC_COLUMNS}
    rejects: list[RowReject] = []
    rows_in = 0
    for number, record in records[1:]:
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # a blank line carries no call
        rows_in += 1
        if len(record) != width:
            rejects.append(
                RowReject(
                    SOURCE,
                    name,
                    number,
                    None,
                    _storable(",".join(record)),
                    f"has {len(record)} fields, the header has {width}",
                )
            )
            continue
        rows.append(number)
        for column in EKC_COLUMNS:
            cells[column].append(record[index[column]].strip())

    frame = pd.DataFrame(cells, dtype="str")
    bad: dict[int, tuple[str, str, str]] = {}
    for column in EKC_COLUMNS:
        pattern, what = _CHECKS[column]
        ok = frame[column].str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)
        for i in (~ok).nonzero()[0].tolist():
            if i not in bad:
                value = cells[column][i]
                bad[i] = (column, value, f"{value!r} is not {what}")
    started = pd.to_datetime(
        frame["started_at"].where(~frame.index.isin(list(bad)), None),
        format="ISO8601",
        utc=True,
        errors="coerce",
    ).dt.tz_convert(IRKUTSK_ZONE)
    started = started.dt.as_unit("us")
    for i in np.flatnonzero(started.isna().to_numpy()).tolist():
        if i not in bad:
            value = cells["started_at"][i]
            bad[i] = ("started_at", value, f"{value!r} is not a valid ISO-8601 timestamp")
    # pandas holds years 0 and 10000, but Python dates (the day check below, the load) do
    # not, nor PostgreSQL year 0; the local day of a valid UTC instant can be in year 10000.
    in_utc = started.dt.tz_convert("UTC").dt.year.between(1, 9999)
    storable = (in_utc & started.dt.year.between(1, 9999)).to_numpy(dtype=bool)
    for i in np.flatnonzero(~storable).tolist():
        if i not in bad:
            value = cells["started_at"][i]
            bad[i] = (
                "started_at",
                value,
                f"{value!r} falls outside years 1-9999 (in UTC or Irkutsk time), "
                "not a date that can be stored",
            )
    if day is not None:
        for i, moment in enumerate(started.tolist()):
            if i not in bad and moment.date() != day:
                bad[i] = (
                    "started_at",
                    cells["started_at"][i],
                    f"the call started on {moment.date().isoformat()}, "
                    f"not on the export's day {day.isoformat()}",
                )
    first_seen: dict[str, int] = {}
    for i, call_id in enumerate(frame["call_id"].str.lower().tolist()):
        if i in bad:
            continue
        if call_id in first_seen:
            bad[i] = ("call_id", cells["call_id"][i], f"repeats row {first_seen[call_id]}")
        else:
            first_seen[call_id] = rows[i]

    for i, (column, value, reason) in bad.items():
        rejects.append(RowReject(SOURCE, name, rows[i], column, _storable(value), reason))
    rejects.sort(key=lambda r: r.row)
    keep = ~frame.index.isin(list(bad))
    typed: dict[str, Any] = {
        "call_id": frame["call_id"].str.lower(),
        "started_at": started,
        "line": pd.to_numeric(frame["line"].where(keep, "0")).astype("int64"),
        "ivr_topic": frame["ivr_topic"],
        "caller_oktmo": frame["caller_oktmo"].mask(frame["caller_oktmo"] == ""),
        "answered": frame["answered"] == "true",
        "wait_sec": pd.to_numeric(frame["wait_sec"].where(keep, "0")).astype("int64"),
        "talk_sec": pd.to_numeric(frame["talk_sec"].where(keep, "0")).astype("int64"),
        "outcome": frame["outcome"],
    }
    result = pd.DataFrame(typed, index=frame.index).loc[keep].reset_index(drop=True)
    result["answered"] = result["answered"].astype(bool)
    result["source_row"] = pd.Series([rows[i] for i in frame.index[keep]], dtype="int64")
    return ParsedDelivery(SOURCE, name, rows_in=rows_in, records=result, rejects=rejects)
