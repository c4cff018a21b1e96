"""Raw landing: delivery manifest and per-source high-water marks.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from egov.warehouse.sql import run_sql_script

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0002_create_raw_landing")


def downgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0002_drop_raw_landing")
