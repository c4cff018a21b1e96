"""The README's source commands as a user runs them: generate, serve, fetch in another process."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from egov.settings import SIMULATOR_EKC_PASSWORD, SIMULATOR_EPGU_TOKEN
from tests.integration.test_cli import EGOV, _clean_env, _egov

pytestmark = pytest.mark.integration


def _free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (all probes stay bound until every port is chosen)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def _wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early: {process.communicate()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s")


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = _clean_env(
        EGOV_DATA_DIR=str(tmp_path / "data"), PREFECT_HOME=str(tmp_path / "prefect-home")
    )
    yield env
    _egov("warehouse", "stop", env=env)


def test_generate_serve_and_fetch_work_together_with_default_settings(
    machine: dict[str, str], tmp_path: Path
) -> None:
    world = tmp_path / "data" / "world"
    generated = _egov(
        "sources", "generate", "--from", "2024-03", "--to", "2024-03", "--scale", "0.01",
        env=machine,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    manifest = json.loads((world / "world.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["mfc_files"] == 31

    epgu_port, ekc_port = _free_ports(2)
    env = {
        **machine,
        "EGOV_EPGU_URL": f"http://127.0.0.1:{epgu_port}",
        "EGOV_EKC_URL": f"http://127.0.0.1:{ekc_port}",
        "EGOV_EPGU_START_AT": "2024-03-01T00:00:00+08:00",
        "EGOV_EKC_START_DAY": "2024-03-01",
    }
    server = subprocess.Popen(
        [*EGOV, "sources", "serve", "--epgu-port", str(epgu_port), "--ekc-port", str(ekc_port),
         "--as-of", "2024-04-02T12:00:00"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_for_port(epgu_port, server)
        _wait_for_port(ekc_port, server)
        assert _egov("warehouse", "upgrade", env=env).returncode == 0
        assert _egov("reference", "load", env=env).returncode == 0
        fetched = _egov(
            "sources", "fetch", "--until", "2024-03-03T00:00:00", "--today", "2024-03-04",
            env=env,
        )  # fmt: skip
    finally:
        server.send_signal(signal.SIGINT)
        served_out, served_err = server.communicate(timeout=30)

    assert fetched.returncode == 0, fetched.stderr
    assert "Traceback" not in fetched.stderr + served_err
    for source in ("epgu", "mfc", "omsu", "ekc"):
        assert source in fetched.stdout
    assert f"127.0.0.1:{epgu_port}" in served_out
    everything = fetched.stdout + fetched.stderr + served_out + served_err
    assert SIMULATOR_EPGU_TOKEN not in everything
    assert SIMULATOR_EKC_PASSWORD not in everything
    raw_blobs = list((tmp_path / "data" / "raw").rglob("*.gz"))
    assert len(raw_blobs) >= 31 + 3  # every mfc day, ЕКЦ days and ЕПГУ pages
    assert "rows loaded" in fetched.stdout
    assert (tmp_path / "data" / "data-docs" / "index.html").is_file()


def test_fetch_names_the_source_that_cannot_be_reached_and_still_runs_the_others(
    machine: dict[str, str], tmp_path: Path
) -> None:
    assert _egov("sources", "generate", "--from", "2024-03", "--to", "2024-03",
                 "--scale", "0.01", env=machine).returncode == 0  # fmt: skip
    env = {
        **machine,
        "EGOV_EKC_URL": f"http://127.0.0.1:{_free_ports(1)[0]}",  # nothing listens here
        "EGOV_EKC_START_DAY": "2024-03-01",
        "EGOV_HTTP_MAX_ATTEMPTS": "2",
        "EGOV_HTTP_BACKOFF_BASE_SEC": "0",
    }
    assert _egov("warehouse", "upgrade", env=env).returncode == 0
    assert _egov("reference", "load", env=env).returncode == 0
    result = _egov(
        "sources", "fetch", "--source", "mfc", "--source", "ekc", "--today", "2024-03-03", env=env
    )

    assert result.returncode == 1
    assert "ekc" in result.stderr and "2024-03-01" in result.stderr
    assert "Traceback" not in result.stderr
    assert "mfc" in result.stdout  # the reachable source was fetched and summarised
