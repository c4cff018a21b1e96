"""ОМСУ as the pipeline sees it: monthly workbooks in an inbox, two tables per municipality."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from egov.calendar import month_end
from egov.quality.inputs import delivery_reader
from egov.settings import Settings
from egov.sources.inbox_landing import InboxFormat, land_inbox_files
from egov.sources.landing import LandingResult, RawStore
from egov.sources.omsu.conform import (
    APPLICATIONS_COLUMNS,
    APPLICATIONS_TABLE,
    CAMPAIGN_COLUMNS,
    CAMPAIGN_TABLE,
    conform_applications,
    conform_campaign,
)
from egov.sources.omsu.naming import parse_omsu_name
from egov.sources.omsu.workbook import parse_omsu_workbook
from egov.sources.records import ParsedDelivery
from egov.sources.spec import DatasetSpec, LandingRequest, SourceSpec, replace_scope

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATASETS = ("applications", "campaign")

INBOX = InboxFormat(
    source="omsu",
    folder=lambda settings: settings.resolved_omsu_inbox,
    parse_name=parse_omsu_name,
    media_type=XLSX_MEDIA_TYPE,
    named_for=lambda file: file.month,
    period=lambda file: (file.month, month_end(file.month)),
    metadata=lambda file: {"file": file.name, "oktmo": file.oktmo},
)
"""`omsu_<OKTMO>_<YYYY-MM>.xlsx`; a re-delivered workbook replaces its municipality-month."""


def land_omsu(
    engine: Engine, settings: Settings, store: RawStore, request: LandingRequest
) -> list[LandingResult]:
    """Land the inbox's workbooks (of the requested month, if any)."""
    return land_inbox_files(engine, store, INBOX, settings, request.month, request.today)


def parse_omsu_delivery(
    content: bytes, name: str, period_start: date
) -> tuple[ParsedDelivery, ParsedDelivery]:
    """One workbook: its service figures and its campaign table (month and OKTMO from its name)."""
    report = parse_omsu_workbook(content, name)
    return report.applications, report.campaign


SPEC = SourceSpec(
    key="omsu",
    title="ОМСУ",
    datasets=(
        DatasetSpec(
            name="applications",
            core_table=APPLICATIONS_TABLE,
            core_columns=APPLICATIONS_COLUMNS,
            conform=conform_applications,
            merge=replace_scope(APPLICATIONS_TABLE),
            source_suite="source_omsu_applications",
            core_suite="core_fact_omsu_service_figures",
            month_column="report_month",
        ),
        DatasetSpec(
            name="campaign",
            core_table=CAMPAIGN_TABLE,
            core_columns=CAMPAIGN_COLUMNS,
            conform=conform_campaign,
            merge=replace_scope(CAMPAIGN_TABLE),
            source_suite="source_omsu_campaign",
            core_suite="core_fact_omsu_campaign",
            month_column="report_month",
        ),
    ),
    land=land_omsu,
    parse=parse_omsu_delivery,
    read_input=delivery_reader("omsu", DATASETS, parse_omsu_delivery),
    calendar_key="omsu",
    inbox=INBOX,
    per_municipality=True,
)
