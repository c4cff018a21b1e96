"""Schema migrations on a real PostgreSQL: create, repeat as a no-op, revert."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from egov.errors import WarehouseError
from egov.warehouse.migrations import (
    _config,
    current_revision,
    head_revision,
    require_current_schema,
    upgrade_warehouse,
)
from tests.integration.helpers import warehouse_engine

pytestmark = pytest.mark.integration

SCHEMA_SNAPSHOT = sa.text(
    "SELECT table_schema, table_name, column_name, data_type, is_nullable "
    "FROM information_schema.columns WHERE table_schema IN ('raw', 'core', 'mart', 'audit') "
    "ORDER BY 1, 2, 3"
)


def test_upgrade_creates_the_schemas_and_a_second_upgrade_changes_nothing(
    fresh_database_url: str,
) -> None:
    with warehouse_engine(fresh_database_url) as engine:
        first = upgrade_warehouse(engine)
        with engine.connect() as conn:
            schemas = set(conn.execute(sa.text("SELECT nspname FROM pg_namespace")).scalars())
            before = conn.execute(SCHEMA_SNAPSHOT).all()
        second = upgrade_warehouse(engine)
        with engine.connect() as conn:
            after = conn.execute(SCHEMA_SNAPSHOT).all()

    assert (first.before, first.after, first.changed) == (None, head_revision(), True)
    assert {"raw", "core", "mart", "audit"} <= schemas
    assert ("core", "dim_municipality", "valid_to", "date", "YES") in before
    assert not second.changed
    assert after == before


def test_a_warehouse_that_was_never_migrated_is_refused_with_the_fix(
    fresh_database_url: str,
) -> None:
    with warehouse_engine(fresh_database_url) as engine:
        with pytest.raises(WarehouseError, match="run `egov warehouse upgrade`"):
            require_current_schema(engine)
        upgrade_warehouse(engine)
        require_current_schema(engine)


def test_downgrade_to_base_removes_everything_the_migrations_created(
    fresh_database_url: str,
) -> None:
    with warehouse_engine(fresh_database_url) as engine:
        upgrade_warehouse(engine)
        with engine.begin() as conn:
            command.downgrade(_config(conn), "base")
        assert current_revision(engine) is None
        with engine.connect() as conn:
            assert conn.execute(SCHEMA_SNAPSHOT).all() == []
