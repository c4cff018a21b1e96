"""Month lineage: the load batches behind each month's facts, kept by the monthly-counts refresh.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

from egov.warehouse.sql import run_sql_script

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0008_create_month_lineage")


def downgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0008_drop_month_lineage")
