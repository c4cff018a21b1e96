"""Shared fixtures: a real PostgreSQL per test session, fresh databases, reference folder copies."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql as pgsql
from sqlalchemy.engine import make_url

from egov.paths import REFERENCE_DIR
from egov.runtime_env import configure_runtime
from egov.settings import get_settings

configure_runtime(debug=False)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """Admin URL of a real PostgreSQL: EGOV_TEST_WAREHOUSE_URL, or a throw-away embedded server."""
    configured = os.environ.get("EGOV_TEST_WAREHOUSE_URL")
    if configured:
        yield configured
        return
    from egov.warehouse.embedded import _pgserver

    pgdata = Path(tempfile.mkdtemp(prefix="egov-test-pg-")) / "pgdata"
    server = _pgserver().get_server(pgdata, cleanup_mode="delete")
    try:
        yield str(server.get_uri("postgres"))
    finally:
        server.cleanup()
        shutil.rmtree(pgdata.parent, ignore_errors=True)


@pytest.fixture
def fresh_database_url(postgres_server_url: str) -> Iterator[str]:
    """URL of a new, empty database on the test server, dropped after the test."""
    name = f"egov_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(postgres_server_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
        yield make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
        with admin.cursor() as cur:
            cur.execute(pgsql.SQL("DROP DATABASE {} WITH (FORCE)").format(pgsql.Identifier(name)))
    finally:
        admin.close()


@pytest.fixture
def warehouse_env(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the pipeline's settings at a fresh database for the duration of a test."""
    monkeypatch.setenv("EGOV_WAREHOUSE_URL", fresh_database_url)
    get_settings.cache_clear()
    yield fresh_database_url
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for every flow run of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture
def reference_copy(tmp_path: Path) -> Path:
    """A writable copy of the repository's reference folder."""
    target = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, target)
    return target
