"""Freshness rules: which due periods are not loaded, and which scopes are overdue (alerts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from egov.quality.reporting_calendar import (
    CalendarEntry,
    Period,
    ReportingCalendar,
    due_at,
    expected_periods,
    format_period,
    next_period,
    period_of,
)

LoadedKey = tuple[str, str | None, dt.date]
"""(source, oktmo or None for region-wide sources, period_start) of a loaded period."""


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
