"""The simulated ЕПГУ applications API (sources.md §1) over an EpguStore."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import math
import time
from datetime import datetime
from typing import Any

import numpy as np

from egov.simulator.clock import SimClock
from egov.simulator.epgu.store import EpguStore
from egov.simulator.faults import FaultState
from egov.simulator.times import LOCAL_OFFSET_SEC, local_strings
from egov.simulator.transport import App, Response, ServerName, json_response
from egov.sources.contract import EPGU_STATUSES

APPLICATIONS_PATH = "/api/v1/applications"
DEFAULT_PAGE_LIMIT = 1000
"""Page size when a request gives no `limit` (the contract always sends one)."""
MAX_PAGE_LIMIT = 5000


def _parse_moment(name: str, values: list[str] | None) -> datetime:
    """A required query timestamp with a UTC offset; ValueError naming the parameter."""
    if not values or not values[0]:
        raise ValueError(f"{name} is required (ISO-8601 with a UTC offset)")
    text = values[0]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        hint = " (a '+' in a query string must be sent as %2B)" if " " in text else ""
        raise ValueError(f"{name}: {text!r} is not an ISO-8601 timestamp{hint}") from None
    if moment.utcoffset() is None:
        raise ValueError(f"{name}: {text!r} has no UTC offset")
    return moment


class _CursorExpiredError(Exception):
    """The cursor outlived the plan's cursor_ttl_sec."""


class EpguApp(App):
    """The ЕПГУ applications API over an EpguStore."""

    name: ServerName = "epgu"

    def __init__(self, store: EpguStore, token: str, clock: SimClock, faults: FaultState):
        self.store = store
        self._expected = f"Bearer {token}".encode()
        self.clock = clock
        self.faults = faults
        self._updated = np.asarray(store.updated_at, dtype=np.int64)
        # Dictionary values are JSON-encoded once, so a page is plain string assembly.
        self._service_json = np.array([json.dumps(c) for c in store.service_codes], dtype=object)
        self._oktmo_json = np.array([json.dumps(c) for c in store.oktmos], dtype=object)
        self._status_json = np.array([json.dumps(s) for s in EPGU_STATUSES], dtype=object)

    def error(self, status: int, message: str, *headers: tuple[str, str]) -> Response:
        """A JSON error body, as the API sends."""
        return json_response(status, {"error": message}, *headers)

    def handle(self, path: str, query: dict[str, list[str]], headers: Any) -> Response:
        """Serve GET /api/v1/applications."""
        if path != APPLICATIONS_PATH:
            return self.error(404, f"no such endpoint: {path}")
        given = headers.get("Authorization")
        if not given:
            return self.error(
                401, "missing bearer token", ("WWW-Authenticate", 'Bearer realm="epgu"')
            )
        if not hmac.compare_digest(given.encode(), self._expected):
            return self.error(401, "invalid token", ("WWW-Authenticate", 'Bearer realm="epgu"'))
        try:
            start = _parse_moment("updated_from", query.get("updated_from"))
            end = _parse_moment("updated_to", query.get("updated_to"))
            limit = self._limit(query.get("limit"))
            if not start < end:
                raise ValueError("updated_from must be before updated_to")
            window = [start.timestamp(), end.timestamp()]
            offset = self._offset(query.get("cursor"), window)
        except _CursorExpiredError as exc:
            return self.error(410, str(exc))
        except ValueError as exc:
            return self.error(400, str(exc))
        return self._page(window, offset, limit)

    @staticmethod
    def _limit(values: list[str] | None) -> int:
        """The page size asked for, within 1..MAX_PAGE_LIMIT."""
        if not values:
            return DEFAULT_PAGE_LIMIT
        text = values[0]
        if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE_LIMIT:
            raise ValueError(
                f"limit must be a whole number within 1..{MAX_PAGE_LIMIT}, got {text!r}"
            )
        return int(text)

    def _offset(self, values: list[str] | None, window: list[float]) -> int:
        """Where a cursor resumes the window: 0 without one; errors for bad or stale cursors."""
        if not values:
            return 0
        try:
            padded = values[0] + "=" * (-len(values[0]) % 4)
            cursor = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            offset, cursor_window, issued_at = (
                cursor["offset"],
                cursor["window"],
                cursor["issued_at"],
            )
            valid = isinstance(offset, int) and offset >= 0 and isinstance(issued_at, int | float)
        except (KeyError, TypeError, ValueError, UnicodeEncodeError, binascii.Error):
            valid = False
        if not valid:
            raise ValueError("invalid cursor")
        if cursor_window != window:
            raise ValueError("the cursor belongs to another updated_from/updated_to window")
        if time.time() - issued_at >= self.faults.plan.cursor_ttl_sec:
            raise _CursorExpiredError("cursor expired: restart the window")
        return int(offset)

    @staticmethod
    def _cursor(offset: int, window: list[float]) -> str:
        """An opaque cursor: offset into the window, the window, and when it was issued."""
        # Expiry runs on real time, not the simulated clock: it models the server's cache.
        payload = {"offset": offset, "window": window, "issued_at": time.time()}
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def window_bounds(self, start: float, end: float) -> tuple[int, int]:
        """Row range of updated_at in [start, end) that has happened by the clock."""
        # updated_at is whole seconds: u >= start <=> u >= ceil(start), and likewise for end.
        upper = min(math.ceil(end), math.floor(self.clock.now().timestamp()) + 1)
        lo = int(np.searchsorted(self._updated, math.ceil(start), side="left"))
        hi = int(np.searchsorted(self._updated, upper, side="left"))
        return lo, max(lo, hi)

    def _page(self, window: list[float], offset: int, limit: int) -> Response:
        """One page of the window's items, its total and the cursor of the next page."""
        lo, hi = self.window_bounds(window[0], window[1])
        first = min(lo + offset, hi)
        last = min(first + limit, hi)
        next_cursor = self._cursor(last - lo, window) if last < hi else None
        body = "".join(
            (
                '{"items":[',
                ",".join(self.serialize(first, last)),
                '],"next_cursor":',
                json.dumps(next_cursor),
                ',"total":',
                str(hi - lo),
                "}",
            )
        )
        return Response(200, body.encode("utf-8"), "application/json; charset=utf-8")

    def serialize(self, first: int, last: int) -> list[str]:
        """Rows [first, last) as JSON item texts, equal to `json.dumps(store.item(i))`."""
        s = self.store
        submitted = np.asarray(s.submitted_at[first:last], dtype=np.int64)
        years = (
            (submitted + LOCAL_OFFSET_SEC).astype("datetime64[s]").astype("datetime64[Y]")
        ).astype(np.int64) + 1970
        visit = np.where(s.requires_visit[first:last], "true", "false").tolist()
        return [
            f'{{"application_id": "EPGU-{year}-{app_no:09d}", "service_code": {service}, '
            f'"target_oktmo": {oktmo}, "submitted_at": "{sub}", "updated_at": "{upd}", '
            f'"status": {status}, "requires_visit": {rv}}}'
            for year, app_no, service, oktmo, sub, upd, status, rv in zip(
                years.tolist(),
                s.app_no[first:last].tolist(),
                self._service_json[s.service_idx[first:last]].tolist(),
                self._oktmo_json[s.oktmo_idx[first:last]].tolist(),
                local_strings(submitted),
                local_strings(np.asarray(s.updated_at[first:last], dtype=np.int64)),
                self._status_json[s.status[first:last]].tolist(),
                visit,
                strict=True,
            )
        ]
