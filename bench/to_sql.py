"""The naive reference load: `pandas.DataFrame.to_sql` of the rows the loader staged.

`bench.loader.load_months` keeps the first spooled tables (the COPY text `write_verdict`
sent), whole tables in a fixed order until `--to-sql-max-rows` rows are kept. Here, in a child
process of its own (so the frames do not count in the loader's peak memory), each kept table is
read back into a typed DataFrame untimed, and only `to_sql` is timed: pandas defaults
(`if_exists="append", index=False`, default method and chunksize) through a plain SQLAlchemy
engine on psycopg2, into tables shaped like the core facts with the same indexes, none unique.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

TO_SQL_SCHEMA = "bench_to_sql"
"""Where the to_sql tables go (dropped with the throw-away database)."""
NULL = r"\N"
"""The COPY text's NULL marker (egov.warehouse.sql)."""
INTEGER_TYPES = frozenset({"smallint", "integer", "bigint"})
TIMESTAMP_TYPES = frozenset({"timestamp with time zone", "timestamp without time zone"})

# --- pure parts (tested without a database) ------------------------------------------------


def cap_rows(parts: Sequence[Mapping[str, Any]], max_rows: int) -> list[dict[str, Any]]:
    """The parts (in their order) that fit `max_rows`, each with `rows_used`; the last is cut."""
    used: list[dict[str, Any]] = []
    budget = max_rows
    for part in parts:
        if budget <= 0:
            break
        take = min(int(part["rows"]), budget)
        if take > 0:
            used.append({**part, "rows_used": take})
        budget -= take
    return used


def read_copy_frame(
    path: Path, columns: Sequence[str], data_types: Mapping[str, str], nrows: int | None = None
) -> pd.DataFrame:
    """COPY CSV text (no header, NULL as \\N) as a DataFrame typed after the columns' SQL types.

    Integers become nullable Int64, booleans boolean, dates and timestamps datetime64 (UTC for
    timestamptz), everything else text: the frame a pandas pipeline would hold before to_sql.
    """
    frame = pd.read_csv(
        path,
        header=None,
        names=list(columns),
        dtype=str,
        keep_default_na=False,
        na_values=[NULL],
        nrows=nrows,
    )
    for column in columns:
        kind = data_types.get(column, "text")
        values = frame[column]
        if kind in INTEGER_TYPES:
            frame[column] = values.astype("Int64")
        elif kind == "boolean":
            frame[column] = values.map({"t": True, "f": False}).astype("boolean")
        elif kind == "date":
            frame[column] = pd.to_datetime(values, format="%Y-%m-%d")
        elif kind in TIMESTAMP_TYPES:
            frame[column] = pd.to_datetime(values, format="ISO8601", utc=kind.endswith("zone"))
    return frame


def table_columns(table: str) -> list[str]:
    """The columns of a core table's staged rows, in the COPY text's order."""
    from egov.quality.conform import CORE_COLUMNS, CORE_TABLES

    for key, name in CORE_TABLES.items():
        if name == table:
            return [*CORE_COLUMNS[key], "load_batch_id"]
    raise ValueError(f"not a core fact table: {table!r}")


# --- the child process ---------------------------------------------------------------------


def _data_types(engine: Any, table: str) -> dict[str, str]:
    from sqlalchemy import text

    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'core' AND table_name = :table"
            ),
            {"table": table},
        )
        return {str(name): str(kind) for name, kind in rows}


def _table_rows(engine: Any, tables: Sequence[str]) -> dict[str, int]:
    from psycopg2 import sql as pgsql

    out: dict[str, int] = {}
    with engine.connect() as conn:
        cursor = conn.connection.cursor()
        for table in sorted(set(tables)):
            cursor.execute(
                pgsql.SQL("SELECT count(*) FROM {}.{}").format(
                    pgsql.Identifier(TO_SQL_SCHEMA), pgsql.Identifier(table)
                )
            )
            out[table] = int(cursor.fetchone()[0])
        cursor.close()
    return out


def to_sql_reference(url: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """to_sql each part's first `rows_used` rows into fresh tables (in a child process); timings."""
    import sqlalchemy

    from bench.processes import megabytes, peak_rss_kb
    from bench.raw_copy import create_raw_tables
    from bench.step_figures import rate

    engine = sqlalchemy.create_engine(url)  # psycopg2, SQLAlchemy's default PostgreSQL driver
    try:
        create_raw_tables(engine, TO_SQL_SCHEMA)
        types = {table: _data_types(engine, table) for table in {p["table"] for p in parts}}
        timed: list[dict[str, Any]] = []
        seconds = 0.0
        for part in parts:
            table = part["table"]
            frame = read_copy_frame(
                Path(part["path"]), table_columns(table), types[table], part["rows_used"]
            )
            started = time.perf_counter()
            frame.to_sql(table, engine, schema=TO_SQL_SCHEMA, if_exists="append", index=False)
            elapsed = time.perf_counter() - started
            seconds += elapsed
            timed.append(
                {
                    "month": part["month"],
                    "table": table,
                    "rows": len(frame),
                    "seconds": round(elapsed, 3),
                }
            )
            del frame
        written = _table_rows(engine, [p["table"] for p in parts])
    finally:
        engine.dispose()
    rows = sum(p["rows"] for p in timed)
    return {
        "method": "pandas.DataFrame.to_sql(if_exists='append', index=False)",
        "pandas": pd.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_s": round(rate(rows, seconds)) if seconds > 0 else None,
        "rows_in_tables": sum(written.values()),
        "parts": timed,
        "peak_rss_mb": megabytes(peak_rss_kb()),
    }
