"""Small helpers the integration tests share: engines, scratch databases, per-table checksums."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import psycopg2
import pytest
from psycopg2 import sql as pgsql
from sqlalchemy.engine import Engine, make_url

from egov.settings import get_settings
from egov.warehouse.connection import create_warehouse_engine
from egov.warehouse.sql import run_sql


@contextmanager
def warehouse_engine(url: str) -> Iterator[Engine]:
    engine = create_warehouse_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def table_checksums(url: str) -> dict[str, tuple[int, str]]:
    """{schema.table: (row count, content md5)} for every pipeline table."""
    with warehouse_engine(url) as engine, engine.connect() as conn:
        return {
            f"{r.table_schema}.{r.table_name}": (r.row_count, r.content_md5)
            for r in run_sql(conn, "warehouse/select_table_checksums")
        }


def prepare_warehouse(url: str) -> None:
    """Migrate the warehouse to head and load the repository's reference data (the gate's dims)."""
    from egov.paths import REFERENCE_DIR
    from egov.reference.bundle import read_reference_bundle
    from egov.reference.load import write_reference_bundle
    from egov.warehouse.migrations import upgrade_warehouse

    with warehouse_engine(url) as engine:
        upgrade_warehouse(engine)
        write_reference_bundle(engine, read_reference_bundle(REFERENCE_DIR))


@contextmanager
def scratch_database(admin_url: str) -> Iterator[str]:
    """A new database for a module-scoped fixture (`fresh_database_url` is per test)."""
    name = f"egov_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.cursor() as cur:
                drop = pgsql.SQL("DROP DATABASE {} WITH (FORCE)")
                cur.execute(drop.format(pgsql.Identifier(name)))
    finally:
        admin.close()


@contextmanager
def egov_settings(values: Mapping[str, str]) -> Iterator[None]:
    """This process's settings read with `values` (EGOV_* variables) set, for the block."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in values.items():
            patch.setenv(key, value)
        get_settings.cache_clear()
        try:
            yield
        finally:
            get_settings.cache_clear()
