"""Value checks of an МФЦ export's rows, vectorised over each column's distinct values."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from egov.sources.contract import IRKUTSK_ZONE
from egov.sources.mfc.reading import (
    _OKTMO8,
    _OKTMO11,
    _SERVICE_CODE,
    _STAMP,
    ACCEPTED_AT_FORMAT,
    COLUMNS,
    EXAMPLES,
    OPTIONAL_FIELDS,
    RECORD_COLUMNS,
    SOURCE,
    STATUS_KEYS,
    STATUSES,
    BoolArray,
    rows_text,
    text_key,
)
from egov.sources.records import FindingCollector, RowReject


def empty_records() -> pd.DataFrame:
    """A records frame with no rows, typed like a parsed export's."""
    frame = pd.DataFrame({column: pd.Series([], dtype="str") for column in RECORD_COLUMNS})
    frame["accepted_at"] = pd.Series([], dtype=pd.DatetimeTZDtype("us", IRKUTSK_ZONE))
    frame["source_row"] = pd.Series([], dtype="int64")
    return frame


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


def check_rows(
    data: list[list[str]],
    lines: list[int],
    positions: dict[str, int],
    name: str,
    rejects: list[RowReject],
    findings: FindingCollector,
) -> pd.DataFrame:
    """Typed records of rows with the right field count; the failing ones go to rejects."""
    if not data:
        return empty_records()
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
    status = [STATUS_KEYS.get(text_key(t)) for t in status_ru.text]
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


def check_records(records: pd.DataFrame, file_day: date, findings: FindingCollector) -> None:
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
            f"{file_day.isoformat()} ({', '.join(days[:EXAMPLES])}): {rows_text(rows)}",
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
            f"once: {rows_text(rows)}",
            "warning",
            row=rows[0],
            column=COLUMNS["case_id"],
        )
