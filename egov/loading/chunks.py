"""Land one source's deliveries, either incrementally or for exactly one month (a backfill chunk).

Plain functions over an engine, the raw store and the settings; `tasks/sources.py` wraps them.
A month-scoped run asks only for what the warehouse does not have yet (each source decides what
that is: ЕПГУ windows without a landed manifest, ЕКЦ days without a final export, every inbox
file of the month, since only its checksum tells whether a re-delivered file changed).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import Engine

from egov.settings import Settings
from egov.sources.ingest import raw_store
from egov.sources.landing import LandingResult
from egov.sources.registry import source_spec
from egov.sources.spec import LandingRequest


def land_source(
    engine: Engine,
    settings: Settings,
    source: str,
    month: date | None,
    *,
    until: datetime,
    today: date,
    window_hours: int = 24,
) -> list[LandingResult]:
    """Land a source's deliveries of one month (None: incrementally from its mark); what
    landing says about each (`LandedDelivery`, or `DeliveryOutcome`: not landed, and why).

    Each ЕПГУ window and ЕКЦ day lands in its own transaction, so a failure part-way keeps
    what was landed before it; the next run asks only for the rest.
    """
    spec = source_spec(source)
    request = LandingRequest(month, until=until, today=today, window_hours=window_hours)
    return list(spec.land(engine, settings, raw_store(settings), request))
