"""The one way SQL reaches the database: named .sql files from sql/, run with bind parameters."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult

from egov.paths import SQL_DIR

NULL = "\\N"
"""The NULL marker of every COPY statement (`NULL '\\N'`)."""
_CSV_SPECIAL = (",", '"', "\n", "\r", "\\")
"""Characters that make a CSV field need quotes (a backslash so `\\N` and `\\.` stay text)."""


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


def select_frame(
    conn: Connection, name: str, params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """The rows of one query from sql/<name>.sql as a DataFrame (columns in query order)."""
    result = run_sql(conn, name, params)
    return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))


def run_sql_script(conn: Connection, name: str) -> None:
    """Run a multi-statement DDL script from sql/<name>.sql (migrations; takes no parameters)."""
    # Straight to the driver without parameters, so '%' in function bodies stays literal.
    cursor = conn.connection.cursor()
    try:
        cursor.execute(load_sql(name))
    finally:
        cursor.close()


def _text_fields(values: list[str]) -> list[str]:
    """CSV fields of non-missing texts; a column with any special character is quoted whole."""
    # String methods on the joined column run in C; the separator cannot occur in PostgreSQL
    # text (no NUL bytes), and a quoted field is never read as NULL.
    if not values:
        return values
    joined = "\x00".join(values)
    if joined.count("\x00") != len(values) - 1:
        raise ValueError("text with a NUL character cannot be copied to PostgreSQL")
    if "" not in values and not any(c in joined for c in _CSV_SPECIAL):
        return values
    return ('"' + joined.replace('"', '""').replace("\x00", '"\x00"') + '"').split("\x00")


def _object_texts(values: npt.NDArray[Any]) -> list[str]:
    """str() of non-missing objects; a column of dates formats each distinct day once."""
    if len(values) and set(map(type, values)) == {date}:
        codes, uniques = pd.factorize(values)
        texts = np.array([str(u) for u in uniques], dtype=object)
        return list(texts[codes])
    return list(map(str, values))


def csv_fields(column: pd.Series) -> list[str]:
    """One column as COPY CSV fields: missing values as \\N, texts quoted where needed."""
    dtype = column.dtype
    if dtype.kind == "M":
        # Vectorised ISO text (pandas formats tz-aware stamps one Python object at a time);
        # tz-aware stamps are written in UTC with an explicit offset, the same instant.
        aware = getattr(dtype, "tz", None) is not None
        naive = column.dt.tz_convert("UTC").dt.tz_localize(None) if aware else column
        stamps: npt.NDArray[np.datetime64] = naive.to_numpy()
        unit: Any = np.datetime_data(stamps.dtype)[0]  # the stamps' own: no rounding here
        text = np.datetime_as_string(stamps, unit=unit)
        if aware:
            text = np.strings.add(text, "+00")
        fields: list[str] = text.tolist()
        for i in np.flatnonzero(np.isnat(stamps)).tolist():
            fields[i] = NULL
        return fields
    if dtype == np.bool_:
        flags: list[str] = np.where(column.to_numpy(), "t", "f").tolist()
        return flags
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return list(map(str, column.to_numpy().tolist()))
    values = column.to_numpy(dtype=object)
    missing = pd.isna(values)
    if not missing.any():
        return _text_fields(_object_texts(values))
    out = np.full(len(values), NULL, dtype=object)
    out[~missing] = _text_fields(_object_texts(values[~missing]))
    return list(out)


def csv_text(frame: pd.DataFrame) -> str:
    """A frame's rows as COPY CSV text (no header), columns in the frame's order."""
    if frame.empty:
        return ""
    columns = [csv_fields(frame.iloc[:, i]) for i in range(frame.shape[1])]
    return "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"


def copy_rows(conn: Connection, name: str, frame: pd.DataFrame) -> int:
    """Stream a frame's rows through `COPY … FROM STDIN WITH (FORMAT csv)` from sql/<name>.sql.

    Columns go in the frame's order, which must be the statement's. Missing values (NaN, None,
    <NA>, NaT) are written as \\N, the statement's NULL marker, so an empty string stays an empty
    string.
    """
    if frame.empty:
        return 0
    buffer = io.StringIO(csv_text(frame))
    cursor = conn.connection.cursor()
    try:
        cursor.copy_expert(load_sql(name), buffer)
    finally:
        cursor.close()
    return len(frame)
