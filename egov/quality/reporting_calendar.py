"""The reporting calendar: which periods each source owes and when each falls due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from egov.calendar import month_end, month_start, next_month
from egov.errors import EgovError
from egov.paths import PROJECT_ROOT
from egov.sources import SOURCE_KEYS, SourceKey
from egov.yaml_model import YamlModelError, read_yaml_model

CALENDAR_PATH = PROJECT_ROOT / "expectations" / "reporting_calendar.yaml"
"""The committed reporting calendar."""


class ReportingCalendarError(EgovError):
    """The reporting calendar file is malformed; names the file, line and field."""

    def __init__(
        self, file: str, message: str, *, line: int | None = None, field: str | None = None
    ):
        self.file = file
        self.line = line
        self.field = field
        self.reason = message
        where = [file]
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field '{field}'")
        super().__init__(f"{', '.join(where)}: {message}")


def _check_time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("unknown time zone (expected an IANA name such as Asia/Irkutsk)") from None
    return value


class CalendarEntry(BaseModel):
    """What one source owes: one period per day or month (per municipality or region-wide)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: SourceKey
    cadence: Literal["daily", "monthly"]
    per_municipality: bool
    first_period: dt.date
    time_zone: str
    due_days_after: int | None = Field(default=None, ge=0, le=31)
    due_time: dt.time | None = None
    due_day_of_next_month: int | None = Field(default=None, ge=1, le=28)

    _known_time_zone = field_validator("time_zone")(_check_time_zone)

    @model_validator(mode="after")
    def _due_rule_matches_cadence(self) -> CalendarEntry:
        if self.cadence == "daily":
            if self.due_days_after is None or self.due_time is None:
                raise ValueError("a daily source needs due_days_after and due_time")
            if self.due_day_of_next_month is not None:
                raise ValueError("due_day_of_next_month is for monthly sources only")
        else:
            if self.due_day_of_next_month is None:
                raise ValueError("a monthly source needs due_day_of_next_month")
            if self.due_days_after is not None or self.due_time is not None:
                raise ValueError("due_days_after and due_time are for daily sources only")
            if self.first_period.day != 1:
                raise ValueError(
                    f"first_period {self.first_period} of a monthly source is not a 1st"
                )
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The entry's time zone as a tzinfo."""
        return ZoneInfo(self.time_zone)


class ReportingCalendar(BaseModel):
    """The whole reporting calendar: one entry per source, all in one local time zone by default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time_zone: str
    sources: tuple[CalendarEntry, ...]

    _known_time_zone = field_validator("time_zone")(_check_time_zone)

    @model_validator(mode="before")
    @classmethod
    def _entries_inherit_time_zone(cls, data: Any) -> Any:
        # Entries may override the zone; by default they share the file's one.
        if isinstance(data, dict) and isinstance(data.get("sources"), list):
            zone = data.get("time_zone")
            data = {
                **data,
                "sources": [
                    {"time_zone": zone, **item} if isinstance(item, dict) else item
                    for item in data["sources"]
                ],
            }
        return data

    @model_validator(mode="after")
    def _one_entry_per_source(self) -> ReportingCalendar:
        seen = [entry.source for entry in self.sources]
        duplicates = sorted({s for s in seen if seen.count(s) > 1})
        if duplicates:
            raise ValueError(f"more than one entry for source {', '.join(duplicates)}")
        # Every source needs an entry: a missing one would silently never be overdue.
        missing = [s for s in SOURCE_KEYS if s not in seen]
        if missing:
            raise ValueError(f"no entry for source {', '.join(missing)}")
        return self

    def entry(self, source: str) -> CalendarEntry:
        """The entry of one source."""
        for entry in self.sources:
            if entry.source == source:
                return entry
        raise KeyError(source)


@dataclass(frozen=True, order=True)
class Period:
    """One delivery period: a local day (start = end) or a calendar month (1st to last day)."""

    start: dt.date
    end: dt.date


def load_reporting_calendar(
    path: Path = CALENDAR_PATH, display_name: str | None = None
) -> ReportingCalendar:
    """The validated calendar in `path`; errors name the file, line and field."""
    shown = display_name or (
        path.relative_to(PROJECT_ROOT).as_posix()
        if path.is_relative_to(PROJECT_ROOT)
        else str(path)
    )
    try:
        calendar, _ = read_yaml_model(path, ReportingCalendar, "calendar")
    except YamlModelError as exc:
        message = exc.message.removeprefix("Value error, ")
        raise ReportingCalendarError(shown, message, line=exc.line, field=exc.field) from None
    return calendar


def period_of(entry: CalendarEntry, day: dt.date) -> Period:
    """The period of `entry` that contains `day`."""
    if entry.cadence == "daily":
        return Period(day, day)
    return Period(month_start(day), month_end(day))


def next_period(entry: CalendarEntry, period: Period) -> Period:
    """The period right after `period`."""
    return period_of(entry, period.end + dt.timedelta(days=1))


def _periods_from(entry: CalendarEntry, first: dt.date) -> Iterator[Period]:
    period = period_of(entry, max(first, entry.first_period))
    while True:
        yield period
        period = next_period(entry, period)


def expected_periods(entry: CalendarEntry, first: dt.date, last: dt.date) -> list[Period]:
    """Periods of `entry` that overlap [first, last], none before the entry's first period."""
    periods: list[Period] = []
    for period in _periods_from(entry, first):
        if period.start > last:
            break
        periods.append(period)
    return periods


def due_at(entry: CalendarEntry, period: Period) -> dt.datetime:
    """The local moment from which `period` counts as overdue when it is not loaded."""
    if entry.cadence == "daily":
        assert entry.due_days_after is not None and entry.due_time is not None
        day = period.end + dt.timedelta(days=entry.due_days_after)
        return dt.datetime.combine(day, entry.due_time, tzinfo=entry.zone)
    assert entry.due_day_of_next_month is not None
    # "Due by the 10th" means until the end of the 10th: overdue from 00:00 of the 11th.
    due_day = next_month(period.start) + dt.timedelta(days=entry.due_day_of_next_month)
    return dt.datetime.combine(due_day, dt.time(0, 0), tzinfo=entry.zone)


def format_period(entry: CalendarEntry, start: dt.date) -> str:
    """A period as people write it: 2024-03-05 for a day, 2024-03 for a month."""
    return start.isoformat() if entry.cadence == "daily" else start.strftime("%Y-%m")
