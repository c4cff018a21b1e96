"""ЕПГУ statistics API client: window planning and paged fetching with cursor restarts.

The API returns the applications created or changed in a half-open `[updated_from, updated_to)`
window, page by page through an opaque cursor that expires (410): an expired cursor restarts the
whole window, so a window is only ever returned complete. Pages are kept byte-exact for the raw
landing zone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests
from pydantic import SecretStr

from egov.sources.contract import IRKUTSK
from egov.sources.epgu.parse import SOURCE, load_page
from egov.sources.http import (
    CursorExpiredError,
    HttpSourceClient,
    RetryPolicy,
    SourceUnavailableError,
    get_with_retries,
)
from egov.sources.records import DeliveryError

log = logging.getLogger("egov.sources")


APPLICATIONS_PATH = "/api/v1/applications"


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
                payload = load_page(page.content, page.name)
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
