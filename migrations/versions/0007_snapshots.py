"""Indicator snapshots: methodology versions, snapshot tables and the snapshot mart views.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

from egov.warehouse.sql import run_sql_script

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0007_create_snapshots")


def downgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0007_drop_snapshots")
