"""Foundation: raw/core/mart/audit schemas and the reference dimension tables.

Revision ID: 0001
Revises:
"""

from alembic import op

from egov.warehouse.sql import run_sql_script

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0001_create_foundation")


def downgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0001_drop_foundation")
