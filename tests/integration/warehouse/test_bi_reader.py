"""bi_reader (migration 0006): reads every mart view and nothing else, writes nowhere.

The test connection is a superuser; `SET ROLE bi_reader` makes every privilege check that of
bi_reader (checked: current_user is bi_reader, not a superuser). Each statement runs in its own
savepoint, so one refusal does not abort the next check.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg2
import psycopg2.errors
import pytest
import sqlalchemy as sa
from alembic import command
from psycopg2 import sql as pgsql
from psycopg2.extensions import connection as PgConnection
from sqlalchemy.engine import make_url

from egov.quality.freshness_store import sync_reporting_calendar
from egov.quality.reporting_calendar import load_reporting_calendar
from egov.warehouse.migrations import _config, current_revision, upgrade_warehouse
from tests.integration.helpers import warehouse_engine
from tests.integration.warehouse.test_marts import seed_small_warehouse

pytestmark = pytest.mark.integration

MART_VIEWS = [
    "epgu_share_monthly",
    "ekc_calls_daily",
    "info_campaign_monthly",
    "load_batches",
    "data_quality",
    "source_freshness",
]
FORBIDDEN_READS = [
    "raw.deliveries",
    "core.fact_epgu_application",
    "core.dim_municipality",
    "core.agg_application_monthly",
    "audit.quarantine",
    "audit.load_batches",
    "audit.reporting_calendar",
    "public.alembic_version",
]


def _prepare(url: str) -> None:
    """Migrate and put a little data in every mart view."""
    with warehouse_engine(url) as engine:
        upgrade_warehouse(engine)
        with engine.begin() as conn:
            seed_small_warehouse(conn)
            sync_reporting_calendar(conn, load_reporting_calendar())
            conn.execute(
                sa.text(
                    "INSERT INTO audit.expectation_results (batch_id, expectation, suite, "
                    "severity, success, element_count, unexpected_count) "
                    "SELECT min(batch_id), 'rows_are_unique', 'test', 'blocking', true, 1, 0 "
                    "FROM audit.load_batches"
                )
            )


@pytest.fixture(scope="module")
def warehouse_url(postgres_server_url: str) -> Iterator[str]:
    """One prepared database for the module's read-only checks (each rolls back)."""
    name = f"egov_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(postgres_server_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
        url = make_url(postgres_server_url).set(database=name).render_as_string(False)
        _prepare(url)
        yield url
        with admin.cursor() as cur:
            cur.execute(pgsql.SQL("DROP DATABASE {} WITH (FORCE)").format(pgsql.Identifier(name)))
    finally:
        admin.close()


@pytest.fixture
def as_bi_reader(warehouse_url: str) -> Iterator[PgConnection]:
    """A connection whose privileges are bi_reader's (rolled back at the end)."""
    conn = psycopg2.connect(warehouse_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SET ROLE bi_reader")
            cur.execute(
                "SELECT current_user, r.rolsuper, r.rolcanlogin FROM pg_roles AS r "
                "WHERE r.rolname = current_user"
            )
            assert cur.fetchone() == ("bi_reader", False, False)
        yield conn
    finally:
        conn.rollback()
        conn.close()


def _run(conn: PgConnection, statement: str) -> list[tuple[Any, ...]]:
    """Run one statement in a savepoint; a failure rolls back only the savepoint."""
    with conn.cursor() as cur:
        cur.execute("SAVEPOINT probe")
        try:
            cur.execute(statement)
            rows = cur.fetchall() if cur.description else []
        except psycopg2.Error:
            cur.execute("ROLLBACK TO SAVEPOINT probe")
            raise
        cur.execute("RELEASE SAVEPOINT probe")
        return rows


def test_bi_reader_is_a_commented_role_without_login(as_bi_reader: PgConnection) -> None:
    [(can_login, comment)] = _run(
        as_bi_reader,
        "SELECT rolcanlogin, shobj_description(oid, 'pg_authid') FROM pg_roles "
        "WHERE rolname = 'bi_reader'",
    )
    assert not can_login
    assert "Reads the mart views" in comment


@pytest.mark.parametrize("view", MART_VIEWS)
def test_bi_reader_reads_every_mart_view(as_bi_reader: PgConnection, view: str) -> None:
    [(rows,)] = _run(as_bi_reader, f"SELECT count(*) FROM mart.{view}")
    assert rows > 0


def test_bi_reader_reads_whatever_the_mart_holds(as_bi_reader: PgConnection) -> None:
    """Every relation in mart, including views of later migrations (through the defaults)."""
    relations = _run(
        as_bi_reader,
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class AS c "
        "JOIN pg_namespace AS n ON c.relnamespace = n.oid "
        "WHERE n.nspname = 'mart' AND c.relkind IN ('r', 'v', 'm', 'p', 'f')",
    )
    assert len(relations) >= len(MART_VIEWS)
    for (relation,) in relations:
        _run(as_bi_reader, f"SELECT * FROM {relation} LIMIT 1")


@pytest.mark.parametrize("table", FORBIDDEN_READS)
def test_bi_reader_cannot_read_outside_the_mart(as_bi_reader: PgConnection, table: str) -> None:
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        _run(as_bi_reader, f"SELECT * FROM {table} LIMIT 1")


@pytest.mark.parametrize(
    "statement",
    [
        # load_batches is a simple, automatically updatable view over audit.load_batches.
        "INSERT INTO mart.load_batches (source, batch_key, period_start, period_end, status) "
        "VALUES ('mfc', 'x', '2024-01-01', '2024-01-01', 'loaded')",
        "UPDATE mart.load_batches SET message = 'x'",
        "DELETE FROM mart.load_batches",
        "CREATE TABLE mart.bi_scratch (x integer)",
        "CREATE VIEW mart.bi_scratch AS SELECT 1 AS x",
        "CREATE TABLE public.bi_scratch (x integer)",
        "CREATE SCHEMA bi_scratch",
        "SELECT * FROM audit.table_checksums()",
        "SELECT audit.reporting_period_start('monthly', current_date)",
        "COMMENT ON VIEW mart.epgu_share_monthly IS 'x'",
    ],
)
def test_bi_reader_cannot_write_create_or_reach_audit_functions(
    as_bi_reader: PgConnection, statement: str
) -> None:
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        _run(as_bi_reader, statement)


def test_inserting_into_an_aggregating_mart_view_fails_too(as_bi_reader: PgConnection) -> None:
    # Not updatable at all: PostgreSQL refuses before it checks privileges.
    with pytest.raises(psycopg2.Error):
        _run(as_bi_reader, "INSERT INTO mart.epgu_share_monthly (month) VALUES ('2024-01-01')")


def test_a_view_a_later_migration_adds_to_mart_is_readable(warehouse_url: str) -> None:
    conn = psycopg2.connect(warehouse_url)
    try:
        with conn.cursor() as cur:
            # As the role that runs the migrations, like revision 0007 will.
            cur.execute("CREATE VIEW mart.later_view AS SELECT 1 AS one")
            cur.execute("CREATE VIEW core.later_view AS SELECT 1 AS one")
            cur.execute("SET ROLE bi_reader")
        assert _run(conn, "SELECT one FROM mart.later_view") == [(1,)]
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            _run(conn, "SELECT one FROM core.later_view")
    finally:
        conn.rollback()
        conn.close()


def test_downgrade_revokes_the_grants_but_keeps_the_role(fresh_database_url: str) -> None:
    _prepare(fresh_database_url)
    with warehouse_engine(fresh_database_url) as engine:
        with engine.begin() as conn:
            command.downgrade(_config(conn), "0005")
        assert current_revision(engine) == "0005"
        with engine.connect() as conn:
            role = conn.execute(
                sa.text("SELECT count(*) FROM pg_roles WHERE rolname = 'bi_reader'")
            ).scalar_one()
            usage = conn.execute(
                sa.text("SELECT has_schema_privilege('bi_reader', 'mart', 'USAGE')")
            ).scalar_one()
            readable = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_class AS c "
                    "JOIN pg_namespace AS n ON c.relnamespace = n.oid WHERE n.nspname = 'mart' "
                    "AND has_table_privilege('bi_reader', c.oid, 'SELECT')"
                )
            ).scalar_one()
            defaults = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_default_acl AS d "
                    "JOIN pg_namespace AS n ON d.defaclnamespace = n.oid "
                    "WHERE n.nspname = 'mart'"
                )
            ).scalar_one()
        assert (role, usage, readable, defaults) == (1, False, 0, 0)
        upgrade_warehouse(engine)
        with engine.connect() as conn:
            assert conn.execute(
                sa.text("SELECT has_table_privilege('bi_reader', 'mart.load_batches', 'SELECT')")
            ).scalar_one()
