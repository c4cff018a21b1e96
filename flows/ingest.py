"""Flows that fetch or collect each source's deliveries, land them raw, validate and load them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from prefect import flow

from egov.quality.alerts import on_flow_failure
from tasks.quality import (
    alert_on_rejected_batches,
    publish_quality_summary,
    reconcile_municipal_forms,
    validate_and_load_deliveries,
)
from tasks.sources import (
    land_ekc_day,
    land_epgu_window,
    land_inbox_files,
    plan_ekc_days,
    plan_epgu_windows,
)
from tasks.warehouse import check_warehouse_schema

IngestResult = dict[str, list[dict[str, Any]]]
"""{"deliveries": landing outcome per delivery, "batches": gate summary per batch}."""


def _validate_and_load(source: str, landed: list[dict[str, Any]]) -> IngestResult:
    batches = validate_and_load_deliveries(source)
    reconcile_municipal_forms(batches)
    alert_on_rejected_batches(batches)
    publish_quality_summary(source, landed, batches)
    return {"deliveries": landed, "batches": batches}


@flow(name="ingest-epgu-applications", log_prints=True, on_failure=[on_flow_failure])
def ingest_epgu_applications(until: datetime | None = None, window_hours: int = 24) -> IngestResult:
    """ЕПГУ: fetch every window from the high-water mark to `until`, land, validate, load."""
    check_warehouse_schema()
    landed: list[dict[str, Any]] = []
    # Windows go in order: each one moves the high-water mark that the next one starts from.
    for start, end in plan_epgu_windows(until, window_hours):
        landed += land_epgu_window(start, end)
    return _validate_and_load("epgu", landed)


@flow(name="ingest-ekc-calls", log_prints=True, on_failure=[on_flow_failure])
def ingest_ekc_calls(today: date | None = None) -> IngestResult:
    """ЕКЦ: request each day since the mark (re-fetching the last two), land, validate, load."""
    check_warehouse_schema()
    landed = [land_ekc_day(day) for day in plan_ekc_days(today)]
    return _validate_and_load("ekc", landed)


@flow(name="ingest-mfc-exports", log_prints=True, on_failure=[on_flow_failure])
def ingest_mfc_exports() -> IngestResult:
    """МФЦ: land every daily export in the inbox (a re-delivered day replaces it), load."""
    check_warehouse_schema()
    return _validate_and_load("mfc", land_inbox_files("mfc"))


@flow(name="ingest-omsu-reports", log_prints=True, on_failure=[on_flow_failure])
def ingest_omsu_reports() -> IngestResult:
    """ОМСУ: land every monthly workbook in the inbox (a later file replaces it), validate, load."""
    check_warehouse_schema()
    return _validate_and_load("omsu", land_inbox_files("omsu"))
