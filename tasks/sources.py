"""Tasks that fetch, land and parse source deliveries (thin wrappers over egov.sources.ingest)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from prefect import task

from egov.settings import get_settings
from egov.sources import ingest
from egov.sources.contract import IRKUTSK
from egov.warehouse.connection import create_warehouse_engine

# Source HTTP retries live in the connectors (backoff honouring Retry-After); Prefect retries on
# top would multiply the budget, so fetch tasks have none.


@task
def plan_epgu_windows(until: datetime | None, window_hours: int) -> list[tuple[datetime, datetime]]:
    """Windows from the ЕПГУ high-water mark to `until` (default: now)."""
    settings = get_settings()
    engine = create_warehouse_engine()
    try:
        return ingest.plan_epgu_fetch(
            engine, settings, until or datetime.now(UTC), timedelta(hours=window_hours)
        )
    finally:
        engine.dispose()


@task(task_run_name="land-epgu-window-{start}")
def land_epgu_window(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Fetch one window's pages, land them and advance the mark; returns the landed deliveries."""
    settings = get_settings()
    engine = create_warehouse_engine()
    try:
        landed = ingest.land_epgu_window(
            engine, ingest.raw_store(settings), ingest.epgu_client(settings), start, end
        )
    finally:
        engine.dispose()
    return [asdict(d) for d in landed]


@task
def plan_ekc_days(today: date | None) -> list[date]:
    """ЕКЦ days to request (after the mark, plus the last two that may still grow)."""
    engine = create_warehouse_engine()
    try:
        return ingest.plan_ekc_fetch(engine, get_settings(), today or datetime.now(IRKUTSK).date())
    finally:
        engine.dispose()


@task(task_run_name="land-ekc-day-{day}")
def land_ekc_day(day: date) -> dict[str, Any]:
    """Request and land one day's call export (or report that the platform has none)."""
    settings = get_settings()
    engine = create_warehouse_engine()
    try:
        result = ingest.land_ekc_day(
            engine, ingest.raw_store(settings), ingest.ekc_client(settings), day
        )
    finally:
        engine.dispose()
    return {"kind": type(result).__name__, **asdict(result)}


@task(task_run_name="land-{source}-inbox")
def land_inbox_files(source: Literal["mfc", "omsu"]) -> list[dict[str, Any]]:
    """Land every file of the source's inbox folder; badly named files are reported."""
    settings = get_settings()
    engine = create_warehouse_engine()
    try:
        results = ingest.land_inbox(engine, ingest.raw_store(settings), source, settings)
    finally:
        engine.dispose()
    return [{"kind": type(r).__name__, **asdict(r)} for r in results]
