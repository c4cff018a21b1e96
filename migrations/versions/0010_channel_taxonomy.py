"""Channel taxonomy drives I1: the counts' n_online (core.dim_channel), read by the mart.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

from egov.warehouse.sql import run_sql_script

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0010_create_channel_taxonomy")


def downgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0010_drop_channel_taxonomy")
