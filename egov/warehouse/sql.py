"""The one way SQL reaches the database: named .sql files from sql/, run with bind parameters."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult

from egov.paths import SQL_DIR


@lru_cache(maxsize=256)
def load_sql(name: str) -> str:
    """Text of sql/<name>.sql; `name` is a path relative to sql/ without the suffix."""
    path = (SQL_DIR / f"{name}.sql").resolve()
    if SQL_DIR.resolve() not in path.parents:
        raise ValueError(f"SQL file name escapes sql/: {name!r}")
    return path.read_text(encoding="utf-8")


def run_sql(
    conn: Connection,
    name: str,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
) -> CursorResult[Any]:
    """Run one statement from sql/<name>.sql with bind parameters (list of dicts = executemany)."""
    statement = sa.text(load_sql(name))
    if params is None:
        return conn.execute(statement)
    if isinstance(params, Mapping):
        return conn.execute(statement, dict(params))
    return conn.execute(statement, [dict(p) for p in params])


def run_sql_script(conn: Connection, name: str) -> None:
    """Run a multi-statement DDL script from sql/<name>.sql (migrations; takes no parameters)."""
    # Straight to the driver without parameters, so '%' in function bodies stays literal.
    cursor = conn.connection.cursor()
    try:
        cursor.execute(load_sql(name))
    finally:
        cursor.close()


def copy_rows(conn: Connection, name: str, frame: pd.DataFrame) -> int:
    """Stream a frame's rows through `COPY … FROM STDIN WITH (FORMAT csv)` from sql/<name>.sql.

    Columns go in the frame's order, which must be the statement's. Missing values (NaN, None,
    <NA>) are written as \\N, the statement's NULL marker, so an empty string stays an empty
    string.
    """
    if frame.empty:
        return 0
    buffer = io.StringIO()
    frame.to_csv(buffer, header=False, index=False, na_rep="\\N")
    buffer.seek(0)
    cursor = conn.connection.cursor()
    try:
        cursor.copy_expert(load_sql(name), buffer)
    finally:
        cursor.close()
    return len(frame)
