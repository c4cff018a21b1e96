"""Quality gate: load batches, validation results, quarantine, core facts.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from egov.warehouse.sql import run_sql_script

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0003_create_quality_gate")


def downgrade() -> None:
    run_sql_script(op.get_bind(), "migrations/0003_drop_quality_gate")
