"""ЕКЦ as the pipeline sees it: one export per day, final two days later, replacing its day."""

from __future__ import annotations

from datetime import date

from egov.quality.inputs import delivery_reader
from egov.sources.ekc.checks import (
    CORE_SUITE,
    check_calls_of_other_days,
    check_final_export_has_calls,
)
from egov.sources.ekc.conform import CORE_COLUMNS, CORE_TABLE, add_started_date, conform_calls
from egov.sources.ekc.landing import land_ekc
from egov.sources.ekc.parse import parse_ekc_csv
from egov.sources.records import ParsedDelivery
from egov.sources.spec import DatasetSpec, SourceSpec, replace_scope


def parse_ekc_delivery(content: bytes, name: str, period_start: date) -> tuple[ParsedDelivery]:
    """One day's export; a call that did not start on its day is rejected."""
    return (parse_ekc_csv(content, name, day=period_start),)


SPEC = SourceSpec(
    key="ekc",
    title="ЕКЦ",
    datasets=(
        DatasetSpec(
            name="calls",
            core_table=CORE_TABLE,
            core_columns=CORE_COLUMNS,
            conform=conform_calls,
            merge=replace_scope(CORE_TABLE),
            source_suite="source_ekc_calls",
            core_suite=CORE_SUITE,
        ),
    ),
    land=land_ekc,
    parse=parse_ekc_delivery,
    read_input=delivery_reader(
        "ekc", ("calls",), parse_ekc_delivery, check=check_final_export_has_calls
    ),
    calendar_key="ekc",
    frame_columns=add_started_date,
    transaction_checks=(check_calls_of_other_days,),
)
