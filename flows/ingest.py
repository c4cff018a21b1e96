"""Flows that fetch or collect each source's deliveries, land them raw, validate and load them.

Each takes an optional ISO month ('YYYY-MM'): without it the flow is incremental (from the
source's mark, or the whole inbox); with it, exactly that month's deliveries are asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime

from prefect import flow

from egov.quality.alerts import on_flow_failure
from egov.sources.ingest_summary import IngestReport
from egov.sources.landing import LandingResult
from egov.sources.registry import check_source_key
from tasks.quality import (
    alert_on_rejected_batches,
    publish_quality_summary,
    reconcile_municipal_forms,
    validate_and_load_deliveries,
)
from tasks.sources import land_deliveries
from tasks.warehouse import check_warehouse_schema


def _validate_and_load(source: str, landed: list[LandingResult]) -> IngestReport:
    batches = validate_and_load_deliveries(source)
    reconcile_municipal_forms(batches)
    alert_on_rejected_batches(batches)
    publish_quality_summary(source, landed, batches)
    return IngestReport(deliveries=tuple(landed), batches=tuple(batches))


@flow(name="ingest-epgu-applications", log_prints=True, on_failure=[on_flow_failure])
def ingest_epgu_applications(
    month: str | None = None, until: datetime | None = None, window_hours: int = 24
) -> IngestReport:
    """ЕПГУ: fetch the windows since the mark (or a month's missing ones), land, validate, load."""
    check_warehouse_schema()
    landed = land_deliveries("epgu", month, until=until, window_hours=window_hours)
    return _validate_and_load("epgu", landed)


@flow(name="ingest-ekc-calls", log_prints=True, on_failure=[on_flow_failure])
def ingest_ekc_calls(month: str | None = None, today: date | None = None) -> IngestReport:
    """ЕКЦ: request each day since the mark (or a month's non-final days), land, validate, load."""
    check_warehouse_schema()
    landed = land_deliveries("ekc", month, today=today)
    return _validate_and_load("ekc", landed)


@flow(name="ingest-mfc-exports", log_prints=True, on_failure=[on_flow_failure])
def ingest_mfc_exports(month: str | None = None) -> IngestReport:
    """МФЦ: land the daily exports in the inbox (of a month), validate, load; a re-delivery wins."""
    check_warehouse_schema()
    return _validate_and_load("mfc", land_deliveries("mfc", month))


@flow(name="ingest-omsu-reports", log_prints=True, on_failure=[on_flow_failure])
def ingest_omsu_reports(month: str | None = None) -> IngestReport:
    """ОМСУ: land the monthly workbooks in the inbox (of a month), validate, load; later wins."""
    check_warehouse_schema()
    return _validate_and_load("omsu", land_deliveries("omsu", month))


IngestRun = Callable[[datetime | None, date | None], IngestReport]
"""Runs one source's ingest flow; `until` (ЕПГУ) and `today` (ЕКЦ) reach the flows that take
them, the inbox flows read whatever is in their inbox."""

INGEST_FLOWS: Mapping[str, IngestRun] = {
    "epgu": lambda until, today: ingest_epgu_applications(until=until),
    "mfc": lambda until, today: ingest_mfc_exports(),
    "omsu": lambda until, today: ingest_omsu_reports(),
    "ekc": lambda until, today: ingest_ekc_calls(today=today),
}
"""The ingest flow of each source key."""


def run_ingest_flow(
    source: str, *, until: datetime | None = None, today: date | None = None
) -> IngestReport:
    """Run the ingest flow of a source (a clear error for an unknown key)."""
    return INGEST_FLOWS[check_source_key(source)](until, today)
