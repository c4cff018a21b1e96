"""Land and parse any source's deliveries by its key (the source folders do the work).

Plain functions over an engine, the raw store and the settings; the Prefect tasks in
`tasks/sources.py` are thin wrappers. Landing happens before parsing, so a delivery that fails to
parse is still kept, and parsing reads the landed bytes back (the source is never asked twice).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from egov.errors import EgovError
from egov.settings import Settings
from egov.sources.inbox_landing import InboxFormat, land_inbox_files
from egov.sources.landing import DeliveryOutcome, LandingResult, RawStore
from egov.sources.records import ParsedDelivery
from egov.sources.registry import check_source_key, source_spec
from egov.sources.spec import LandingRequest

__all__ = [
    "DeliveryOutcome",
    "LandingRequest",
    "check_source_key",
    "land_inbox",
    "parse_delivery",
    "raw_store",
]


def raw_store(settings: Settings) -> RawStore:
    """The landing zone configured for this process."""
    return RawStore(settings.resolved_raw_dir)


def inbox_format(source: str) -> InboxFormat:
    """How an inbox source's files land; an error for a source that has no inbox."""
    spec = source_spec(source)
    if spec.inbox is None:
        raise EgovError(f"{source} delivers through an API, not an inbox folder")
    return spec.inbox


def land_inbox(
    engine: Engine,
    store: RawStore,
    source: str,
    settings: Settings,
    month: date | None = None,
    today: date | None = None,
) -> list[LandingResult]:
    """Land the well-named files of an inbox source (of one month, if given)."""
    return land_inbox_files(engine, store, inbox_format(source), settings, month, today)


def parse_delivery(
    source: str, content: bytes, name: str, period_start: date
) -> list[ParsedDelivery]:
    """Parse landed bytes with the source's parser: one table per dataset (omsu yields two)."""
    return list(source_spec(source).parse(content, name, period_start))
