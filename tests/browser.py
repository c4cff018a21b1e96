"""Headless Chromium over the DevTools Protocol: load a page, collect its errors, screenshot it.

Shared by the report's browser tests (unit: a sample report; integration: the demo's report).
Uncaught exceptions (Runtime.exceptionThrown), console.error calls (Runtime.consoleAPICalled),
browser log errors such as failed resource loads (Log.entryAdded) and failed requests
(Network.loadingFailed) are collected; tests/unit/report proves the capture on a control page.
Needs /usr/bin/chromium (scripts/install-browser.sh); its absence fails a test, never skips it.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import struct
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

CHROMIUM = Path("/usr/bin/chromium")
WIDTH, HEIGHT = 1200, 900
STARTUP_TIMEOUT = 30.0
LOAD_TIMEOUT = 30.0
# Headless, as root (no sandbox), and quiet: no network access is attempted on its own.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--remote-debugging-port=0",
    "--remote-debugging-address=127.0.0.1",
    f"--window-size={WIDTH},{HEIGHT}",
]


@dataclass
class PageRun:
    """What happened while one page loaded: errors, requested URLs, screenshot and PDF."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    png: bytes = b""
    pdf: bytes = b""


class DevTools:
    """A minimal CDP client on one page target: commands in order, events collected."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def _receive(self, deadline: float) -> dict[str, Any]:
        """The next message; fails the test at the deadline."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            pytest.fail("Chromium did not answer in time")
        message: dict[str, Any] = json.loads(self.ws.recv(timeout=remaining))
        if "method" in message:
            self.events.append(message)
        return message

    def call(self, method: str, timeout: float = LOAD_TIMEOUT, **params: Any) -> dict[str, Any]:
        """Send a command and wait for its result, keeping the events that arrive meanwhile."""
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == self.next_id:
                if "error" in message:
                    pytest.fail(f"CDP {method} failed: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    def wait_for(self, method: str, timeout: float = LOAD_TIMEOUT) -> None:
        """Wait until an event with this method has arrived."""
        deadline = time.monotonic() + timeout
        while not any(e["method"] == method for e in self.events):
            self._receive(deadline)

    def drain(self, seconds: float) -> None:
        """Collect events for a little longer (late console messages, failed loads)."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                message = json.loads(self.ws.recv(timeout=remaining))
            except TimeoutError:
                return
            if "method" in message:
                self.events.append(message)


def errors_from(events: list[dict[str, Any]]) -> list[str]:
    """Console errors, uncaught exceptions and failed loads, one line each."""
    urls = {
        e["params"]["requestId"]: e["params"]["request"]["url"]
        for e in events
        if e["method"] == "Network.requestWillBeSent"
    }
    errors = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            errors.append(f"exception: {text}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            errors.append(f"console.{params['type']}: {args}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            errors.append(
                f"log ({entry['source']}): {entry['text']} {entry.get('url', '')}".strip()
            )
        elif method == "Network.loadingFailed":
            url = urls.get(params["requestId"], "?")
            errors.append(f"request failed: {params['errorText']} {url}")
    return errors


def require_chromium() -> Path:
    """The browser binary; its absence is a failure with the fix, never a skip."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"{CHROMIUM} not found: run scripts/install-browser.sh (or `make browser`)")
    return CHROMIUM


@contextmanager
def browser(binary: Path, workdir: Path) -> Iterator[str]:
    """Start headless Chromium with a throw-away profile; yield its DevTools HTTP address."""
    profile = workdir / "profile"
    log = workdir / "chromium.log"
    with log.open("wb") as stderr:
        # Own session, so the launcher script and every child are stopped together.
        process = subprocess.Popen(
            [str(binary), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:]
                pytest.fail(f"Chromium did not start (exit {process.poll()}):\n{tail}")
            time.sleep(0.05)
        yield f"127.0.0.1:{port_file.read_text().splitlines()[0]}"
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the browser's process group: TERM, then KILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def load_page(binary: Path, page: Path, workdir: Path, *, pdf: bool = False) -> PageRun:
    """Open a local file, wait for load, and return errors, requests, screenshot (and PDF)."""
    with browser(binary, workdir) as address:
        with urllib.request.urlopen(f"http://{address}/json/list", timeout=10) as answer:
            targets = json.load(answer)
        target = next(t for t in targets if t["type"] == "page")
        with connect(target["webSocketDebuggerUrl"], open_timeout=10, max_size=None) as ws:
            cdp = DevTools(ws)
            for domain in ("Runtime", "Log", "Network", "Page"):
                cdp.call(f"{domain}.enable")
            cdp.call(
                "Emulation.setDeviceMetricsOverride",
                width=WIDTH,
                height=HEIGHT,
                deviceScaleFactor=1,
                mobile=False,
            )
            navigation = cdp.call("Page.navigate", url=page.resolve().as_uri())
            assert "errorText" not in navigation, navigation
            cdp.wait_for("Page.loadEventFired")
            cdp.drain(0.5)
            size = cdp.call("Page.getLayoutMetrics")["cssContentSize"]
            shot = cdp.call(
                "Page.captureScreenshot",
                format="png",
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": WIDTH, "height": size["height"], "scale": 1},
            )
            printed = cdp.call("Page.printToPDF", preferCSSPageSize=True) if pdf else {}
            cdp.drain(0.2)
    return PageRun(
        errors=errors_from(cdp.events),
        requests=[
            e["params"]["request"]["url"]
            for e in cdp.events
            if e["method"] == "Network.requestWillBeSent"
        ],
        png=base64.b64decode(shot["data"]),
        pdf=base64.b64decode(printed.get("data", "")),
    )


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking the signature."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height
