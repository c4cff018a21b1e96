"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
"""

from alembic import op

from egov.warehouse.sql import run_sql_script

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/${up_revision}_create_...")


def downgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/${up_revision}_drop_...")
