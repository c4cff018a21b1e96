"""The `egov` command as a user runs it: real processes, embedded warehouse, ephemeral Prefect."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest

from tests.browser import HEIGHT, load_page, png_size, require_chromium

pytestmark = pytest.mark.integration

EGOV = [sys.executable, "-m", "cli.main"]


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EGOV_", "PREFECT_"))}
    env.update(extra)
    return env


def _egov(*args: str, env: dict[str, str], timeout: int = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*EGOV, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def fresh_machine_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """No warehouse URL, an empty data folder and Prefect home: what a new machine has."""
    env = _clean_env(
        EGOV_DATA_DIR=str(tmp_path / "data"), PREFECT_HOME=str(tmp_path / "prefect-home")
    )
    yield env
    _egov("warehouse", "stop", env=env)


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["demo"],
        ["warehouse"],
        ["warehouse", "upgrade"],
        ["warehouse", "url"],
        ["warehouse", "stop"],
        ["reference"],
        ["reference", "check"],
        ["reference", "load"],
        ["sources"],
        ["sources", "generate"],
        ["sources", "serve"],
        ["sources", "fetch"],
        ["run"],
        ["backfill"],
        ["status"],
        ["reprocess"],
        ["snapshot"],
        ["report"],
        ["quality", "report"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = _egov(*command, "--help", env=_clean_env())
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_demo_on_a_fresh_machine_builds_a_warehouse_that_psql_can_reach(
    fresh_machine_env: dict[str, str],
) -> None:
    # The README's main job, on a smaller world (the same path, a fraction of the rows).
    demo = _egov("demo", "--scale", "0.003", env=fresh_machine_env, timeout=600)
    output = demo.stdout + demo.stderr
    assert demo.returncode == 0, output
    assert "Traceback" not in output
    assert "ERROR" not in output
    assert "2,370,102" in demo.stdout  # population used for rates covers the oblast total
    failed_row = re.search(r"chunks failed\s*│([\s│0-9,]*)", demo.stdout)
    assert failed_row is not None, demo.stdout
    assert set(failed_row.group(1).replace("│", "").split()) == {"0"}
    assert "months recomputed by the snapshot step: 2023-01..2024-12 (24)" in demo.stdout
    # The year-end snapshot and its report, rendered by a real browser with no console error.
    assert re.search(r"snapshot \d+ as of 2024-12-31: new, methodology 1\.0", demo.stdout)
    report = Path(fresh_machine_env["EGOV_DATA_DIR"]) / "demo" / "report-2024-12-31.html"
    assert f"report: {report}" in demo.stdout.replace("\n", "")
    page = load_page(require_chromium(), report, report.parent)
    assert page.errors == []
    (report.parent / "report-2024-12-31.png").write_bytes(page.png)
    assert png_size(page.png)[1] > 4 * HEIGHT

    # The commands an adviser's analyst uses: the snapshot exists, the report renders from it.
    snapshot = _egov("snapshot", "--as-of", "2023-12-31", env=fresh_machine_env, timeout=300)
    assert snapshot.returncode == 0, snapshot.stdout + snapshot.stderr
    assert re.search(r"as of 2023-12-31: unchanged \(already stored\)", snapshot.stdout)
    out_file = report.parent / "cli-report.html"
    rendered = _egov(
        "report", "--as-of", "2024-12-31", "--out", str(out_file), env=fresh_machine_env
    )
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    assert out_file.read_text("utf-8") == report.read_text("utf-8")

    status = _egov("status", env=fresh_machine_env)
    assert status.returncode == 0, status.stderr
    assert "Loaded, and missing as of" in status.stdout
    assert "Last batches" in status.stdout

    # A second demo finds every chunk unchanged and writes nothing.
    again = _egov("demo", "--scale", "0.003", env=fresh_machine_env, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "snapshot step: nothing changed, nothing recomputed" in again.stdout
    assert re.search(r"snapshot \d+ as of 2024-12-31: unchanged \(already stored\)", again.stdout)

    url = _egov("warehouse", "url", env=fresh_machine_env)
    assert url.returncode == 0, url.stderr
    with psycopg2.connect(url.stdout.strip()) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM core.dim_municipality")
        assert cur.fetchone() == (42,)

    again = _egov("warehouse", "upgrade", env=fresh_machine_env)
    assert again.returncode == 0
    assert "nothing to do" in again.stdout

    _the_readme_everyday_commands_work_on_the_demo_world(fresh_machine_env)


@contextmanager
def _served_world(env: dict[str, str]) -> Iterator[str]:
    """`egov sources serve` with no option, as the README's first terminal runs it."""
    server = subprocess.Popen(
        [*EGOV, "sources", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        announced = "".join(server.stdout.readline() for _ in range(5))
        yield announced
    finally:
        server.terminate()
        server.wait(timeout=30)


def _row(output: str, label: str) -> set[str]:
    """The distinct values of one row of a per-source table (e.g. {"0"} when none anywhere)."""
    row = re.search(rf"{label}\s*│([\s│0-9,]*)", output)
    assert row is not None, output
    return set(row.group(1).replace("│", "").split())


def _the_readme_everyday_commands_work_on_the_demo_world(env: dict[str, str]) -> None:
    """After the demo, the README's everyday commands, as written, against its world."""
    with _served_world(env) as announced:
        assert "clock:       fixed at 2025-01-10T12:00:00+08:00" in announced, announced
        for command in (
            ["run"],
            ["run", "--period", "2024-03", "--source", "mfc"],
            ["backfill", "--from", "2023-01", "--to", "2024-12"],
            ["backfill", "--from", "2023-01", "--to", "2024-12", "--recapture"],
            ["sources", "fetch"],
            ["reprocess", "--source", "mfc", "--from", "2024-03", "--to", "2024-03"],
        ):
            result = _egov(*command, env=env, timeout=300)
            output = result.stdout + result.stderr
            assert result.returncode == 0, (command, output)
            assert "Traceback" not in output
            if command[0] in ("run", "backfill"):
                assert _row(result.stdout, "chunks failed") == {"0"}, (command, result.stdout)
                # The world is complete at its end: no day after it is asked for (an empty
                # final ЕКЦ export would be rejected), and what was loaded is unchanged.
                assert _row(result.stdout, "chunks rejected") == {"0"}, (command, result.stdout)
            elif command[0] == "reprocess":
                assert _row(result.stdout, "chunks failed") == {"0"}, result.stdout
    again = _egov("reprocess", "--source", "mfc", "--from", "2024-03", "--to", "2024-03", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "snapshot step: nothing changed, nothing recomputed" in again.stdout
    for command in (
        ["status"],
        ["quality", "report"],
        ["quality", "report", "--source", "mfc", "--period", "2024-03"],
        ["reference", "check"],
    ):
        result = _egov(*command, env=env)
        assert result.returncode == 0, (command, result.stdout + result.stderr)


def test_a_broken_reference_file_is_one_error_line_and_a_failing_exit_code(
    fresh_machine_env: dict[str, str], reference_copy: Path
) -> None:
    services = reference_copy / "services.csv"
    services.write_text(
        services.read_text(encoding="utf-8").replace("3800000000100000002", "3800000000100000001"),
        encoding="utf-8",
    )
    result = _egov("reference", "check", "--dir", str(reference_copy), env=fresh_machine_env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: reference/services.csv, row 3, column 'service_code': duplicate service code "
        "3800000000100000001 (also in row 2)"
    ]


def test_debug_shows_the_traceback(reference_copy: Path) -> None:
    (reference_copy / "channels.csv").unlink()
    result = _egov("--debug", "reference", "check", "--dir", str(reference_copy), env=_clean_env())
    assert result.returncode == 1
    assert "Traceback" in result.stderr
