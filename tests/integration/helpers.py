"""Small helpers the integration tests share: engines and per-table checksums."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine

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
