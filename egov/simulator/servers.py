"""Loopback HTTP servers that serve a simulated world as the real ЕПГУ API and ЕКЦ platform do.

Both follow sources.md (sections 1 and 4) byte for byte where it matters to a client: paths,
parameters, auth, status codes, bodies. A server only serves what has "happened" by its clock
(real time, or a fixed `as_of` moment tests can move), and a `FaultPlan` makes it misbehave.
The secrets are compared in constant time and never logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from pydantic import SecretStr

from egov.settings import (
    DEFAULT_EKC_PORT,
    DEFAULT_EPGU_PORT,
    SIMULATOR_EKC_PASSWORD,
    SIMULATOR_EKC_USER,
    SIMULATOR_EPGU_TOKEN,
)
from egov.simulator.clock import SimClock
from egov.simulator.ekc.app import EXPORT_PATH, EkcApp
from egov.simulator.ekc.store import EkcStore
from egov.simulator.epgu.app import APPLICATIONS_PATH, EpguApp
from egov.simulator.epgu.store import EpguStore
from egov.simulator.faults import FaultPlan, FaultState
from egov.simulator.transport import App, ServerName, SimHTTPServer, SimulatorError, is_loopback
from egov.simulator.transport import json_response as _json_response
from egov.sources.contract import IRKUTSK

log = logging.getLogger("egov.simulator")

# `_json_response`: callers that wrap an app's answers (the security tests) build theirs with it.
__all__ = ["EkcApp", "EpguApp", "SimulatorServers", "_json_response", "serve_forever"]


def _secret(value: str | SecretStr) -> str:
    """The plain text of a credential given either way."""
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
        self._faults: dict[ServerName, FaultState] = {
            "epgu": FaultState(epgu_faults or FaultPlan()),
            "ekc": FaultState(ekc_faults or FaultPlan()),
        }
        self._apps: dict[ServerName, App] = {}
        if epgu_store is not None:
            self._apps["epgu"] = EpguApp(
                epgu_store, _secret(token), self.clock, self._faults["epgu"]
            )
        if ekc_store is not None:
            self._apps["ekc"] = EkcApp(
                ekc_store, _secret(ekc_user), _secret(ekc_password), self.clock
            )
        self._ports: dict[ServerName, int] = {"epgu": epgu_port, "ekc": ekc_port}
        self._servers: dict[ServerName, SimHTTPServer] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> SimulatorServers:
        """Bind and serve; raises SimulatorError when a port cannot be bound."""
        try:
            for name, app in self._apps.items():
                address = (self.host, self._ports[name])
                try:
                    server = SimHTTPServer(address, app, self._faults[name], self.clock)
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
    """Serve a generated world until `stop` is set or the process is interrupted."""
    # `faults` applies to both servers (each gets its own copy) unless `epgu_faults`/`ekc_faults`
    # override it for one; `as_of` fixes the clock (None = real time; a naive value is Irkutsk
    # local time). Once both servers listen, `announce` gets one human-readable line per fact
    # (URLs, clock, faults; never a credential), so a CLI can print them without the servers
    # knowing about it, and `ready` gets the running servers.
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
    if not is_loopback(host) and host != "localhost":
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
