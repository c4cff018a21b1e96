"""Resolving the warehouse URL (configured or embedded) and opening engines on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from egov.errors import WarehouseError
from egov.settings import Settings, get_settings
from egov.warehouse.embedded import start_embedded_server


def resolve_warehouse_url(settings: Settings | None = None) -> str:
    """The full libpq/SQLAlchemy URL of the warehouse, password included: never print it."""
    settings = settings or get_settings()
    if settings.warehouse_url is not None:
        return settings.warehouse_url.get_secret_value()
    return _embedded_url(str(settings.embedded_pgdata_dir))


@lru_cache(maxsize=4)
def _embedded_url(pgdata: str) -> str:
    return start_embedded_server(Path(pgdata))


def is_embedded(settings: Settings | None = None) -> bool:
    """True when the warehouse is the embedded server (no URL configured)."""
    return (settings or get_settings()).warehouse_url is None


def mask_password(url: str) -> str:
    """The URL with its password replaced by *** (safe for logs and terminals)."""
    parsed = make_url(url)
    if not parsed.password:  # an empty password hides nothing: do not suggest there is one
        parsed = sa.URL.create(
            parsed.drivername,
            username=parsed.username,
            host=parsed.host,
            port=parsed.port,
            database=parsed.database,
            query=parsed.query,
        )
    return parsed.render_as_string(hide_password=True)


def libpq_url(url: str) -> str:
    """The URL in the plain postgresql:// form psql and BI tools understand."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlalchemy_url(url: str) -> sa.URL:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed


def create_warehouse_engine(url: str | None = None) -> Engine:
    """An engine on the warehouse; fails with one clear line when the server cannot be reached."""
    url = url or resolve_warehouse_url()
    engine = sa.create_engine(_sqlalchemy_url(url), pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("SHOW server_version_num")).scalar_one()
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise WarehouseError(
            f"cannot connect to the warehouse {mask_password(url)}: {reason}"
        ) from None
    if int(version) < 140000:
        raise WarehouseError(f"the warehouse runs PostgreSQL {version}; 14 or newer is needed")
    return engine


@contextmanager
def warehouse_engine(url: str | None = None) -> Iterator[Engine]:
    """The one way to open the warehouse: an engine for a `with` block, disposed after it."""
    engine = create_warehouse_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
