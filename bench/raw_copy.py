"""The raw COPY reference: staged rows spooled to disk, then COPYed into index-alike tables."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

RAW_SCHEMA = "bench_raw"
"""Where the raw COPY tables go (dropped with the throw-away database)."""


def raw_index_sql(indexdef: str, schema: str, table: str) -> str:
    """A core index definition re-pointed at the raw copy of its table, never unique."""
    target = f" ON core.{table} "
    if target not in indexdef:
        raise ValueError(f"not an index of core.{table}: {indexdef!r}")
    return indexdef.replace("CREATE UNIQUE INDEX ", "CREATE INDEX ", 1).replace(
        target, f" ON {schema}.{table} ", 1
    )


def raw_copy_sql(copy_stage_sql: str, schema: str, table: str) -> str:
    """The gate's staging COPY statement re-pointed at the raw copy of the table."""
    stage = f"COPY stage_{table} ("
    if stage not in copy_stage_sql:
        raise ValueError(f"not the staging COPY of {table}: {copy_stage_sql!r}")
    return copy_stage_sql.replace(stage, f"COPY {schema}.{table} (", 1)


class Spool:
    """Each core table's staged rows of the month as COPY text on disk (memory stays flat)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.rows: dict[str, int] = {}

    def path(self, table: str) -> Path:
        """The spool file of a core table."""
        return self.folder / f"{table}.csv"

    def add(self, verdict: Any, batch_id: int) -> None:
        """Append a verdict's accepted rows as the COPY text `write_verdict` stages."""
        from egov.quality.conform import CORE_COLUMNS, CORE_TABLES
        from egov.warehouse.sql import csv_text

        if verdict.status == "rejected":
            return
        for dataset, rows in verdict.accepted.items():
            if rows.empty:
                continue
            table = CORE_TABLES[(verdict.batch.source, dataset)]
            staged = rows[list(CORE_COLUMNS[(verdict.batch.source, dataset)])].copy()
            staged["load_batch_id"] = batch_id
            with self.path(table).open("a", encoding="utf-8") as out:
                out.write(csv_text(staged))
            self.rows[table] = self.rows.get(table, 0) + len(staged)

    def keep(self, folder: Path, month: str, budget: int) -> list[dict[str, Any]]:
        """Move whole tables (by name) out of the spool until `budget` rows are kept."""
        kept: list[dict[str, Any]] = []
        for table in sorted(self.rows):
            if budget <= 0:
                break
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{table}.csv"
            shutil.move(self.path(table), target)
            rows = self.rows.pop(table)
            kept.append({"month": month, "table": table, "rows": rows, "path": str(target)})
            budget -= rows
        return kept

    def clear(self) -> None:
        """Delete the spooled tables."""
        for table in self.rows:
            self.path(table).unlink(missing_ok=True)
        self.rows = {}


def create_raw_tables(engine: Any, schema: str = RAW_SCHEMA) -> None:
    """Empty tables shaped like the core facts, with the same indexes, none unique."""
    from psycopg2 import sql as pgsql

    from egov.quality.conform import CORE_TABLES

    with engine.begin() as conn:
        cursor = conn.connection.cursor()
        cursor.execute(pgsql.SQL("CREATE SCHEMA {}").format(pgsql.Identifier(schema)))
        for table in sorted(set(CORE_TABLES.values())):
            cursor.execute(
                pgsql.SQL(
                    "CREATE TABLE {}.{} (LIKE core.{} INCLUDING ALL EXCLUDING INDEXES)"
                ).format(pgsql.Identifier(schema), pgsql.Identifier(table), pgsql.Identifier(table))
            )
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = 'core' AND tablename = %s",
                (table,),
            )
            for (indexdef,) in cursor.fetchall():
                cursor.execute(raw_index_sql(indexdef, schema, table))
        cursor.close()


def raw_copy(engine: Any, spool: Spool) -> dict[str, tuple[int, float]]:
    """COPY each spooled table into its raw copy, one statement per table; rows and seconds."""
    from egov.warehouse.sql import load_sql

    out: dict[str, tuple[int, float]] = {}
    for table, rows in spool.rows.items():
        statement = raw_copy_sql(load_sql(f"core/copy_stage_{table}"), RAW_SCHEMA, table)
        started = time.perf_counter()
        with engine.begin() as conn, spool.path(table).open(encoding="utf-8") as data:
            cursor = conn.connection.cursor()
            try:
                cursor.copy_expert(statement, data, size=1 << 20)
            finally:
                cursor.close()
        out[table] = (rows, time.perf_counter() - started)
    return out
