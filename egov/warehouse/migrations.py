"""Applying the Alembic migrations in migrations/ to the warehouse."""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from egov.errors import WarehouseError
from egov.paths import MIGRATIONS_DIR
from egov.warehouse.sql import run_sql

# Key of the advisory lock that serialises schema changes between concurrent processes.
MIGRATION_LOCK_KEY = 7_301_001


@dataclass(frozen=True)
class UpgradeResult:
    """Schema revision before and after an upgrade."""

    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the warehouse is at (None when never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_warehouse(engine: Engine) -> UpgradeResult:
    """Bring the warehouse schema to head; a warehouse already at head is left untouched."""
    with engine.connect() as conn:
        run_sql(conn, "warehouse/acquire_transaction_lock", {"lock_key": MIGRATION_LOCK_KEY})
        before = MigrationContext.configure(conn).get_current_revision()
        if before != head_revision():
            command.upgrade(_config(conn), "head")
        after = MigrationContext.configure(conn).get_current_revision()
        conn.commit()  # releases the transaction-scoped advisory lock
    return UpgradeResult(before=before, after=after)


def require_current_schema(engine: Engine) -> None:
    """Fail with a clear line unless the warehouse is at the code's head revision."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise WarehouseError(
            f"the warehouse schema is at revision {current or 'none'}, the code needs {head}: "
            "run `egov warehouse upgrade`"
        )
