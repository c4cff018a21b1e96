"""The embedded PostgreSQL server (pgserver wheel) used when no warehouse URL is configured."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import psycopg2
from psycopg2 import sql as pgsql

from egov.errors import WarehouseError

WAREHOUSE_DATABASE = "egov"


def _pgserver() -> Any:
    # platformdirs warns at pgserver's import when XDG_RUNTIME_DIR is unset; the fallback is fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    return pgserver


def start_embedded_server(pgdata: Path, database: str = WAREHOUSE_DATABASE) -> str:
    """Start (or reuse) the embedded server in `pgdata`, create `database` if needed; its URL.

    The server is left running when the process exits so that later runs, psql and BI tools
    reuse it; `egov warehouse stop` stops it.
    """
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    try:
        server = _pgserver().get_server(pgdata, cleanup_mode=None)
    except Exception as exc:
        raise WarehouseError(
            f"cannot start the embedded PostgreSQL in {pgdata}: {exc} (server log: {pgdata}/log)"
        ) from exc
    _create_database_if_missing(server.get_uri("postgres"), database)
    return str(server.get_uri(database=database))


def _create_database_if_missing(admin_url: str, database: str) -> None:
    conn = psycopg2.connect(admin_url)
    try:
        conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
            if cur.fetchone() is None:
                cur.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(database)))
    finally:
        conn.close()


def is_embedded_server_running(pgdata: Path) -> bool:
    """True when a postmaster is serving `pgdata`."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return False
    import psutil

    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (ValueError, IndexError):
        return False
    return bool(psutil.pid_exists(pid))


def stop_embedded_server(pgdata: Path) -> bool:
    """Stop the embedded server in `pgdata`; False when it was not running."""
    if not is_embedded_server_running(pgdata):
        return False
    server = _pgserver().get_server(pgdata, cleanup_mode="stop")
    server.cleanup()
    return True
