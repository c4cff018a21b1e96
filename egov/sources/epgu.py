"""ЕПГУ statistics API: window planning, paged fetching with cursor restarts, page parsing.

The API returns the applications created or changed in a half-open `[updated_from, updated_to)`
window, page by page through an opaque cursor that expires (410): an expired cursor restarts the
whole window, so a window is only ever returned complete. Pages are kept byte-exact for the raw
landing zone; `parse_epgu_page` turns one page into typed records and row-level rejects.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any
from urllib.parse import urlencode

import numpy as np
import numpy.typing as npt
import pandas as pd
import requests
from pydantic import SecretStr

from egov.sources.contract import EPGU_STATUSES, IRKUTSK, IRKUTSK_ZONE
from egov.sources.http import (
    CursorExpiredError,
    HttpSourceClient,
    RetryPolicy,
    SourceUnavailableError,
    get_with_retries,
)
from egov.sources.records import DeliveryError, ParsedDelivery, RowReject

log = logging.getLogger("egov.sources")

SOURCE = "epgu"
APPLICATIONS_PATH = "/api/v1/applications"

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

DAY = timedelta(days=1)


def local_iso(moment: datetime) -> str:
    """Irkutsk local ISO-8601 with offset, as short as exact: '2024-03-01T00:00+08:00'."""
    local = moment.astimezone(IRKUTSK)
    if local.microsecond:
        return local.isoformat()
    if local.second:
        return local.isoformat(timespec="seconds")
    return local.isoformat(timespec="minutes")


def describe_window(start: datetime, end: datetime) -> str:
    """'2024-03-01T00:00+08:00..2024-03-02T00:00+08:00' (half-open, local time)."""
    return f"{local_iso(start)}..{local_iso(end)}"


def _require_aware(name: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment.isoformat()}")


def _local_midnight(moment: datetime) -> datetime:
    local = moment.astimezone(IRKUTSK)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def plan_windows(
    high_water_mark: datetime,
    now: datetime,
    *,
    max_window: timedelta = DAY,
    safety_lag: timedelta = timedelta(minutes=5),
) -> list[tuple[datetime, datetime]]:
    """Consecutive half-open windows covering `[high_water_mark, now - safety_lag)`.

    Boundaries fall on local midnights (and, for windows shorter than a day, on multiples of
    `max_window` after midnight), so re-planning from any mark yields the same grid and a window
    never spans two local days unless `max_window` is longer than a day. The end is floored to a
    whole second; the lag leaves room for records the source is still committing. Empty when
    there is nothing to fetch yet.
    """
    _require_aware("high_water_mark", high_water_mark)
    _require_aware("now", now)
    if max_window <= timedelta(0):
        raise ValueError(f"max_window must be positive, got {max_window}")
    if safety_lag < timedelta(0):
        raise ValueError(f"safety_lag must not be negative, got {safety_lag}")
    end = (now - safety_lag).astimezone(IRKUTSK).replace(microsecond=0)
    cursor = high_water_mark.astimezone(IRKUTSK)
    windows: list[tuple[datetime, datetime]] = []
    while cursor < end:
        midnight = _local_midnight(cursor)
        if max_window < DAY:
            steps = (cursor - midnight) // max_window + 1
            boundary = min(midnight + steps * max_window, midnight + DAY)
        else:
            # The last local midnight within reach: whole days, never more than max_window.
            boundary = _local_midnight(cursor + max_window)
        stop = min(boundary, end)
        windows.append((cursor, stop))
        cursor = stop
    return windows


@dataclass(frozen=True)
class EpguPage:
    """One API page exactly as delivered, with the request that produced it (no secrets)."""

    content: bytes
    request_path: str
    page_no: int
    window_start: datetime
    window_end: datetime

    @property
    def name(self) -> str:
        """How messages name this page: 'window <start>..<end> page 3'."""
        return f"window {describe_window(self.window_start, self.window_end)} page {self.page_no}"


class _InconsistentWindowError(Exception):
    """The pages of one pass do not add up to the reported total (data moved while paging)."""


class EpguClient(HttpSourceClient):
    """Client of the ЕПГУ applications API (bearer token, cursor paging, retries)."""

    def __init__(
        self,
        base_url: str,
        token: SecretStr,
        *,
        page_limit: int = 5000,
        timeout: float = 30.0,
        policy: RetryPolicy | None = None,
        max_restarts: int = 3,
        session: requests.Session | None = None,
    ):
        if not 1 <= page_limit <= 5000:
            raise ValueError(f"page_limit must be within 1..5000, got {page_limit}")
        if max_restarts < 0:
            raise ValueError(f"max_restarts must not be negative, got {max_restarts}")
        super().__init__(
            SOURCE, base_url, APPLICATIONS_PATH, timeout=timeout, policy=policy, session=session
        )
        self._token = token
        self.page_limit = page_limit
        self.max_restarts = max_restarts

    def fetch_window(self, start: datetime, end: datetime) -> list[EpguPage]:
        """Every page of `[start, end)`, in order; an expired cursor restarts the window."""
        _require_aware("start", start)
        _require_aware("end", end)
        if not start < end:
            raise ValueError(f"empty window {describe_window(start, end)}")
        context = f"epgu window {describe_window(start, end)}"
        passes = self.max_restarts + 1
        for attempt in range(1, passes + 1):
            try:
                return self._fetch_pass(start, end, context)
            except CursorExpiredError:
                reason = "the paging cursor expired (HTTP 410) before the last page"
            except _InconsistentWindowError as exc:
                reason = str(exc)
            if attempt < passes:
                log.warning("%s: %s; restarting the window from its first page", context, reason)
        raise SourceUnavailableError(
            context, passes, f"{reason}; the window could not be read in one consistent pass"
        )

    def _fetch_pass(self, start: datetime, end: datetime, context: str) -> list[EpguPage]:
        pages: list[EpguPage] = []
        cursor: str | None = None
        received = 0
        total: Any = None
        while True:
            query = {
                "updated_from": start.astimezone(IRKUTSK).isoformat(),
                "updated_to": end.astimezone(IRKUTSK).isoformat(),
                "limit": str(self.page_limit),
            }
            if cursor is not None:
                query["cursor"] = cursor
            request_path = f"{self._path}?{urlencode(query)}"
            response = get_with_retries(
                self._session,
                self._origin + request_path,
                context=context,
                policy=self.policy,
                timeout=self.timeout,
                headers={"Authorization": f"Bearer {self._token.get_secret_value()}"},
                secrets=(self._token.get_secret_value(),),
                auth_hint="check EGOV_EPGU_TOKEN",
            )
            page = EpguPage(response.content, request_path, len(pages) + 1, start, end)
            try:
                payload = _load_page(page.content, page.name)
                items = payload["items"]
                received += len(items)
                total = payload.get("total")
                next_cursor = _next_cursor(payload, page.name, received)
            except DeliveryError as exc:
                # The page is refused before it is landed: hand its bytes on to be kept.
                exc.content = page.content
                raise
            pages.append(page)
            if next_cursor is None:
                break
            cursor = next_cursor
        if isinstance(total, int) and not isinstance(total, bool) and total != received:
            raise _InconsistentWindowError(
                f"the pages hold {received} items but the API reports a total of {total}"
            )
        log.debug("%s: %d items in %d pages", context, received, len(pages))
        return pages


def _next_cursor(payload: dict[str, Any], name: str, received: int) -> str | None:
    """The cursor to the next page of a loaded page, or None after the last; refuses a cursor
    that could page forever."""
    next_cursor = payload["next_cursor"]
    if next_cursor is None:
        return None
    if not isinstance(next_cursor, str) or not next_cursor:
        raise DeliveryError(SOURCE, name, "'next_cursor' is neither a string nor null")
    if not payload["items"]:
        # A cursor with nothing behind it would page forever.
        raise DeliveryError(SOURCE, name, "a page without items has a next_cursor")
    total = payload.get("total")
    if isinstance(total, int) and received > total:
        # More items than announced: a server that never stops would fill memory.
        raise DeliveryError(SOURCE, name, f"the pages hold more than the reported total of {total}")
    return next_cursor


def _load_page(content: bytes, name: str) -> dict[str, Any]:
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


# --- parsing ------------------------------------------------------------------------------

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
    items: list[Any] = _load_page(content, name)["items"]
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
