"""`prefect deploy --all` against a real local Prefect server, as the README set-up does.

One server per module (temporary PREFECT_HOME, free port): create the work pool, deploy
prefect.yaml, then check what the server holds, trigger a backfill and let the scheduler plan.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import yaml

from egov.paths import PROJECT_ROOT

pytestmark = pytest.mark.integration

PREFECT = [sys.executable, "-m", "prefect"]
IRKUTSK = ZoneInfo("Asia/Irkutsk")
POOL = "egov-process"
POOL_LIMIT = 4
STARTUP_TIMEOUT_S = 60
DECLARED: dict[str, dict[str, Any]] = {
    d["name"]: d
    for d in yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))[
        "deployments"
    ]
}


@dataclass(frozen=True)
class Server:
    api: str
    env: dict[str, str]
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _prefect(server: Server, *args: str, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PREFECT, *args],
        cwd=PROJECT_ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _wait_for_health(api: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, f"prefect server exited:\n{log.read_text()[-3000:]}"
        try:
            if requests.get(f"{api}/health", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail(
        f"prefect server not healthy after {STARTUP_TIMEOUT_S}s:\n{log.read_text()[-3000:]}"
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real `prefect server start` with the egov-process pool and every deployment applied."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EGOV_", "PREFECT_"))}
    env.update(
        PREFECT_HOME=str(home / "home"),
        PREFECT_API_URL=api,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        # Plan the schedules within seconds of the deploy, not on the next 60 s loop.
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2",
        EGOV_DATA_DIR=str(home / "egov-data"),
    )
    log = home / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            cwd=home,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_health(api, process, log)
        running = Server(api=api, env=env, log=log)
        _ok(_prefect(running, "work-pool", "create", POOL, "--type", "process"))
        _ok(_prefect(running, "work-pool", "set-concurrency-limit", POOL, str(POOL_LIMIT)))
        _ok(_prefect(running, "--no-prompt", "deploy", "--all", timeout=120))
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _post(server: Server, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = requests.post(f"{server.api}/{path}", json=body, timeout=10)
    response.raise_for_status()
    rows: list[dict[str, Any]] = response.json()
    return rows


def _get(server: Server, path: str) -> dict[str, Any]:
    response = requests.get(f"{server.api}/{path}", timeout=10)
    response.raise_for_status()
    row: dict[str, Any] = response.json()
    return row


def _deployments(server: Server) -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d in _post(server, "deployments/filter", {"limit": 200})}


def test_every_deployment_of_prefect_yaml_is_on_the_server_as_declared(server: Server) -> None:
    pool = _get(server, f"work_pools/{POOL}")
    assert (pool["type"], pool["concurrency_limit"]) == ("process", POOL_LIMIT)
    deployed = _deployments(server)
    assert set(deployed) == set(DECLARED)
    for name, declared in DECLARED.items():
        actual = deployed[name]
        assert actual["entrypoint"] == declared["entrypoint"]
        assert (actual["work_pool_name"], actual["work_queue_name"]) == (POOL, "default")
        assert actual["parameters"] == declared["parameters"], name
        # The limit lives in a global concurrency limit "deployment:<id>", not in the
        # deployment's own (legacy) concurrency_limit field, which stays null.
        assert actual["global_concurrency_limit"]["limit"] == 1, name
        assert actual["concurrency_options"]["collision_strategy"] == "ENQUEUE", name
        schedules = sorted(
            (s["schedule"]["cron"], s["schedule"]["timezone"], s["active"])
            for s in actual["schedules"]
        )
        expected = sorted(
            (s["cron"], "Asia/Irkutsk", True) for s in declared.get("schedules") or []
        )
        assert schedules == expected, name


def test_a_backfill_run_gets_the_month_range_and_sources_it_was_given(server: Server) -> None:
    out = _ok(
        _prefect(
            server,
            "deployment",
            "run",
            "backfill/backfill",
            "-p",
            "from_month=2024-01",
            "-p",
            "to_month=2024-03",
            "-p",
            'sources=["mfc"]',
        )
    )
    match = re.search(r"UUID: ([0-9a-f-]{36})", out)
    assert match, out
    run = _get(server, f"flow_runs/{match.group(1)}")
    assert run["deployment_id"] == _deployments(server)["backfill"]["id"]
    assert run["parameters"] == {
        "from_month": "2024-01",
        "to_month": "2024-03",
        "sources": ["mfc"],
        "recapture": False,
    }
    assert run["state_type"] == "SCHEDULED"
    assert run["work_pool_name"] == POOL

    refused = _prefect(server, "deployment", "run", "backfill/backfill", "-p", 'sources=["x"]')
    assert refused.returncode != 0
    assert "'x' is not one of" in refused.stdout + refused.stderr


def test_the_scheduler_plans_runs_at_irkutsk_wall_clock_times(server: Server) -> None:
    deployed = _deployments(server)
    scheduled = {d["id"]: name for name, d in deployed.items() if DECLARED[name].get("schedules")}
    planned: dict[str, list[datetime]] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and set(planned) != set(scheduled.values()):
        planned = {}
        body = {"flow_runs": {"deployment_id": {"any_": list(scheduled)}}, "limit": 200}
        for run in _post(server, "flow_runs/filter", body):
            if run["auto_scheduled"]:
                at = datetime.fromisoformat(run["expected_start_time"]).astimezone(IRKUTSK)
                planned.setdefault(scheduled[run["deployment_id"]], []).append(at)
        time.sleep(1)
    assert set(planned) == set(scheduled.values()), (
        "the server's scheduler created no runs for "
        f"{sorted(set(scheduled.values()) - set(planned))}; server log:\n"
        + server.log.read_text(errors="replace")[-4000:]
    )
    for name, times in planned.items():
        allowed = set()
        for schedule in DECLARED[name]["schedules"]:
            minute, hour, day, _, _ = schedule["cron"].split()
            allowed.add((None if day == "*" else int(day), int(hour), int(minute)))
        for at in times:
            daily = (None, at.hour, at.minute)
            monthly = (at.day, at.hour, at.minute)
            assert daily in allowed or monthly in allowed, f"{name} planned at {at}"
