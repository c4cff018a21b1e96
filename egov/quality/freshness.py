"""Reporting calendar and freshness rules: which periods each source owes and which are late."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from egov.calendar import month_end, month_start, next_month
from egov.errors import EgovError
from egov.paths import PROJECT_ROOT
from egov.yaml_model import YamlModelError, read_yaml_model

SourceKey = Literal["epgu", "mfc", "omsu", "ekc"]
SOURCES: tuple[SourceKey, ...] = ("epgu", "mfc", "omsu", "ekc")
"""Every source must have a calendar entry: a missing one would silently never be overdue."""

CALENDAR_PATH = PROJECT_ROOT / "expectations" / "reporting_calendar.yaml"
"""The committed reporting calendar."""

LoadedKey = tuple[str, str | None, dt.date]
"""(source, oktmo or None for region-wide sources, period_start) of a loaded period."""


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
        missing = [s for s in SOURCES if s not in seen]
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


class MunicipalityValidity(Protocol):
    """Anything with an OKTMO and a validity interval (e.g. reference Municipality rows)."""

    @property
    def oktmo(self) -> str: ...

    @property
    def valid_from(self) -> dt.date: ...

    @property
    def valid_to(self) -> dt.date | None: ...


@dataclass(frozen=True)
class MissingPeriod:
    """A period a scope should have delivered by `as_of` and that is not loaded."""

    source: str
    oktmo: str | None
    period: Period
    due_at: dt.datetime


@dataclass(frozen=True)
class ScopeFreshness:
    """Freshness of one scope that must report (a source, or a source and a municipality)."""

    source: str
    oktmo: str | None
    municipality_name: str | None
    last_period_loaded: dt.date | None
    next_period_expected: dt.date
    expected_by: dt.datetime
    is_overdue: bool
    days_overdue: int
    periods_missing: int


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


def _is_valid_on(municipality: MunicipalityValidity, day: dt.date) -> bool:
    valid_to = municipality.valid_to
    return municipality.valid_from <= day and (valid_to is None or day <= valid_to)


def _local_date(entry: CalendarEntry, moment: dt.datetime) -> dt.date:
    if moment.tzinfo is None:
        raise ValueError(f"as_of {moment.isoformat()} has no time zone")
    return moment.astimezone(entry.zone).date()


def _validity_key(municipality: MunicipalityValidity) -> tuple[str, dt.date]:
    return municipality.oktmo, municipality.valid_from


def _scopes(
    entry: CalendarEntry, municipalities: Iterable[MunicipalityValidity]
) -> list[MunicipalityValidity | None]:
    if not entry.per_municipality:
        return [None]
    ordered: list[MunicipalityValidity] = sorted(municipalities, key=_validity_key)
    return [*ordered]


def missing_periods(
    calendar: ReportingCalendar,
    loaded: Collection[LoadedKey],
    as_of: dt.datetime,
    municipalities: Iterable[MunicipalityValidity],
) -> list[MissingPeriod]:
    """Every period due by `as_of` that is not loaded, per source and scope (backfill input)."""
    municipalities = list(municipalities)
    missing: list[MissingPeriod] = []
    for entry in calendar.sources:
        last = _local_date(entry, as_of)
        periods = expected_periods(entry, entry.first_period, last)
        for scope in _scopes(entry, municipalities):
            oktmo = scope.oktmo if scope is not None else None
            for period in periods:
                # A municipality owes a month when it exists at the month's end: that is the
                # body that reports it (a predecessor that ended mid-month no longer does).
                if scope is not None and not _is_valid_on(scope, period.end):
                    continue
                deadline = due_at(entry, period)
                if deadline <= as_of and (entry.source, oktmo, period.start) not in loaded:
                    missing.append(MissingPeriod(entry.source, oktmo, period, deadline))
    return missing


def source_freshness(
    calendar: ReportingCalendar,
    loaded: Collection[LoadedKey],
    as_of: dt.datetime,
    municipalities: Iterable[MunicipalityValidity],
) -> list[ScopeFreshness]:
    """One row per scope that must report on `as_of` (the rules of mart.source_freshness)."""
    municipalities = list(municipalities)
    rows: list[ScopeFreshness] = []
    for entry in calendar.sources:
        today = _local_date(entry, as_of)
        for scope in _scopes(entry, municipalities):
            if scope is not None and not _is_valid_on(scope, today):
                continue
            rows.append(_scope_freshness(entry, scope, loaded, as_of, today))
    return rows


def _scope_freshness(
    entry: CalendarEntry,
    scope: MunicipalityValidity | None,
    loaded: Collection[LoadedKey],
    as_of: dt.datetime,
    today: dt.date,
) -> ScopeFreshness:
    oktmo = scope.oktmo if scope is not None else None
    first = entry.first_period
    if scope is not None:
        # The first month a municipality owes is the first one that ends while it exists.
        first = max(first, period_of(entry, scope.valid_from).start)
    loaded_starts = sorted(
        start for source, code, start in loaded if source == entry.source and code == oktmo
    )
    last_loaded = loaded_starts[-1] if loaded_starts else None
    loaded_set = set(loaded_starts)
    next_expected: Period | None = None
    periods_missing = 0
    # Up to the period after today's, like the view: nothing later can be due yet.
    horizon = next_period(entry, period_of(entry, today))
    for period in expected_periods(entry, first, horizon.start):
        if period.start in loaded_set:
            continue
        if next_expected is None:
            next_expected = period
        if due_at(entry, period) <= as_of:
            periods_missing += 1
    if next_expected is None:
        # Loaded even beyond the horizon (early data): the period after the last loaded is next.
        assert last_loaded is not None
        next_expected = next_period(entry, period_of(entry, last_loaded))
    expected_by = due_at(entry, next_expected)
    is_overdue = expected_by <= as_of
    return ScopeFreshness(
        source=entry.source,
        oktmo=oktmo,
        municipality_name=getattr(scope, "name", None),
        last_period_loaded=last_loaded,
        next_period_expected=next_expected.start,
        expected_by=expected_by,
        is_overdue=is_overdue,
        days_overdue=(as_of - expected_by) // dt.timedelta(days=1) if is_overdue else 0,
        periods_missing=periods_missing,
    )


def overdue(
    calendar: ReportingCalendar,
    loaded: Collection[LoadedKey],
    as_of: dt.datetime,
    municipalities: Iterable[MunicipalityValidity],
) -> list[ScopeFreshness]:
    """The scopes whose earliest outstanding period was due by `as_of`."""
    return [r for r in source_freshness(calendar, loaded, as_of, municipalities) if r.is_overdue]


@dataclass(frozen=True)
class OverdueAlert:
    """What one overdue_source alert says about one source (all its late scopes at once)."""

    source: str
    period: str
    reason: str
    details: dict[str, Any]


def format_period(entry: CalendarEntry, start: dt.date) -> str:
    """A period as people write it: 2024-03-05 for a day, 2024-03 for a month."""
    return start.isoformat() if entry.cadence == "daily" else start.strftime("%Y-%m")


def overdue_alerts(
    calendar: ReportingCalendar, rows: Iterable[Mapping[str, Any]]
) -> list[OverdueAlert]:
    """One alert per source with overdue scopes, from freshness rows (view rows or dataclasses)."""
    # A per-municipality source gets one alert listing its late municipalities: a deadline
    # missed on the 11th is one notice, not 42.
    by_source: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_source.setdefault(str(row["source"]), []).append(row)
    alerts: list[OverdueAlert] = []
    for source in sorted(by_source):
        scopes = by_source[source]
        late = sorted(
            (r for r in scopes if r["is_overdue"]),
            key=lambda r: (r["next_period_expected"], r["oktmo"] or ""),
        )
        if not late:
            continue
        entry = calendar.entry(source)
        earliest = late[0]
        period = format_period(entry, earliest["next_period_expected"])
        missing = sum(int(r["periods_missing"]) for r in late)
        due = earliest["expected_by"].astimezone(entry.zone).strftime("%Y-%m-%d %H:%M")
        if entry.per_municipality:
            listed = ", ".join(
                f"{r['oktmo']} {r.get('municipality_name') or ''}".rstrip()
                + f" (since {format_period(entry, r['next_period_expected'])})"
                for r in late
            )
            reason = (
                f"{len(late)} of {len(scopes)} municipalities have not reported; "
                f"{missing} report(s) past due, the oldest was due {due} ({entry.time_zone}): "
                f"{listed}"
            )
        else:
            last = earliest["last_period_loaded"]
            reason = (
                f"{missing} period(s) past due; the oldest, {period}, was due {due} "
                f"({entry.time_zone}), {earliest['days_overdue']} day(s) ago; last period "
                f"loaded: {format_period(entry, last) if last else 'none'}"
            )
        details = {
            "scopes_overdue": len(late),
            "scopes_total": len(scopes),
            "periods_missing": missing,
            "oktmo": [r["oktmo"] for r in late if r["oktmo"]],
        }
        alerts.append(OverdueAlert(source=source, period=period, reason=reason, details=details))
    return alerts
