"""HTTP plumbing shared by the simulated servers: responses, the request handler, admin endpoints.

Standard library only (`http.server.ThreadingHTTPServer`). The handler routes the loopback-only
admin endpoints (`/_sim/faults`, `/_sim/clock`), applies the server's fault plan and writes the
app's answer; an app (epgu/app.py, ekc/app.py) only says what the system answers.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from egov.errors import EgovError
from egov.simulator.clock import SimClock
from egov.simulator.faults import FaultState

log = logging.getLogger("egov.simulator")

ServerName = Literal["epgu", "ekc"]


class SimulatorError(EgovError):
    """The simulator cannot start (world folder incomplete, port taken, bad settings)."""


@dataclass(frozen=True)
class Response:
    """An answer ready to be written: status, body, content type and extra headers."""

    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


def json_response(status: int, payload: Any, *headers: tuple[str, str]) -> Response:
    """A UTF-8 JSON answer (Cyrillic unescaped, as the real API sends)."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(status, body, "application/json; charset=utf-8", headers)


def text_response(status: int, text: str, *headers: tuple[str, str]) -> Response:
    """A UTF-8 plain-text answer."""
    return Response(status, text.encode("utf-8"), "text/plain; charset=utf-8", headers)


class App:
    """What one server answers; the handler adds faults, admin and transport around it."""

    name: ServerName

    def error(self, status: int, message: str, *headers: tuple[str, str]) -> Response:
        """An error answer in the system's own format."""
        raise NotImplementedError

    def handle(self, path: str, query: dict[str, list[str]], headers: Any) -> Response:
        """The answer to a GET that passed the fault plan."""
        raise NotImplementedError


class SimHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer carrying the app, its faults, the clock and a stop signal."""

    daemon_threads = True
    block_on_close = False  # a handler sleeping for a "slow" fault must not delay shutdown

    def __init__(self, address: tuple[str, int], app: App, faults: FaultState, clock: SimClock):
        self.app = app
        self.faults = faults
        self.clock = clock
        self.stopping = threading.Event()
        super().__init__(address, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a failed request through `logging` (the stdlib default prints to stderr)."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            # A client that hung up or idled out: routine with timeouts and keep-alive.
            log.debug("%s: connection from %s dropped", self.app.name, client_address[0])
            return
        log.exception("%s simulator: request from %s failed", self.app.name, client_address[0])


def is_loopback(host: str) -> bool:
    """Whether an address (IPv4, IPv6 or IPv4-mapped, with or without a zone) is loopback."""
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


class Handler(BaseHTTPRequestHandler):
    """Routes admin requests, applies the fault plan, and writes the app's answer."""

    protocol_version = "HTTP/1.1"  # keep-alive: a client pages through one connection
    # Headers and body go out in separate writes; with Nagle on, the body waits for the
    # client's delayed ACK (~40 ms a request).
    disable_nagle_algorithm = True
    timeout = 60  # close idle keep-alive connections eventually
    server: SimHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Log the request line at debug level through `logging`."""
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
            self._send(json_response(400, {"error": "Content-Length must be 0..65536"}))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        if not url.path.startswith("/_sim/"):
            self._send(self.server.app.error(405, "method not allowed", ("Allow", "GET")))
            return
        self._send(self._admin("POST", url.path, body))

    def _admin(self, method: str, path: str, body: bytes) -> Response:
        """Read or change the fault plan and the clock; loopback clients only."""
        if not is_loopback(self.client_address[0]):
            return json_response(403, {"error": "the admin endpoint only answers loopback"})
        server = self.server
        try:
            changes = json.loads(body) if body else {}
            if not isinstance(changes, dict):
                raise ValueError("the body must be a JSON object")
            if path == "/_sim/faults":
                plan = server.faults.update(changes) if method == "POST" else server.faults.plan
                return json_response(200, plan.to_json())
            if path == "/_sim/clock":
                if method == "POST":
                    if "as_of" not in changes:
                        raise ValueError("the body needs 'as_of' (ISO-8601 with offset, or null)")
                    raw = changes["as_of"]
                    server.clock.set(None if raw is None else datetime.fromisoformat(raw))
                return json_response(
                    200, {"now": server.clock.now().isoformat(), "fixed": server.clock.fixed}
                )
        except (TypeError, ValueError) as exc:
            return json_response(400, {"error": str(exc)})
        return json_response(404, {"error": f"no admin endpoint {path}"})

    def _send(self, response: Response) -> None:
        """Write an answer; a client that already hung up just ends the connection."""
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
