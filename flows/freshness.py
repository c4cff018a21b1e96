"""Flow that checks every source against its reporting calendar and alerts on late ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow

from egov.quality.alerts import on_flow_failure
from tasks import freshness
from tasks.warehouse import check_warehouse_schema


@flow(name="check-source-freshness", log_prints=True, on_failure=[on_flow_failure])
def check_source_freshness(
    as_of: datetime | None = None, calendar_path: str | None = None
) -> list[dict[str, Any]]:
    """Sync the reporting calendar, then alert per source with overdue periods."""
    check_warehouse_schema()
    freshness.sync_reporting_calendar(calendar_path)
    return freshness.check_source_freshness(as_of, calendar_path)
