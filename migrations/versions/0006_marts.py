"""BI marts: monthly ЕПГУ share with roll-ups, daily ЕКЦ calls, monthly campaign; bi_reader.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from egov.warehouse.sql import run_sql_script

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0006_create_marts")


def downgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0006_drop_marts")
