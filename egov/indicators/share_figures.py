"""I1 figures per scope and month: the counts summed per scope, and the forms owed and received.

Pure functions over the monthly counts (core.agg_application_monthly, `n_online` decided by
the channel taxonomy when the counts are refreshed) and the municipalities. Scopes
(methodology.md): `region` (all МСЗУ), `municipality` (the municipal МСЗУ addressed to it),
`service` (one service over the region) and `municipality_service` (one service of one
municipality, regional services included for information). Shares are ratios of sums;
coverage is municipal forms received / owed over the same months, so a missing report lowers
coverage and leaves the share to what was received.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from egov.calendar import month_end, month_start, months_between, next_month, year_start

REGION = "region"
MUNICIPALITY = "municipality"
SERVICE = "service"
MUNICIPALITY_SERVICE = "municipality_service"
SCOPE_TYPES = (REGION, MUNICIPALITY, SERVICE, MUNICIPALITY_SERVICE)


def expected_municipality_months(
    municipalities: pd.DataFrame, months: Iterable[date]
) -> pd.DataFrame:
    """(month, oktmo) pairs that owe a form: the code exists on the month's last day.

    Same rule as the freshness view: the body that exists at month end reports that month.
    """
    pairs: list[tuple[date, str]] = []
    rows = list(municipalities[["oktmo", "valid_from", "valid_to"]].itertuples(index=False))
    for month in months:
        last_day = month_end(month)
        for oktmo, valid_from, valid_to in rows:
            if _as_date(valid_from) <= last_day and (
                _is_missing(valid_to) or last_day <= _as_date(valid_to)
            ):
                pairs.append((month, str(oktmo)))
    return pd.DataFrame(sorted(set(pairs)), columns=["month", "oktmo"])


def _is_missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _as_date(value: Any) -> date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@dataclass(frozen=True)
class MonthFigures:
    """One scope's counts in one month: applications and municipal forms."""

    n_online: int
    n_total: int
    forms_owed: int
    forms_received: int


def pct(numerator: int, denominator: int) -> float | None:
    """numerator / denominator in percent; None when the denominator is 0."""
    return None if denominator == 0 else numerator / denominator * 100.0


def form_is_due(month: date, as_of: date, due_day: int | None) -> bool:
    """Whether a month's municipal form is overdue by the end of the as-of date (due "by the
    Nth" of the next month: overdue from its end). Without a due day every form is due."""
    if due_day is None:
        return True
    return next_month(month) + timedelta(days=due_day) <= as_of + timedelta(days=1)


def scope_month_figures(
    counts: pd.DataFrame,
    municipalities: pd.DataFrame,
    months: Sequence[date],
    *,
    as_of: date | None = None,
    forms_due_day: int | None = None,
) -> dict[tuple[str, str, str], dict[date, MonthFigures]]:
    """{(scope_type, oktmo, service_code): {month: figures}} for the months given.

    `counts` has month, oktmo, service_code, service_level, n_online, n_total,
    has_omsu_report. A municipality owes a month when its code exists on the month's last
    day; a municipality scope exists in a year if it owes a form or has counts that year.
    With `as_of`, a form not yet due then (`forms_due_day` of the next month) counts as owed
    only once received, so the running month does not lower coverage before its deadline.
    """
    wanted = set(months)
    data = counts[[month_start(m) in wanted for m in counts["month"]]].copy()
    data["month"] = [month_start(m) for m in data["month"]]
    data["oktmo"] = data["oktmo"].astype(str)
    owed_pairs = set(
        expected_municipality_months(municipalities, months).itertuples(index=False, name=None)
    )
    received_pairs = (
        set(
            data.loc[data["has_omsu_report"].astype(bool), ["month", "oktmo"]].itertuples(
                index=False, name=None
            )
        )
        & owed_pairs
    )
    if as_of is not None:
        owed_pairs = {
            (m, o)
            for m, o in owed_pairs
            if (m, o) in received_pairs or form_is_due(m, as_of, forms_due_day)
        }
    owed_by_month: dict[date, set[str]] = {}
    for m, o in owed_pairs:
        owed_by_month.setdefault(m, set()).add(o)

    def sums(frame: pd.DataFrame, keys: list[str]) -> dict[tuple[Any, ...], tuple[int, int]]:
        grouped = frame.groupby(keys)[["n_online", "n_total"]].sum()
        return {
            (k if isinstance(k, tuple) else (k,)): (int(on), int(tot))
            for k, on, tot in grouped.itertuples(name=None)
        }

    municipal = data[data["service_level"] == "municipal"]
    figures: dict[tuple[str, str, str], dict[date, MonthFigures]] = {}

    def put(
        key: tuple[str, str, str], month: date, online: int, total: int, owed: int, received: int
    ) -> None:
        figures.setdefault(key, {})[month] = MonthFigures(online, total, owed, received)

    by_month = sums(data, ["month"])
    region_forms = {
        m: (
            len(owed_by_month.get(m, ())),
            sum(1 for o in owed_by_month.get(m, ()) if (m, o) in received_pairs),
        )
        for m in months
    }
    for month in months:
        online, total = by_month.get((month,), (0, 0))
        put((REGION, "", ""), month, online, total, *region_forms[month])

    by_service = sums(data, ["month", "service_code"])
    for (month, service), (online, total) in by_service.items():
        put((SERVICE, "", str(service)), month, online, total, *region_forms[month])

    by_municipality = sums(municipal, ["month", "oktmo"])
    years_of: dict[str, set[int]] = {}
    for m, o in owed_pairs | {(m, o) for m, o in by_municipality}:
        years_of.setdefault(o, set()).add(m.year)
    for oktmo, years in years_of.items():
        for month in months:
            if month.year not in years:
                continue
            online, total = by_municipality.get((month, oktmo), (0, 0))
            is_owed = (month, oktmo) in owed_pairs
            put(
                (MUNICIPALITY, oktmo, ""),
                month,
                online,
                total,
                int(is_owed),
                int((month, oktmo) in received_pairs),
            )

    by_pair = sums(data, ["month", "oktmo", "service_code"])
    for (month, oktmo, service), (online, total) in by_pair.items():
        is_owed = (month, oktmo) in owed_pairs
        put(
            (MUNICIPALITY_SERVICE, str(oktmo), str(service)),
            month,
            online,
            total,
            int(is_owed),
            int((month, oktmo) in received_pairs),
        )
    # A service scope owes the forms of every month of its years, applications or not: a
    # missing report in a month without applications still lowers its coverage.
    for (scope, oktmo, service), series in list(figures.items()):
        if scope not in (SERVICE, MUNICIPALITY_SERVICE):
            continue
        years = {m.year for m in series}
        for month in months:
            if month.year in years and month not in series:
                if scope == SERVICE:
                    owed, received = region_forms[month]
                else:
                    owed = int((month, oktmo) in owed_pairs)
                    received = int((month, oktmo) in received_pairs)
                put((scope, oktmo, service), month, 0, 0, owed, received)
    return figures


def period_sum(series: Mapping[date, MonthFigures], first: date, last: date) -> MonthFigures:
    """Sum of a scope's months from first to last (month starts, inclusive)."""
    parts = [f for m, f in series.items() if first <= m <= last]
    return MonthFigures(
        sum(f.n_online for f in parts),
        sum(f.n_total for f in parts),
        sum(f.forms_owed for f in parts),
        sum(f.forms_received for f in parts),
    )


def ytd_figures(series: Mapping[date, MonthFigures], day: date) -> MonthFigures:
    """Year to date through the day's month."""
    return period_sum(series, year_start(day), month_start(day))


def snapshot_months(as_of: date, first_data_month: date | None) -> list[date]:
    """Months a snapshot reads: every month with data through the as-of month (the trend, the
    measured baseline and last month's ranking look back before the year to date)."""
    last = month_start(as_of)
    return months_between(min(first_data_month or last, last), last)


@dataclass(frozen=True)
class ShareFigures:
    """What a snapshot's I1 rows and the region's path are computed from, built once."""

    as_of: date
    months: list[date]
    by_scope: dict[tuple[str, str, str], dict[date, MonthFigures]]


def share_figures(
    counts: pd.DataFrame,
    municipalities: pd.DataFrame,
    as_of: date,
    forms_due_day: int | None = None,
) -> ShareFigures:
    """Figures per scope and month for a snapshot as of a date (see scope_month_figures)."""
    first_data = min((month_start(m) for m in counts["month"]), default=None)
    months = snapshot_months(as_of, first_data)
    by_scope = scope_month_figures(
        counts, municipalities, months, as_of=as_of, forms_due_day=forms_due_day
    )
    return ShareFigures(as_of, months, by_scope)
