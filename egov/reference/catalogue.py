"""The МСЗУ service catalogue and the channel taxonomy reference files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from egov.errors import ReferenceFileError
from egov.reference.csv_table import CsvRow, first_row_with, read_csv_rows

SERVICE_COLUMNS = (
    "reg_list_no",
    "service_code",
    "name",
    "level",
    "sphere",
    "responsible_body",
    "code_is_illustrative",
)
CHANNEL_COLUMNS = ("channel", "name_ru", "counts_as_online_without_visit", "source", "note")
SOURCES = ("epgu", "mfc", "omsu", "ekc")


@dataclass(frozen=True)
class Service:
    """One МСЗУ service of the regional list (grain of core.dim_service)."""

    service_code: str
    reg_list_no: int
    name: str
    level: str
    sphere: str
    responsible_body: str
    is_code_illustrative: bool


@dataclass(frozen=True)
class Channel:
    """One application channel (grain of core.dim_channel)."""

    channel_code: str
    name_ru: str
    is_online_without_visit: bool
    source: str
    note: str | None


def _reject_duplicates(rows: list[CsvRow], column: str, what: str) -> None:
    seen: set[str] = set()
    for row in rows:
        value = row.values[column].strip()
        if value in seen:
            first = first_row_with(rows, column, value)
            raise row.error(column, f"duplicate {what} {value} (also in row {first.row})")
        seen.add(value)


def _service(row: CsvRow) -> Service:
    reg_list_no = row.integer("reg_list_no", minimum=1)
    code = row.matching("service_code", r"[0-9]{19}", "a 19-digit service code")
    assert reg_list_no is not None and code is not None
    return Service(
        service_code=code,
        reg_list_no=reg_list_no,
        name=row.required_text("name"),
        level=row.choice("level", ("regional", "municipal")),
        sphere=row.required_text("sphere"),
        responsible_body=row.required_text("responsible_body"),
        is_code_illustrative=row.yes_no("code_is_illustrative"),
    )


def read_services(path: Path, display_name: str) -> list[Service]:
    """Validated МСЗУ catalogue rows: unique codes and list numbers."""
    rows = read_csv_rows(path, display_name, SERVICE_COLUMNS)
    services = [_service(row) for row in rows]
    _reject_duplicates(rows, "service_code", "service code")
    _reject_duplicates(rows, "reg_list_no", "number in the regional list")
    return services


def _channel(row: CsvRow) -> Channel:
    code = row.matching("channel", r"[a-z][a-z0-9_]*", "a lower-case channel key")
    assert code is not None
    return Channel(
        channel_code=code,
        name_ru=row.required_text("name_ru"),
        is_online_without_visit=row.yes_no("counts_as_online_without_visit"),
        source=row.choice("source", SOURCES),
        note=row.text("note", required=False),
    )


def read_channels(path: Path, display_name: str) -> list[Channel]:
    """Validated channel taxonomy: unique keys, at least one channel counted as online."""
    rows = read_csv_rows(path, display_name, CHANNEL_COLUMNS)
    channels = [_channel(row) for row in rows]
    _reject_duplicates(rows, "channel", "channel")
    if not any(c.is_online_without_visit for c in channels):
        raise ReferenceFileError(
            display_name,
            "no channel counts as online without a visit",
            column="counts_as_online_without_visit",
        )
    return channels
