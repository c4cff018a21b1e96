"""Tasks that keep the reporting calendar in the warehouse and alert on late sources."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import task

from egov.quality.alerts import emit_alert
from egov.quality.freshness import overdue_alerts, source_freshness
from egov.quality.freshness_store import (
    select_loaded_periods,
    select_municipalities,
    select_source_freshness,
)
from egov.quality.freshness_store import sync_reporting_calendar as write_reporting_calendar
from egov.quality.reporting_calendar import CALENDAR_PATH, load_reporting_calendar
from egov.warehouse.connection import warehouse_engine
from tasks.retry import WAREHOUSE_RETRIES, WAREHOUSE_RETRY_DELAY_SECONDS, is_transient_failure


@task(
    retries=WAREHOUSE_RETRIES,
    retry_delay_seconds=WAREHOUSE_RETRY_DELAY_SECONDS,
    retry_condition_fn=is_transient_failure,
)
def sync_reporting_calendar(calendar_path: str | None = None) -> dict[str, int]:
    """Validate the calendar file and make audit.reporting_calendar equal it (one transaction)."""
    calendar = load_reporting_calendar(Path(calendar_path) if calendar_path else CALENDAR_PATH)
    with warehouse_engine() as engine, engine.begin() as conn:
        result = write_reporting_calendar(conn, calendar)
    return asdict(result)


@task(
    retries=WAREHOUSE_RETRIES,
    retry_delay_seconds=WAREHOUSE_RETRY_DELAY_SECONDS,
    retry_condition_fn=is_transient_failure,
)
def check_source_freshness(
    as_of: datetime | None = None, calendar_path: str | None = None
) -> list[dict[str, Any]]:
    """Alert once per source with overdue scopes; returns the overdue scopes as dicts."""
    # Without as_of the rows are mart.source_freshness itself (exactly what BI shows); with it,
    # the same rules run in Python at that moment (replays, tests).
    calendar = load_reporting_calendar(Path(calendar_path) if calendar_path else CALENDAR_PATH)
    with warehouse_engine() as engine, engine.connect() as conn:
        if as_of is None:
            rows = select_source_freshness(conn)
        else:
            scopes = source_freshness(
                calendar, select_loaded_periods(conn), as_of, select_municipalities(conn)
            )
            rows = [asdict(s) for s in scopes]
    # Alerts go out only after every read succeeded, so a retried task never alerts twice.
    for alert in overdue_alerts(calendar, rows):
        emit_alert(
            "overdue_source", alert.source, alert.period, alert.reason, details=alert.details
        )
    return [row for row in rows if row["is_overdue"]]
