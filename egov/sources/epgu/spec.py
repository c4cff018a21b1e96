"""ЕПГУ as the pipeline sees it: API windows, pages parsed per window, latest version wins."""

from __future__ import annotations

from datetime import date

from egov.sources.epgu.batch import read_window_input
from egov.sources.epgu.conform import CORE_COLUMNS, CORE_TABLE, conform_applications
from egov.sources.epgu.landing import EPGU_WINDOW_MEDIA_TYPE, land_epgu
from egov.sources.epgu.parse import parse_epgu_page
from egov.sources.records import ParsedDelivery
from egov.sources.spec import DatasetSpec, SourceSpec, latest_version_wins


def parse_epgu_delivery(content: bytes, name: str, period_start: date) -> tuple[ParsedDelivery]:
    """One landed API page (the window's day is not needed: the suite checks the window)."""
    return (parse_epgu_page(content, name),)


SPEC = SourceSpec(
    key="epgu",
    title="ЕПГУ",
    datasets=(
        DatasetSpec(
            name="applications",
            core_table=CORE_TABLE,
            core_columns=CORE_COLUMNS,
            conform=conform_applications,
            merge=latest_version_wins(CORE_TABLE),
            source_suite="source_epgu_applications",
            core_suite="core_fact_epgu_application",
            month_column="submitted_month",
        ),
    ),
    land=land_epgu,
    parse=parse_epgu_delivery,
    read_input=read_window_input,
    calendar_key="epgu",
    late_changes_touch_previous_month=True,
    batch_media_type=EPGU_WINDOW_MEDIA_TYPE,
)
