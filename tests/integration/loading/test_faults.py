"""Faults on real runs: sources misbehaving over loopback HTTP, PostgreSQL going away mid-run.

The world, simulator and uninterrupted reference warehouse are the backfill tests' (2024-01..02,
realistic defects). Every run here goes through the real HTTP simulator, the real PostgreSQL and
real Prefect flow runs; the bar is the reference's business content (see `business_content`).

- Faults within the retry budget (429 with Retry-After, 500/502/503, a read timeout) on both
  HTTP sources: the run succeeds and loads exactly what an undisturbed run loads.
- Faults beyond the budget (ЕПГУ answering 503 to everything, ЕКЦ in its nightly maintenance):
  each failed chunk says which source and which window or day, the other sources still load,
  and a re-run once the sources are back completes the warehouse.
- A paging cursor that always expires: the ЕПГУ chunk fails naming the window and the cause.
- The loader's backend terminated inside a batch transaction (`pg_terminate_backend`): the batch
  rolls back, the task retries, and the run ends as if nothing had happened.
- The embedded warehouse server stopped and restarted between batches (`egov warehouse stop`
  in another process): the run fails what it cannot do, and a re-run completes the warehouse.

SIGKILL of the loader inside a batch and two concurrent backfills are in test_backfill.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName
from prefect.client.schemas.objects import StateType, TaskRun

from egov.loading.backfill import ChunkReport, RunReport
from egov.paths import PROJECT_ROOT
from egov.simulator import FaultPlan, SimulatorServers
from tests.integration.helpers import egov_settings, warehouse_engine
from tests.integration.loading import test_backfill as backfill_tests
from tests.integration.loading.test_backfill import (
    CHILD_TIMEOUT_SEC,
    FIRST,
    LAST,
    Reference,
    assert_no_half_written_batch,
    backend_exists,
    blocked_by,
    business_content,
    content_differences,
    make_warehouse,
    pointed_at,
    query,
    run_backfill,
    start_backfill,
    wait_for,
    watching,
)

# The backfill tests' module-scoped fixtures, instantiated again for this module.
world = backfill_tests.world
servers = backfill_tests.servers
reference = backfill_tests.reference

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]

QUICK_RETRIES = {
    # Retry-After (1 s) stays below the cap, so the client must honour it.
    "EGOV_HTTP_BACKOFF_BASE_SEC": "0.05",
    "EGOV_HTTP_BACKOFF_CAP_SEC": "2",
    "EGOV_HTTP_TIMEOUT_SEC": "1",
    "EGOV_HTTP_MAX_ATTEMPTS": "4",
}


@contextmanager
def faults(servers: SimulatorServers, **plans: FaultPlan) -> Iterator[None]:
    """Fault plans for the named servers, reset to no faults afterwards."""
    try:
        for name, plan in plans.items():
            servers.set_faults(name, plan)  # type: ignore[arg-type]
        yield
    finally:
        servers.set_faults("epgu", FaultPlan())
        servers.set_faults("ekc", FaultPlan())


def chunk_by_key(report: RunReport) -> dict[tuple[str, str | None], ChunkReport]:
    return {(c.source, c.month): c for c in report.chunks}


def batches_of(url: str, sources: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """(source, batch key, status, rows in/loaded/quarantined/rejected) of the sources' batches."""
    rows = query(
        url,
        "SELECT source, batch_key, status, rows_in, rows_loaded, rows_quarantined, rows_rejected "
        "FROM audit.load_batches WHERE source = ANY(:sources) ORDER BY source, batch_key",
        sources=list(sources),
    )
    return [tuple(r.values()) for r in rows]


def assert_same_as_reference(url: str, reference: Reference, loaded_out_of_order: bool) -> None:
    """The reference's business content; after a run that loaded sources in another order than
    the reference, except the newest-batch pointer of a count (see the Dask backfill test)."""
    assert_no_half_written_batch(url)
    left_out = frozenset({"max_load_batch_id"}) if loaded_out_of_order else frozenset()
    expected = business_content(reference.warehouse.url, left_out)
    differences = content_differences(business_content(url, left_out), expected)
    assert {t: d["rows"] for t, d in differences.items()} == {}
    assert differences == {}


# --- source faults -----------------------------------------------------------------------


def test_source_faults_within_the_retry_budget_load_exactly_the_undisturbed_warehouse(
    world: Path,
    servers: SimulatorServers,
    reference: Reference,
    fresh_database_url: str,
    tmp_path: Path,
) -> None:
    warehouse = make_warehouse(fresh_database_url, world, tmp_path)
    # Consumed request by request; never as many failures in a row as the 4 attempts allow.
    scripted_epgu: list[int | str] = [429, 503, 200, 500, 502, 200, "slow", 429, 200, 503]
    scripted_ekc: list[int | str] = [503, 500, 200, "slow", 502, 200, 429]
    plans = {
        "epgu": FaultPlan(script=list(scripted_epgu), retry_after_sec=1, slow_sec=3.0),
        "ekc": FaultPlan(script=list(scripted_ekc), retry_after_sec=1, slow_sec=3.0),
    }
    with pointed_at(warehouse, servers), egov_settings(QUICK_RETRIES), faults(servers, **plans):
        report = run_backfill()
        # Every scripted fault was served: the run really met them.
        assert servers.faults("epgu").script == []
        assert servers.faults("ekc").script == []

    assert [c for c in report.chunks if c.status == "failed"] == []
    assert_same_as_reference(fresh_database_url, reference, loaded_out_of_order=False)


def test_sources_down_beyond_the_budget_fail_their_chunks_by_name_and_the_others_still_load(
    world: Path,
    servers: SimulatorServers,
    reference: Reference,
    fresh_database_url: str,
    tmp_path: Path,
) -> None:
    url = fresh_database_url
    warehouse = make_warehouse(url, world, tmp_path)
    plans = {
        "epgu": FaultPlan(error_rate=1.0, error_codes=(503,)),
        # The simulator's clock stands at 00:00 local time, inside the maintenance window.
        "ekc": FaultPlan(nightly_maintenance="23:30-00:30"),
    }
    with pointed_at(warehouse, servers), egov_settings(QUICK_RETRIES), faults(servers, **plans):
        report = run_backfill()

    chunks = chunk_by_key(report)
    for month in (FIRST, LAST):
        epgu, ekc = chunks[("epgu", month)], chunks[("ekc", month)]
        assert epgu.status == "failed" and ekc.status == "failed"
        # One clear message per chunk: source, window or day, attempts, what the server said.
        assert epgu.error.startswith(f"epgu window {month}-01T00:00+08:00..{month}-02T00:00")
        assert "gave up after 4 attempts" in epgu.error and "503" in epgu.error
        assert ekc.error.startswith(f"ekc day {month}-01: gave up after 4 attempts")
        assert "HTTP 503: Service Unavailable (nightly maintenance); Retry-After" in ekc.error
    assert {k for k, c in chunks.items() if c.status == "failed"} == {
        (s, m) for s in ("epgu", "ekc") for m in (FIRST, LAST)
    }
    # The file sources loaded exactly what the undisturbed run loaded.
    reference_url = reference.warehouse.url
    assert batches_of(url, ("mfc", "omsu")) == batches_of(reference_url, ("mfc", "omsu"))
    assert batches_of(url, ("epgu", "ekc")) == []
    assert_no_half_written_batch(url)
    # No indicators without ЕПГУ: the loaded months wait, marked stale, for a complete run.
    assert report.snapshots is None and report.deferred_months == (FIRST, LAST)
    assert query(url, "SELECT count(*) AS n FROM core.snapshot") == [{"n": 0}]

    with pointed_at(warehouse, servers), egov_settings(QUICK_RETRIES):
        resumed = run_backfill()

    assert [c for c in resumed.chunks if c.status == "failed"] == []
    assert resumed.touched_months == (FIRST, LAST)
    assert_same_as_reference(url, reference, loaded_out_of_order=True)


def test_a_cursor_that_always_expires_fails_the_epgu_chunk_naming_the_window_and_the_cause(
    world: Path,
    servers: SimulatorServers,
    fresh_database_url: str,
    tmp_path: Path,
) -> None:
    warehouse = make_warehouse(fresh_database_url, world, tmp_path)
    # Small pages so a day needs a cursor; a zero lifetime makes every cursor stale on arrival.
    with (
        pointed_at(warehouse, servers),
        egov_settings(QUICK_RETRIES | {"EGOV_EPGU_PAGE_LIMIT": "5"}),
        faults(servers, epgu=FaultPlan(cursor_ttl_sec=0)),
    ):
        report = run_backfill(sources=["epgu"])

    (january, february) = report.chunks
    assert january.status == february.status == "failed"
    assert january.error.startswith("epgu window 2024-01-01T00:00+08:00..2024-01-02T00:00+08:00")
    assert "cursor expired (HTTP 410)" in january.error
    assert query(fresh_database_url, "SELECT count(*) AS n FROM audit.load_batches") == [{"n": 0}]


# --- PostgreSQL faults -------------------------------------------------------------------


def test_a_loader_backend_terminated_inside_a_batch_is_retried_to_the_undisturbed_warehouse(
    world: Path,
    servers: SimulatorServers,
    reference: Reference,
    fresh_database_url: str,
    tmp_path: Path,
) -> None:
    url = fresh_database_url
    warehouse = make_warehouse(url, world, tmp_path)
    # Hold the МФЦ fact table so the loader stops inside that batch's transaction, after its
    # first writes (the period lock and the batch row), where its backend is then terminated.
    with warehouse_engine(url) as engine, engine.connect() as gate, watching(engine) as watch:
        gate_pid = gate.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        gate.execute(sa.text("LOCK TABLE core.fact_mfc_application IN SHARE MODE"))
        started = datetime.now(UTC)
        child = start_backfill(warehouse, servers, tmp_path / "terminated", "terminated")
        try:
            (waiting,) = wait_for(
                "the loader to wait inside an МФЦ batch",
                lambda: blocked_by(watch, gate_pid),
                [child],
            )
            assert waiting["holds_advisory_lock"] and waiting["has_written"], waiting
            terminated = watch.execute(
                sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": waiting["pid"]}
            ).scalar_one()
            assert terminated
            wait_for(
                "the terminated backend to end",
                lambda: not backend_exists(watch, waiting["pid"]),
                [child],
            )
            # Nothing of the interrupted batch was committed.
            assert query(url, "SELECT count(*) AS n FROM core.fact_mfc_application") == [{"n": 0}]
            gate.rollback()
            assert child.process.wait(timeout=CHILD_TIMEOUT_SEC) == 0, child.output()
        finally:
            child.stop()
            gate.rollback()

    # Prefect retried the МФЦ loading task on the lost connection, and the retry completed it.
    (retried,) = retried_task_runs("validate-and-load-mfc", since=started)
    assert retried.state_type == StateType.COMPLETED
    assert_same_as_reference(url, reference, loaded_out_of_order=False)


def retried_task_runs(name: str, since: datetime) -> list[TaskRun]:
    """Task runs of that name started since then that ran more than once."""
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            task_run_filter=TaskRunFilter(name=TaskRunFilterName(any_=[name]))
        )
    return [r for r in runs if r.start_time and r.start_time >= since and r.run_count > 1]


def embedded_server(pgdata: Path, action: str) -> str:
    """Start or stop the embedded server in another process, as `egov` would; its URL on start."""
    code = (
        "import sys; from pathlib import Path; from egov.warehouse import embedded as e; "
        "p = Path(sys.argv[2]); "
        "print(e.start_embedded_server(p) if sys.argv[1] == 'start' else e.stop_embedded_server(p))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, action, str(pgdata)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def own_embedded_server() -> Iterator[Path]:
    """A pgdata folder for an embedded server this test starts and stops itself."""
    folder = Path(tempfile.mkdtemp(prefix="egov-fault-pg-"))
    try:
        yield folder / "pgdata"
    finally:
        if (folder / "pgdata" / "postmaster.pid").exists():
            embedded_server(folder / "pgdata", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_the_warehouse_server_stopped_and_restarted_between_batches_loses_nothing_on_rerun(
    world: Path,
    servers: SimulatorServers,
    reference: Reference,
    own_embedded_server: Path,
    tmp_path: Path,
) -> None:
    url = embedded_server(own_embedded_server, "start")
    warehouse = make_warehouse(url, world, tmp_path)
    child = start_backfill(warehouse, servers, tmp_path / "interrupted", "interrupted")
    try:

        def some_batches_committed() -> int:
            n = query(url, "SELECT count(*) AS n FROM audit.load_batches")[0]["n"]
            return int(n) if n >= 3 else 0

        committed = wait_for("the first batches to commit", some_batches_committed, [child])
        assert embedded_server(own_embedded_server, "stop") == "True"
        restarted_url = embedded_server(own_embedded_server, "start")
        assert restarted_url == url
        exit_code = child.process.wait(timeout=CHILD_TIMEOUT_SEC)
    finally:
        child.stop()
    before_rerun = query(url, "SELECT count(*) AS n FROM audit.load_batches")[0]["n"]
    assert committed <= before_rerun
    assert_no_half_written_batch(url)

    with pointed_at(warehouse, servers):
        resumed = run_backfill()

    assert [c for c in resumed.chunks if c.status == "failed"] == []
    assert_same_as_reference(url, reference, loaded_out_of_order=True)
    # The interrupted run either rode it out on its retries or failed chunks the re-run loaded.
    assert exit_code in (0, 1), child.output()
