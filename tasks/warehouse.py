"""Tasks that manage the warehouse schema."""

from __future__ import annotations

from prefect import task

from egov.warehouse.connection import warehouse_engine
from egov.warehouse.migrations import require_current_schema
from tasks.retry import WAREHOUSE_RETRIES, WAREHOUSE_RETRY_DELAY_SECONDS, is_transient_failure


@task(
    retries=WAREHOUSE_RETRIES,
    retry_delay_seconds=WAREHOUSE_RETRY_DELAY_SECONDS,
    retry_condition_fn=is_transient_failure,
)
def check_warehouse_schema() -> None:
    """Fail early, with the fix in the message, when the warehouse is not migrated to head."""
    with warehouse_engine() as engine:
        require_current_schema(engine)
