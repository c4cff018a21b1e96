"""ЕПГУ API pages into typed records: one page's items, row-level rejects, or a DeliveryError."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from egov.sources.contract import EPGU_STATUSES, IRKUTSK_ZONE
from egov.sources.records import DeliveryError, ParsedDelivery, RowReject

SOURCE = "epgu"
EPGU_COLUMNS = (
    "application_id",
    "service_code",
    "target_oktmo",
    "submitted_at",
    "updated_at",
    "status",
    "requires_visit",
)
"""Item fields, in the order they are checked (the first bad one is the one reported)."""


def load_page(content: bytes, name: str) -> dict[str, Any]:
    """The page's JSON object, with `items` a list and a `next_cursor` key, or a DeliveryError."""
    try:
        payload = json.loads(content)
    except (UnicodeDecodeError, ValueError) as exc:
        raise DeliveryError(SOURCE, name, f"not valid JSON ({exc})") from None
    if not isinstance(payload, dict):
        raise DeliveryError(SOURCE, name, "the page is not a JSON object")
    if "items" not in payload:
        raise DeliveryError(SOURCE, name, "the page has no 'items'")
    if not isinstance(payload["items"], list):
        raise DeliveryError(SOURCE, name, "'items' is not a list")
    if "next_cursor" not in payload:
        raise DeliveryError(SOURCE, name, "the page has no 'next_cursor'")
    return payload


_MISSING: Any = object()
# [0-9], not \d: \d also matches other scripts' digits, which are no part of the API's format.
_TIMESTAMP = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_PATTERNS = {
    # NUL and lone surrogates excluded: PostgreSQL text cannot hold them (the load would fail).
    "application_id": (
        r"[^\s\x00\ud800-\udfff](?:[^\n\x00\ud800-\udfff]*[^\s\x00\ud800-\udfff])?",
        "a non-empty identifier",
    ),
    "service_code": (r"[0-9]{19}", "a 19-digit service code"),
    "target_oktmo": (r"[0-9]{8}", "an 8-digit OKTMO code"),
}
BoolArray = npt.NDArray[np.bool_]
_COMPILED = {column: re.compile(pattern) for column, (pattern, _) in _PATTERNS.items()}
_TIMESTAMP_RE = re.compile(_TIMESTAMP)
_STATUS_SET = frozenset(EPGU_STATUSES)


def _within_years_1_to_9999(stamps: pd.Series) -> BoolArray:
    """Mask of the UTC timestamps whose year is within 1..9999 both in UTC and in Irkutsk."""
    # pandas holds years 0 and 10000, but Python dates (load, local day) do not, nor
    # PostgreSQL year 0; the local day of a valid UTC instant can still be in year 10000.
    local = stamps.dt.tz_convert(IRKUTSK_ZONE)
    ok: BoolArray = (stamps.dt.year.between(1, 9999) & local.dt.year.between(1, 9999)).to_numpy(
        dtype=bool, na_value=False
    )
    return ok


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a string"


def _is_not(what: str) -> Callable[[Any], str]:
    return lambda value: f"{value!r} is not {what}"


def _as_text(value: Any) -> str | None:
    if value is _MISSING or value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    # Shown as escapes: the quarantine (jsonb) cannot store NUL or a lone surrogate.
    text = text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= 500 else text[:497] + "..."


class _Rejections:
    """First failure per item: column, offending value (as text) and reason."""

    def __init__(self, n: int):
        self.bad = np.zeros(n, dtype=bool)
        self.found: dict[int, tuple[str | None, str | None, str]] = {}

    def add(
        self,
        mask: BoolArray,
        column: str | None,
        values: list[Any],
        reason: Callable[[Any], str],
    ) -> None:
        """Record `reason(value)` for items in `mask` not rejected yet."""
        fresh = mask & ~self.bad
        for i in np.flatnonzero(fresh).tolist():
            value = values[i]
            self.found[i] = (column, _as_text(value), reason(value))
        self.bad |= fresh


def _string_column(
    values: list[Any], column: str, rejections: _Rejections
) -> tuple[pd.Series, BoolArray]:
    """(strings with "" for non-strings, mask of items whose value is a string)."""
    n = len(values)
    missing = np.fromiter((v is _MISSING for v in values), dtype=bool, count=n)
    is_str = np.fromiter((type(v) is str for v in values), dtype=bool, count=n)
    rejections.add(missing, column, values, lambda v: "field is missing")
    rejections.add(~is_str, column, values, lambda v: f"expected a string, got {_json_type(v)}")
    text = pd.Series([v if type(v) is str else "" for v in values], dtype="str")
    return text, is_str


def _clean_columns(items: list[Any]) -> dict[str, Any] | None:
    """Typed columns of a page whose every item is valid (the common case), else None.

    Checks whole columns with C-level loops instead of item by item; any doubt (a missing
    field, a wrong type, a value failing its pattern) returns None and the page takes the
    item-by-item path, which finds and words each reject.
    """
    if not items or set(map(type, items)) != {dict}:
        return None
    try:
        columns = {column: list(map(itemgetter(column), items)) for column in EPGU_COLUMNS}
    except KeyError:
        return None
    typed: dict[str, Any] = {}
    for column, values in columns.items():
        if column == "requires_visit":
            if set(map(type, values)) != {bool}:
                return None
            typed[column] = pd.Series(np.array(values, dtype=bool))
            continue
        if set(map(type, values)) != {str}:
            return None
        if column in _COMPILED:
            if not all(map(_COMPILED[column].fullmatch, values)):
                return None
            typed[column] = pd.Series(values, dtype="str")
        elif column == "status":
            if not _STATUS_SET.issuperset(values):
                return None
            typed[column] = pd.Series(values, dtype="str")
        else:  # submitted_at, updated_at
            if not all(map(_TIMESTAMP_RE.fullmatch, values)):
                return None
            stamps = pd.to_datetime(
                pd.Series(values, dtype="str"), format="ISO8601", utc=True, errors="coerce"
            )
            if stamps.isna().any() or not _within_years_1_to_9999(stamps).all():
                return None
            typed[column] = stamps.dt.tz_convert(IRKUTSK_ZONE).dt.as_unit("us")
    return typed


def parse_epgu_page(content: bytes, name: str) -> ParsedDelivery:
    """Typed records of one API page; a bad item becomes a RowReject, a bad page a DeliveryError.

    `source_row` is the 1-based position of the item on the page. Timestamps are tz-aware in
    Irkutsk local time.
    """
    items: list[Any] = load_page(content, name)["items"]
    n = len(items)
    clean = _clean_columns(items)
    if clean is not None:
        records = pd.DataFrame(clean, index=pd.RangeIndex(n))
        records["source_row"] = np.arange(1, n + 1, dtype=np.int64)
        return ParsedDelivery(SOURCE, name, rows_in=n, records=records)
    rejections = _Rejections(n)
    is_object = np.fromiter((type(it) is dict for it in items), dtype=bool, count=n)
    rejections.add(~is_object, None, items, lambda v: f"the item is {_json_type(v)}, not an object")
    raw = {
        column: [it.get(column, _MISSING) if type(it) is dict else _MISSING for it in items]
        for column in EPGU_COLUMNS
    }
    typed: dict[str, Any] = {}
    for column in EPGU_COLUMNS:
        values = raw[column]
        if column == "requires_visit":
            missing = np.fromiter((v is _MISSING for v in values), dtype=bool, count=n)
            is_bool = np.fromiter((type(v) is bool for v in values), dtype=bool, count=n)
            rejections.add(missing, column, values, lambda v: "field is missing")
            rejections.add(
                ~is_bool, column, values, lambda v: f"expected true or false, got {_json_type(v)}"
            )
            typed[column] = pd.Series(np.array([v is True for v in values], dtype=bool))
            continue
        text, is_str = _string_column(values, column, rejections)
        if column in _PATTERNS:
            pattern, what = _PATTERNS[column]
            ok = text.str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)
            rejections.add(is_str & ~ok, column, values, _is_not(what))
            typed[column] = text
        elif column == "status":
            ok = text.isin(EPGU_STATUSES).to_numpy(dtype=bool, na_value=False)
            rejections.add(
                is_str & ~ok,
                column,
                values,
                lambda v: f"{v!r} is not one of {', '.join(EPGU_STATUSES)}",
            )
            typed[column] = text
        else:  # submitted_at, updated_at
            shaped = text.str.fullmatch(_TIMESTAMP).to_numpy(dtype=bool, na_value=False)
            stamps = pd.to_datetime(
                text.where(shaped, None), format="ISO8601", utc=True, errors="coerce"
            )
            ok = shaped & stamps.notna().to_numpy(dtype=bool)
            rejections.add(
                is_str & ~ok,
                column,
                values,
                lambda v: f"{v!r} is not an ISO-8601 timestamp with a UTC offset",
            )
            rejections.add(
                ok & ~_within_years_1_to_9999(stamps),
                column,
                values,
                lambda v: (
                    f"{v!r} falls outside years 1-9999 (in UTC or Irkutsk time), "
                    "not a date that can be stored"
                ),
            )
            typed[column] = stamps.dt.tz_convert(IRKUTSK_ZONE).dt.as_unit("us")
    keep = ~rejections.bad
    records = pd.DataFrame(typed, index=pd.RangeIndex(n)).loc[keep].reset_index(drop=True)
    records["source_row"] = np.flatnonzero(keep).astype(np.int64) + 1
    rejects = [
        RowReject(SOURCE, name, i + 1, column, value, reason)
        for i, (column, value, reason) in sorted(rejections.found.items())
    ]
    return ParsedDelivery(SOURCE, name, rows_in=n, records=records, rejects=rejects)
