"""МФЦ as the pipeline sees it: daily CSV exports in an inbox, each replacing its day."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from egov.quality.inputs import delivery_reader
from egov.settings import Settings
from egov.sources.inbox_landing import InboxFormat, land_inbox_files
from egov.sources.landing import LandingResult, RawStore
from egov.sources.mfc.conform import (
    CORE_COLUMNS,
    CORE_TABLE,
    add_accepted_date,
    conform_applications,
)
from egov.sources.mfc.naming import parse_mfc_name
from egov.sources.mfc.parse import parse_mfc_csv
from egov.sources.records import ParsedDelivery
from egov.sources.spec import DatasetSpec, LandingRequest, SourceSpec, replace_scope

INBOX = InboxFormat(
    source="mfc",
    folder=lambda settings: settings.resolved_mfc_inbox,
    parse_name=parse_mfc_name,
    media_type="text/csv",
    named_for=lambda file: file.day,
    period=lambda file: (file.day, file.day),
    metadata=lambda file: {"file": file.name},
)
"""`mfc_YYYYMMDD.csv`, one per day; a re-delivered file replaces the day."""


def land_mfc(
    engine: Engine, settings: Settings, store: RawStore, request: LandingRequest
) -> list[LandingResult]:
    """Land the inbox's exports (of the requested month, if any)."""
    return land_inbox_files(engine, store, INBOX, settings, request.month, request.today)


def parse_mfc_delivery(content: bytes, name: str, period_start: date) -> tuple[ParsedDelivery]:
    """One export file (its day comes from its name)."""
    return (parse_mfc_csv(content, name),)


SPEC = SourceSpec(
    key="mfc",
    title="МФЦ",
    datasets=(
        DatasetSpec(
            name="applications",
            core_table=CORE_TABLE,
            core_columns=CORE_COLUMNS,
            conform=conform_applications,
            merge=replace_scope(CORE_TABLE),
            source_suite="source_mfc_applications",
            core_suite="core_fact_mfc_application",
            month_column="accepted_month",
        ),
    ),
    land=land_mfc,
    parse=parse_mfc_delivery,
    read_input=delivery_reader("mfc", ("applications",), parse_mfc_delivery),
    calendar_key="mfc",
    inbox=INBOX,
    frame_columns=add_accepted_date,
    late_changes_touch_previous_month=True,
)
