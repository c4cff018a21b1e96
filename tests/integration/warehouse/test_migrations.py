"""Schema migrations on a real PostgreSQL: create, repeat as a no-op, revert."""

from __future__ import annotations

from datetime import date

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
    assert ("core", "agg_application_monthly", "has_omsu_report", "boolean", "NO") in before
    assert ("core", "dim_date", "month_start", "date", "NO") in before
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


def test_the_date_dimension_covers_2023_to_2030_with_iso_calendar_fields(
    fresh_database_url: str,
) -> None:
    with warehouse_engine(fresh_database_url) as engine:
        upgrade_warehouse(engine)
        with engine.connect() as conn:
            first, last, days = conn.execute(
                sa.text(
                    "SELECT min(calendar_date), max(calendar_date), count(*) FROM core.dim_date"
                )
            ).one()
            leap_day = conn.execute(
                sa.text(
                    "SELECT year, quarter, month_start, month_no, day_of_month, iso_week, iso_dow, "
                    "is_weekend, month_end, days_in_month FROM core.dim_date "
                    "WHERE calendar_date = '2024-02-29'"
                )
            ).one()
            # 1 January 2023 is a Sunday of ISO week 52 of 2022.
            new_year = conn.execute(
                sa.text(
                    "SELECT iso_week, iso_dow, is_weekend FROM core.dim_date "
                    "WHERE calendar_date = '2023-01-01'"
                )
            ).one()
    assert (first, last, days) == (date(2023, 1, 1), date(2030, 12, 31), 2922)
    assert tuple(leap_day) == (2024, 1, date(2024, 2, 1), 2, 29, 9, 4, False, date(2024, 2, 29), 29)
    assert tuple(new_year) == (52, 7, True)


def test_the_loading_model_downgrades_to_0004_and_upgrades_again(
    fresh_database_url: str,
) -> None:
    with warehouse_engine(fresh_database_url) as engine:
        upgrade_warehouse(engine)
        with engine.connect() as conn:
            at_head = conn.execute(SCHEMA_SNAPSHOT).all()
        with engine.begin() as conn:
            command.downgrade(_config(conn), "0004")
        assert current_revision(engine) == "0004"
        with engine.connect() as conn:
            tables = {r.table_name for r in conn.execute(SCHEMA_SNAPSHOT)}
            indexes = set(
                conn.execute(
                    sa.text("SELECT indexname FROM pg_indexes WHERE schemaname = 'audit'")
                ).scalars()
            )
        assert not {"dim_date", "agg_application_monthly"} & tables
        assert "load_batches_key_idx" not in indexes
        upgrade_warehouse(engine)
        with engine.connect() as conn:
            assert conn.execute(SCHEMA_SNAPSHOT).all() == at_head
