"""Tasks that fetch or collect source deliveries and land them raw (thin wrappers)."""

from __future__ import annotations

from datetime import date, datetime

from prefect import task

from egov import clock
from egov.calendar import parse_month
from egov.loading.chunks import land_source
from egov.settings import get_settings
from egov.sources.landing import LandingResult
from egov.warehouse.connection import warehouse_engine

# Source HTTP retries live in the connectors (backoff honouring Retry-After); Prefect retries on
# top would multiply the budget, so landing tasks have none.


@task(task_run_name="land-{source}-{month}")
def land_deliveries(
    source: str,
    month: str | None = None,
    until: datetime | None = None,
    today: date | None = None,
    window_hours: int = 24,
) -> list[LandingResult]:
    """Land a source's deliveries of one month, or everything since its mark (month None)."""
    settings = get_settings()
    with warehouse_engine() as engine:
        return land_source(
            engine,
            settings,
            source,
            parse_month(month) if month else None,
            until=until or clock.now(settings),
            today=today or clock.today(settings),
            window_hours=window_hours,
        )
