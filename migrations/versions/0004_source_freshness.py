"""Source freshness: the reporting calendar and the mart.source_freshness view.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from egov.warehouse.sql import run_sql_script

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0004_create_source_freshness")


def downgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0004_drop_source_freshness")
