"""Throw-away warehouses of the benchmarks: an embedded PostgreSQL, migrated, reference loaded."""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def embedded_database() -> Iterator[str]:
    """A throw-away embedded PostgreSQL with one empty database; its URL."""
    import psycopg2
    from psycopg2 import sql as pgsql
    from sqlalchemy.engine import make_url

    from egov.warehouse.embedded import _pgserver

    pgdata = Path(tempfile.mkdtemp(prefix="egov-bench-pg-")) / "pgdata"
    server = _pgserver().get_server(pgdata, cleanup_mode="delete")
    try:
        admin_url = str(server.get_uri("postgres"))
        name = f"egov_bench_{uuid.uuid4().hex[:8]}"
        admin = psycopg2.connect(admin_url)
        try:
            admin.autocommit = True
            with admin.cursor() as cur:
                cur.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
        finally:
            admin.close()
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        server.cleanup()
        shutil.rmtree(pgdata.parent, ignore_errors=True)


def prepare_warehouse(url: str) -> float:
    """Migrate and load the reference data; seconds taken."""
    from egov.paths import REFERENCE_DIR
    from egov.reference.bundle import read_reference_bundle
    from egov.reference.load import write_reference_bundle
    from egov.warehouse.connection import create_warehouse_engine
    from egov.warehouse.migrations import upgrade_warehouse

    started = time.perf_counter()
    engine = create_warehouse_engine(url)
    try:
        upgrade_warehouse(engine)
        write_reference_bundle(engine, read_reference_bundle(REFERENCE_DIR))
    finally:
        engine.dispose()
    return time.perf_counter() - started
