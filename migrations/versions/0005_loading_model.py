"""Loading model: the date dimension, the batch-in-force index, the monthly application counts.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from egov.warehouse.sql import run_sql_script

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0005_create_loading_model")


def downgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0005_drop_loading_model")
