"""Re-processing: each load batch records its verdict's fingerprint.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

from egov.warehouse.sql import run_sql_script

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0009_create_batch_fingerprint")


def downgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0009_drop_batch_fingerprint")
