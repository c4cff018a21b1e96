"""Flows that fetch or collect each source's deliveries, land them raw and parse them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from prefect import flow

from tasks.sources import (
    land_ekc_day,
    land_epgu_window,
    land_inbox_files,
    parse_landed_deliveries,
    plan_ekc_days,
    plan_epgu_windows,
    publish_ingest_summary,
)
from tasks.warehouse import check_warehouse_schema


@flow(name="ingest-epgu-applications", log_prints=True)
def ingest_epgu_applications(
    until: datetime | None = None, window_hours: int = 24
) -> list[dict[str, Any]]:
    """ЕПГУ: fetch every window from the high-water mark to `until`, land, parse."""
    check_warehouse_schema()
    landed: list[dict[str, Any]] = []
    # Windows go in order: each one moves the high-water mark that the next one starts from.
    for start, end in plan_epgu_windows(until, window_hours):
        landed += land_epgu_window(start, end)
    outcomes = parse_landed_deliveries("epgu", landed)
    publish_ingest_summary("epgu", outcomes)
    return outcomes


@flow(name="ingest-ekc-calls", log_prints=True)
def ingest_ekc_calls(today: date | None = None) -> list[dict[str, Any]]:
    """ЕКЦ: request each day's export since the mark (re-fetching the last two), land, parse."""
    check_warehouse_schema()
    landed = [land_ekc_day(day) for day in plan_ekc_days(today)]
    outcomes = parse_landed_deliveries("ekc", landed)
    publish_ingest_summary("ekc", outcomes)
    return outcomes


@flow(name="ingest-mfc-exports", log_prints=True)
def ingest_mfc_exports() -> list[dict[str, Any]]:
    """МФЦ: land every daily export in the inbox (a re-delivered day replaces it), parse."""
    check_warehouse_schema()
    outcomes = parse_landed_deliveries("mfc", land_inbox_files("mfc"))
    publish_ingest_summary("mfc", outcomes)
    return outcomes


@flow(name="ingest-omsu-reports", log_prints=True)
def ingest_omsu_reports() -> list[dict[str, Any]]:
    """ОМСУ: land every monthly workbook in the inbox (a later file replaces it), parse."""
    check_warehouse_schema()
    outcomes = parse_landed_deliveries("omsu", land_inbox_files("omsu"))
    publish_ingest_summary("omsu", outcomes)
    return outcomes
