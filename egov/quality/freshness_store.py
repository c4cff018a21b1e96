"""Warehouse side of source freshness: sync the calendar, read loaded periods and late scopes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from egov.quality.freshness import LoadedKey
from egov.quality.reporting_calendar import ReportingCalendar
from egov.warehouse.sql import run_sql


@dataclass(frozen=True)
class CalendarSyncResult:
    """How many calendar rows a sync inserted, updated and deleted (all 0 when unchanged)."""

    inserted: int
    updated: int
    deleted: int

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.deleted)


@dataclass(frozen=True)
class MunicipalityRow:
    """One validity interval of a municipality as the warehouse holds it."""

    oktmo: str
    valid_from: date
    valid_to: date | None
    name: str


def calendar_rows(calendar: ReportingCalendar) -> list[dict[str, Any]]:
    """Bind parameters of audit.reporting_calendar, one dict per source."""
    return [
        {
            "source": entry.source,
            "cadence": entry.cadence,
            "is_per_municipality": entry.per_municipality,
            "first_period": entry.first_period,
            "time_zone": entry.time_zone,
            "due_days_after": entry.due_days_after,
            "due_time": entry.due_time,
            "due_day_of_next_month": entry.due_day_of_next_month,
        }
        for entry in calendar.sources
    ]


def sync_reporting_calendar(conn: Connection, calendar: ReportingCalendar) -> CalendarSyncResult:
    """Make audit.reporting_calendar equal the calendar; unchanged rows are not rewritten."""
    inserted = updated = 0
    for row in calendar_rows(calendar):
        for written in run_sql(conn, "quality/upsert_reporting_calendar", row):
            if written.is_inserted:
                inserted += 1
            else:
                updated += 1
    sources = [entry.source for entry in calendar.sources]
    deleted = len(
        run_sql(conn, "quality/delete_missing_reporting_calendar", {"sources": sources}).all()
    )
    return CalendarSyncResult(inserted=inserted, updated=updated, deleted=deleted)


def select_overdue(conn: Connection) -> list[dict[str, Any]]:
    """Rows of mart.source_freshness that are overdue now, as plain dicts."""
    return [dict(r._mapping) for r in run_sql(conn, "quality/select_overdue_sources")]


def select_source_freshness(conn: Connection) -> list[dict[str, Any]]:
    """Every row of mart.source_freshness now, as plain dicts."""
    return [dict(r._mapping) for r in run_sql(conn, "quality/select_source_freshness")]


def select_loaded_periods(conn: Connection) -> set[LoadedKey]:
    """(source, oktmo or None, period_start) of every period a loaded batch covers."""
    return {
        (r.source, r.oktmo, r.period_start) for r in run_sql(conn, "quality/select_loaded_periods")
    }


def select_municipalities(conn: Connection) -> list[MunicipalityRow]:
    """Validity intervals of every municipality in core.dim_municipality."""
    return [
        MunicipalityRow(r.oktmo, r.valid_from, r.valid_to, r.name)
        for r in run_sql(conn, "quality/select_municipality_validity")
    ]
