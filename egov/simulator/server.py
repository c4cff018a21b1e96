"""Loopback HTTP servers that serve a simulated world as the real ЕПГУ API and ЕКЦ platform do.

Both follow sources.md (sections 1 and 4) byte for byte where it matters to a client: paths,
parameters, auth, status codes, bodies. A server only serves what has "happened" by its clock
(real time, or a fixed `as_of` moment tests can move), and a `FaultPlan` makes it misbehave the
way the real systems do: rate limits, 5xx, slow answers, expiring cursors, nightly maintenance,
or a deterministic script of forced answers. Faults and clock can be changed at runtime through
a loopback-only admin endpoint (`/_sim/faults`, `/_sim/clock`).

Standard library only (`http.server.ThreadingHTTPServer`); the secrets are compared in constant
time and never logged.
"""

from __future__ import annotations

import base64
import binascii
import copy
import dataclasses
import hmac
import ipaddress
import json
import logging
import math
import random
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import numpy as np
import numpy.typing as npt
from pydantic import SecretStr

from egov.errors import EgovError
from egov.settings import (
    DEFAULT_EKC_PORT,
    DEFAULT_EPGU_PORT,
    SIMULATOR_EKC_PASSWORD,
    SIMULATOR_EKC_USER,
    SIMULATOR_EPGU_TOKEN,
)
from egov.simulator.store import EkcStore, EpguStore
from egov.sources.contract import EKC_FIRST_DAY, EKC_OUTCOMES, EKC_TOPICS, EPGU_STATUSES, IRKUTSK

log = logging.getLogger("egov.simulator")

APPLICATIONS_PATH = "/api/v1/applications"
EXPORT_PATH = "/export/calls"
DEFAULT_PAGE_LIMIT = 1000
"""Page size when a request gives no `limit` (the contract always sends one)."""
MAX_PAGE_LIMIT = 5000
LOCAL_OFFSET_SEC = 8 * 3600
LOCAL_SUFFIX = "+08:00"

ServerName = Literal["epgu", "ekc"]
ScriptStep = int | str
"""A forced answer: an HTTP status (200 = answer normally) or "slow" (wait, then answer)."""

_ERROR_STATUSES = frozenset({400, 401, 403, 404, 408, 410, 429, 500, 502, 503, 504})
_MAINTENANCE = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})")


class SimulatorError(EgovError):
    """The simulator cannot start (world folder incomplete, port taken, bad settings)."""


# --- clock and faults -------------------------------------------------------------------


class SimClock:
    """The servers' "now": real time, or a fixed moment (`as_of`) that tests can set and move."""

    def __init__(self, as_of: datetime | None = None):
        self._lock = threading.Lock()
        self._as_of: datetime | None = None
        self.set(as_of)

    def now(self) -> datetime:
        """The current simulated moment (aware)."""
        with self._lock:
            return self._as_of if self._as_of is not None else datetime.now(UTC)

    @property
    def fixed(self) -> bool:
        """Whether the clock stands at a fixed moment."""
        with self._lock:
            return self._as_of is not None

    def set(self, as_of: datetime | None) -> None:
        """Stand at `as_of` (aware), or follow real time again with None."""
        if as_of is not None and as_of.utcoffset() is None:
            raise ValueError(f"as_of must be timezone-aware, got {as_of.isoformat()}")
        with self._lock:
            self._as_of = as_of

    def advance(self, delta: timedelta) -> None:
        """Move a fixed clock forward (used as a fake `sleep` in tests)."""
        with self._lock:
            if self._as_of is None:
                raise ValueError("only a fixed clock can be advanced")
            self._as_of = self._as_of + delta


def _maintenance_window(text: str | None) -> tuple[clock_time, clock_time] | None:
    if text is None:
        return None
    match = _MAINTENANCE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"nightly_maintenance must look like '03:00-03:30', got {text!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError(f"nightly_maintenance has an impossible time: {text!r}")
    return clock_time(h1, m1), clock_time(h2, m2)


def _check_rate(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be within 0..1, got {value}")


@dataclass
class FaultPlan:
    """How a server misbehaves; every knob off by default except the 10-minute cursor lifetime.

    `script` is consumed one step per (non-admin) request and, while not empty, replaces the
    random faults and maintenance: an int forces that HTTP status (200 = answer normally),
    "slow" waits `slow_sec` and then answers normally. Random faults draw from
    `random.Random(seed)`. `nightly_maintenance` ("03:00-03:30", local time of the server clock,
    may wrap midnight) answers 503 with a Retry-After to the end of the window.
    """

    rate_limit_rate: float = 0.0
    retry_after_sec: int = 1
    error_rate: float = 0.0
    error_codes: tuple[int, ...] = (500, 502, 503)
    slow_rate: float = 0.0
    slow_sec: float = 5.0
    cursor_ttl_sec: float = 600.0
    nightly_maintenance: str | None = None
    script: list[ScriptStep] = field(default_factory=list)
    seed: int = 0

    def __post_init__(self) -> None:
        _check_rate("rate_limit_rate", self.rate_limit_rate)
        _check_rate("error_rate", self.error_rate)
        _check_rate("slow_rate", self.slow_rate)
        if self.retry_after_sec < 0 or self.slow_sec < 0 or self.cursor_ttl_sec < 0:
            raise ValueError("retry_after_sec, slow_sec and cursor_ttl_sec must not be negative")
        self.error_codes = tuple(self.error_codes)
        if not self.error_codes or any(c not in (500, 502, 503, 504) for c in self.error_codes):
            raise ValueError(f"error_codes must be among 500, 502, 503, 504: {self.error_codes}")
        _maintenance_window(self.nightly_maintenance)
        self.script = list(self.script)
        for step in self.script:
            if step != "slow" and not (
                isinstance(step, int) and (step == 200 or step in _ERROR_STATUSES)
            ):
                raise ValueError(
                    f"script step {step!r} is neither 'slow', 200 nor one of "
                    f"{', '.join(str(s) for s in sorted(_ERROR_STATUSES))}"
                )

    def to_json(self) -> dict[str, Any]:
        """The plan as a JSON-ready mapping (what GET /_sim/faults returns)."""
        data = dataclasses.asdict(self)
        data["error_codes"] = list(self.error_codes)
        return data

    def updated(self, changes: Mapping[str, Any]) -> FaultPlan:
        """A copy with `changes` (JSON values) applied; ValueError on an unknown or bad knob."""
        known = {f.name: f for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise ValueError(f"unknown fault knob(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, value in changes.items():
            if name in ("error_codes", "script"):
                if not isinstance(value, list | tuple):
                    raise ValueError(f"{name} must be a list")
                value = tuple(value) if name == "error_codes" else list(value)
            elif name == "nightly_maintenance":
                if value is not None and not isinstance(value, str):
                    raise ValueError("nightly_maintenance must be a string like '03:00-03:30'")
            elif name in ("retry_after_sec", "seed"):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(f"{name} must be a whole number")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number")
            values[name] = value
        return dataclasses.replace(copy.deepcopy(self), **values)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultPlan:
        """A plan from a JSON mapping of knobs (unset knobs keep their defaults)."""
        return cls().updated(data)


@dataclass(frozen=True)
class _Decision:
    status: int | None = None
    delay: float = 0.0
    retry_after: int | None = None
    reason: str = ""


class _FaultState:
    """A server's live fault plan with its random generator, safe across handler threads."""

    def __init__(self, plan: FaultPlan):
        self._lock = threading.Lock()
        self._plan = copy.deepcopy(plan)
        self._rng = random.Random(plan.seed)  # noqa: S311 - fault draws, not security

    @property
    def plan(self) -> FaultPlan:
        with self._lock:
            return copy.deepcopy(self._plan)

    def replace(self, plan: FaultPlan) -> None:
        with self._lock:
            if plan.seed != self._plan.seed:
                self._rng = random.Random(plan.seed)  # noqa: S311 - fault draws, not security
            self._plan = copy.deepcopy(plan)

    def update(self, changes: Mapping[str, Any]) -> FaultPlan:
        with self._lock:
            plan = self._plan.updated(changes)
            if "seed" in changes:
                self._rng = random.Random(plan.seed)  # noqa: S311 - fault draws, not security
            self._plan = plan
            return copy.deepcopy(plan)

    def decide(self, now: datetime) -> _Decision:
        """What to do with the next request, consuming a script step or drawing random faults."""
        with self._lock:
            plan = self._plan
            if plan.script:
                step = plan.script.pop(0)
                if step == "slow":
                    return _Decision(delay=plan.slow_sec, reason="scripted slow answer")
                assert isinstance(step, int)
                if step == 200:
                    return _Decision()
                retry_after = plan.retry_after_sec if step == 429 else None
                return _Decision(step, retry_after=retry_after, reason="scripted")
            window = _maintenance_window(plan.nightly_maintenance)
            if window is not None:
                remaining = _seconds_left_in(window, now.astimezone(IRKUTSK))
                if remaining is not None:
                    return _Decision(503, retry_after=remaining, reason="nightly maintenance")
            delay = 0.0
            if plan.slow_rate and self._rng.random() < plan.slow_rate:
                delay = plan.slow_sec
            if plan.rate_limit_rate and self._rng.random() < plan.rate_limit_rate:
                return _Decision(429, delay, plan.retry_after_sec, "rate limit")
            if plan.error_rate and self._rng.random() < plan.error_rate:
                return _Decision(self._rng.choice(plan.error_codes), delay, reason="random error")
            return _Decision(delay=delay)


def _seconds_left_in(window: tuple[clock_time, clock_time], local: datetime) -> int | None:
    """Whole seconds until the maintenance window ends, or None when `local` is outside it."""
    begin, end = window
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    for base in (day - timedelta(days=1), day):
        start = base.replace(hour=begin.hour, minute=begin.minute)
        stop = base.replace(hour=end.hour, minute=end.minute)
        if stop <= start:
            stop += timedelta(days=1)  # the window wraps midnight
        if start <= local < stop:
            return max(1, math.ceil((stop - local).total_seconds()))
    return None


# --- responses and the shared handler ---------------------------------------------------


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


def _json_response(status: int, payload: Any, *headers: tuple[str, str]) -> _Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return _Response(status, body, "application/json; charset=utf-8", headers)


def _text_response(status: int, text: str, *headers: tuple[str, str]) -> _Response:
    return _Response(status, text.encode("utf-8"), "text/plain; charset=utf-8", headers)


class _App:
    """What one server answers; the handler adds faults, admin and transport around it."""

    name: ServerName

    def error(self, status: int, message: str, *headers: tuple[str, str]) -> _Response:
        raise NotImplementedError

    def handle(self, path: str, query: dict[str, list[str]], headers: Any) -> _Response:
        raise NotImplementedError


class _SimHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer carrying the app, its faults, the clock and a stop signal."""

    daemon_threads = True
    block_on_close = False  # a handler sleeping for a "slow" fault must not delay shutdown

    def __init__(self, address: tuple[str, int], app: _App, faults: _FaultState, clock: SimClock):
        self.app = app
        self.faults = faults
        self.clock = clock
        self.stopping = threading.Event()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a failed request through `logging` (the stdlib default prints to stderr)."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            # A client that hung up or idled out: routine with timeouts and keep-alive.
            log.debug("%s: connection from %s dropped", self.app.name, client_address[0])
            return
        log.exception("%s simulator: request from %s failed", self.app.name, client_address[0])


def _is_loopback(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


class _Handler(BaseHTTPRequestHandler):
    """Routes admin requests, applies the fault plan, and writes the app's answer."""

    protocol_version = "HTTP/1.1"  # keep-alive: a client pages through one connection
    # Headers and body go out in separate writes; with Nagle on, the body waits for the
    # client's delayed ACK (~40 ms a request).
    disable_nagle_algorithm = True
    timeout = 60  # close idle keep-alive connections eventually
    server: _SimHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        # The request line holds path and query only; headers (the credentials) are never logged.
        log.debug("%s %s: %s", self.server.app.name, self.address_string(), format % args)

    def do_GET(self) -> None:
        """Answer a GET: admin reads, or the API with faults applied."""
        url = urlsplit(self.path)
        if url.path.startswith("/_sim/"):
            self._send(self._admin("GET", url.path, b""))
            return
        server = self.server
        decision = server.faults.decide(server.clock.now())
        if decision.delay:
            server.stopping.wait(decision.delay)
        if decision.status is not None:
            extra = (
                ()
                if decision.retry_after is None
                else (("Retry-After", str(decision.retry_after)),)
            )
            message = f"{HTTPStatus(decision.status).phrase} ({decision.reason})"
            self._send(server.app.error(decision.status, message, *extra))
            return
        query = parse_qs(url.query, keep_blank_values=True)
        self._send(server.app.handle(url.path, query, self.headers))

    def do_POST(self) -> None:
        """Only the admin endpoints accept POST."""
        url = urlsplit(self.path)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= 65536:
            self._send(_json_response(400, {"error": "Content-Length must be 0..65536"}))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        if not url.path.startswith("/_sim/"):
            self._send(self.server.app.error(405, "method not allowed", ("Allow", "GET")))
            return
        self._send(self._admin("POST", url.path, body))

    def _admin(self, method: str, path: str, body: bytes) -> _Response:
        if not _is_loopback(self.client_address[0]):
            return _json_response(403, {"error": "the admin endpoint only answers loopback"})
        server = self.server
        try:
            changes = json.loads(body) if body else {}
            if not isinstance(changes, dict):
                raise ValueError("the body must be a JSON object")
            if path == "/_sim/faults":
                plan = server.faults.update(changes) if method == "POST" else server.faults.plan
                return _json_response(200, plan.to_json())
            if path == "/_sim/clock":
                if method == "POST":
                    if "as_of" not in changes:
                        raise ValueError("the body needs 'as_of' (ISO-8601 with offset, or null)")
                    raw = changes["as_of"]
                    server.clock.set(None if raw is None else datetime.fromisoformat(raw))
                return _json_response(
                    200, {"now": server.clock.now().isoformat(), "fixed": server.clock.fixed}
                )
        except (TypeError, ValueError) as exc:
            return _json_response(400, {"error": str(exc)})
        return _json_response(404, {"error": f"no admin endpoint {path}"})

    def _send(self, response: _Response) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. its read timeout fired during a "slow" fault).
            self.close_connection = True


# --- epgu ---------------------------------------------------------------------------------


def _parse_moment(name: str, values: list[str] | None) -> datetime:
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


def _local_strings(seconds: npt.NDArray[np.int64]) -> list[str]:
    """Unix seconds as '2024-03-05T10:22:31+08:00' strings (vectorised)."""
    local = (seconds + LOCAL_OFFSET_SEC).astype("datetime64[s]")
    return [s + LOCAL_SUFFIX for s in np.datetime_as_string(local, unit="s").tolist()]


class EpguApp(_App):
    """The ЕПГУ applications API over an EpguStore."""

    name: ServerName = "epgu"

    def __init__(self, store: EpguStore, token: str, clock: SimClock, faults: _FaultState):
        self.store = store
        self._expected = f"Bearer {token}".encode()
        self.clock = clock
        self.faults = faults
        self._updated = np.asarray(store.updated_at, dtype=np.int64)
        # Dictionary values are JSON-encoded once, so a page is plain string assembly.
        self._service_json = np.array([json.dumps(c) for c in store.service_codes], dtype=object)
        self._oktmo_json = np.array([json.dumps(c) for c in store.oktmos], dtype=object)
        self._status_json = np.array([json.dumps(s) for s in EPGU_STATUSES], dtype=object)

    def error(self, status: int, message: str, *headers: tuple[str, str]) -> _Response:
        """A JSON error body, as the API sends."""
        return _json_response(status, {"error": message}, *headers)

    def handle(self, path: str, query: dict[str, list[str]], headers: Any) -> _Response:
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
        if not values:
            return DEFAULT_PAGE_LIMIT
        text = values[0]
        if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE_LIMIT:
            raise ValueError(
                f"limit must be a whole number within 1..{MAX_PAGE_LIMIT}, got {text!r}"
            )
        return int(text)

    def _offset(self, values: list[str] | None, window: list[float]) -> int:
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

    def _page(self, window: list[float], offset: int, limit: int) -> _Response:
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
        return _Response(200, body.encode("utf-8"), "application/json; charset=utf-8")

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
                _local_strings(submitted),
                _local_strings(np.asarray(s.updated_at[first:last], dtype=np.int64)),
                self._status_json[s.status[first:last]].tolist(),
                visit,
                strict=True,
            )
        ]


class _CursorExpiredError(Exception):
    """The cursor outlived the plan's cursor_ttl_sec."""


# --- ekc ----------------------------------------------------------------------------------

EKC_HEADER = "call_id,started_at,line,ivr_topic,caller_oktmo,answered,wait_sec,talk_sec,outcome"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class EkcApp(_App):
    """The ЕКЦ platform's daily call export over an EkcStore."""

    name: ServerName = "ekc"

    def __init__(self, store: EkcStore, user: str, password: str, clock: SimClock):
        if store.call_uuid.dtype.itemsize != 16:
            raise SimulatorError(f"ekc call_uuid must hold 16 bytes, not {store.call_uuid.dtype}")
        self.store = store
        self._user = user.encode()
        self._password = password.encode()
        self.clock = clock
        self._started = np.asarray(store.started_at, dtype=np.int64)
        self._topics = np.array(EKC_TOPICS, dtype=object)
        self._outcomes = np.array(EKC_OUTCOMES, dtype=object)
        # Index -1 (no municipality named) maps to the last entry: an empty cell.
        self._oktmos = np.array([*store.oktmos, ""], dtype=object)

    def error(self, status: int, message: str, *headers: tuple[str, str]) -> _Response:
        """A plain-text error body."""
        return _text_response(status, message + "\n", *headers)

    def _authorised(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:], validate=True).partition(b":")
        except (binascii.Error, ValueError):
            return False
        # Both comparisons always run: the answer's timing says nothing about which one failed.
        user_ok = hmac.compare_digest(user, self._user)
        password_ok = hmac.compare_digest(password, self._password)
        return user_ok and password_ok

    def handle(self, path: str, query: dict[str, list[str]], headers: Any) -> _Response:
        """Serve GET /export/calls?date=YYYY-MM-DD."""
        if path != EXPORT_PATH:
            return self.error(404, f"no such endpoint: {path}")
        if not self._authorised(headers.get("Authorization")):
            return self.error(
                401,
                "authentication required",
                ("WWW-Authenticate", 'Basic realm="ekc", charset="UTF-8"'),
            )
        values = query.get("date")
        text = values[0] if values else ""
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            day = date.fromisoformat(text)
        except ValueError:
            return self.error(400, f"date must be YYYY-MM-DD, got {text!r}")
        today = self.clock.now().astimezone(IRKUTSK).date()
        if day < EKC_FIRST_DAY or day > today:
            return self.error(404, f"no export for {day.isoformat()}")
        return _Response(200, self.export(day).encode("utf-8"), "text/csv; charset=utf-8")

    def export(self, day: date) -> str:
        """The CSV of calls started on local `day` and recorded by the clock."""
        s = self.store
        begin = int(datetime(day.year, day.month, day.day, tzinfo=IRKUTSK).timestamp())
        lo = int(np.searchsorted(self._started, begin, side="left"))
        hi = int(np.searchsorted(self._started, begin + 86400, side="left"))
        rows = np.arange(lo, hi)
        rows = rows[s.recorded_at[lo:hi] <= math.floor(self.clock.now().timestamp())]
        hexes = s.call_uuid[rows].tobytes().hex()
        ids = [
            f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
            for h in (hexes[32 * i : 32 * i + 32] for i in range(len(rows)))
        ]
        lines = [EKC_HEADER]
        lines.extend(
            f"{call_id},{started},{line},{topic},{oktmo},{answered},{wait},{talk},{outcome}"
            for call_id, started, line, topic, oktmo, answered, wait, talk, outcome in zip(
                ids,
                _local_strings(np.asarray(s.started_at[rows], dtype=np.int64)),
                s.line[rows].tolist(),
                self._topics[s.topic[rows]].tolist(),
                self._oktmos[s.oktmo_idx[rows]].tolist(),
                np.where(s.answered[rows], "true", "false").tolist(),
                s.wait_sec[rows].tolist(),
                s.talk_sec[rows].tolist(),
                self._outcomes[s.outcome[rows]].tolist(),
                strict=True,
            )
        )
        return "\n".join(lines) + "\n"


# --- running the servers ------------------------------------------------------------------


def _secret(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


class SimulatorServers:
    """Both servers on background threads; a context manager. Port 0 picks a free port."""

    def __init__(
        self,
        epgu_store: EpguStore | None,
        ekc_store: EkcStore | None,
        *,
        host: str = "127.0.0.1",
        epgu_port: int = 0,
        ekc_port: int = 0,
        epgu_faults: FaultPlan | None = None,
        ekc_faults: FaultPlan | None = None,
        clock: SimClock | None = None,
        token: str | SecretStr = SIMULATOR_EPGU_TOKEN,
        ekc_user: str | SecretStr = SIMULATOR_EKC_USER,
        ekc_password: str | SecretStr = SIMULATOR_EKC_PASSWORD,
    ):
        self.host = host
        self.clock = clock or SimClock()
        self._faults: dict[ServerName, _FaultState] = {
            "epgu": _FaultState(epgu_faults or FaultPlan()),
            "ekc": _FaultState(ekc_faults or FaultPlan()),
        }
        self._apps: dict[ServerName, _App] = {}
        if epgu_store is not None:
            self._apps["epgu"] = EpguApp(
                epgu_store, _secret(token), self.clock, self._faults["epgu"]
            )
        if ekc_store is not None:
            self._apps["ekc"] = EkcApp(
                ekc_store, _secret(ekc_user), _secret(ekc_password), self.clock
            )
        self._ports: dict[ServerName, int] = {"epgu": epgu_port, "ekc": ekc_port}
        self._servers: dict[ServerName, _SimHTTPServer] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> SimulatorServers:
        """Bind and serve; raises SimulatorError when a port cannot be bound."""
        try:
            for name, app in self._apps.items():
                address = (self.host, self._ports[name])
                try:
                    server = _SimHTTPServer(address, app, self._faults[name], self.clock)
                except OSError as exc:
                    raise SimulatorError(
                        f"{name} simulator cannot listen on {self.host}:{self._ports[name]}: {exc}"
                    ) from None
                self._servers[name] = server
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.05},  # shutdown() waits up to one interval
                    name=f"egov-sim-{name}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)
                log.info("%s simulator listening on %s", name, self.url(name))
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop serving and close the sockets (idempotent)."""
        for server in self._servers.values():
            server.stopping.set()
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> SimulatorServers:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def url(self, name: ServerName) -> str:
        """Base URL of a running server."""
        if name not in self._servers:
            raise SimulatorError(f"the {name} simulator is not running")
        address = self._servers[name].server_address
        host, port = str(address[0]), address[1]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    @property
    def epgu_url(self) -> str:
        """Base URL of the ЕПГУ API simulator."""
        return self.url("epgu")

    @property
    def ekc_url(self) -> str:
        """Base URL of the ЕКЦ platform simulator."""
        return self.url("ekc")

    def faults(self, name: ServerName) -> FaultPlan:
        """A copy of a server's current fault plan."""
        return self._faults[name].plan

    def set_faults(self, name: ServerName, plan: FaultPlan | None = None, **changes: Any) -> None:
        """Replace a server's fault plan, or change some of its knobs."""
        if plan is not None:
            self._faults[name].replace(plan)
        if changes:
            self._faults[name].update(changes)


def _announcement(
    servers: SimulatorServers, epgu: EpguStore, ekc: EkcStore, as_of: datetime | None
) -> list[str]:
    """What an operator needs to point the connectors at the servers (no credentials)."""
    lines = [
        f"ЕПГУ API:    {servers.epgu_url}{APPLICATIONS_PATH} ({len(epgu):,} application events)",
        f"ЕКЦ export:  {servers.ekc_url}{EXPORT_PATH}?date=YYYY-MM-DD ({len(ekc):,} calls)",
        "clock:       "
        + (f"fixed at {as_of.astimezone(IRKUTSK).isoformat()}" if as_of else "real time"),
    ]
    defaults = FaultPlan().to_json()
    for name in ("epgu", "ekc"):
        changed = {k: v for k, v in servers.faults(name).to_json().items() if v != defaults[k]}
        if changed:
            shown = ", ".join(f"{k}={v}" for k, v in changed.items())
            lines.append(f"{name} faults: {shown}")
    lines.append("admin:       GET/POST /_sim/faults and /_sim/clock (loopback only); Ctrl+C stops")
    return lines


def serve_forever(
    world_dir: Path,
    host: str = "127.0.0.1",
    epgu_port: int = DEFAULT_EPGU_PORT,
    ekc_port: int = DEFAULT_EKC_PORT,
    faults: FaultPlan | None = None,
    as_of: datetime | None = None,
    token: str | SecretStr = SIMULATOR_EPGU_TOKEN,
    ekc_user: str | SecretStr = SIMULATOR_EKC_USER,
    ekc_password: str | SecretStr = SIMULATOR_EKC_PASSWORD,
    *,
    epgu_faults: FaultPlan | None = None,
    ekc_faults: FaultPlan | None = None,
    announce: Callable[[str], None] | None = None,
    ready: Callable[[SimulatorServers], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve a generated world until `stop` is set or the process is interrupted.

    `faults` applies to both servers (each gets its own copy) unless `epgu_faults`/`ekc_faults`
    override it for one; `as_of` fixes the clock (None = real time; a naive value is Irkutsk
    local time). Once both servers listen, `announce` gets one human-readable line per fact
    (URLs, clock, faults; never a credential) and `ready` gets the running servers.
    """
    if as_of is not None and as_of.utcoffset() is None:
        as_of = as_of.replace(tzinfo=IRKUTSK)
    try:
        epgu_store = EpguStore.load(world_dir)
        ekc_store = EkcStore.load(world_dir)
    except (FileNotFoundError, KeyError) as exc:
        raise SimulatorError(
            f"{world_dir} is not a complete simulated world ({exc}); "
            "generate one with `egov sources generate`"
        ) from None
    if not _is_loopback(host) and host != "localhost":
        log.warning("the simulator listens on %s, not only on loopback", host)
    servers = SimulatorServers(
        epgu_store,
        ekc_store,
        host=host,
        epgu_port=epgu_port,
        ekc_port=ekc_port,
        epgu_faults=epgu_faults or faults,
        ekc_faults=ekc_faults or faults,
        clock=SimClock(as_of),
        token=token,
        ekc_user=ekc_user,
        ekc_password=ekc_password,
    )
    log.info("serving %s: %d epgu events, %d ekc calls", world_dir, len(epgu_store), len(ekc_store))
    with servers:
        if announce is not None:
            for line in _announcement(servers, epgu_store, ekc_store, as_of):
                announce(line)
        if ready is not None:
            ready(servers)
        waiter = stop or threading.Event()
        try:
            while not waiter.wait(0.5):
                pass
        except KeyboardInterrupt:
            log.info("simulator interrupted; shutting down")
