"""The ЕПГУ share (I1) year to date, per region and municipality, and the pipeline's summary.

Pure functions over the monthly counts (core.agg_application_monthly) and the dimensions, plus
thin readers. Shares are ratios of sums (methodology.md): numerators and denominators are
accumulated first and divided last; rounding is for display only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from egov.calendar import month_end, month_label, next_month
from egov.indicators.methodology import INDICATOR_EPGU_SHARE, current_methodology
from egov.warehouse.sql import run_sql, select_frame

REGION = "region"
MUNICIPALITY = "municipality"

YTD_COLUMNS = [
    "month",
    "scope_type",
    "oktmo",
    "n_online",
    "n_total",
    "ytd_n_online",
    "ytd_n_total",
    "ytd_share_pct",
    "forms_expected_ytd",
    "forms_received_ytd",
    "ytd_coverage_pct",
    "is_expected",
]
"""Grain: month x scope (region, or municipality by OKTMO)."""


def month_start(day: date) -> date:
    """First day of the day's month."""
    return day.replace(day=1)


def month_range(first: date, last: date) -> list[date]:
    """First days of every month from first's month to last's month, inclusive."""
    months, current, end = [], month_start(first), month_start(last)
    while current <= end:
        months.append(current)
        current = next_month(current)
    return months


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


def _pct(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator * 100.0


def ytd_shares(
    counts: pd.DataFrame,
    services: pd.DataFrame,
    municipalities: pd.DataFrame,
    through_month: date | None = None,
) -> pd.DataFrame:
    """Month and year-to-date share and form coverage per month for the region and each
    municipality (columns YTD_COLUMNS).

    The region counts every МСЗУ row; a municipality counts the municipal МСЗУ addressed to it.
    Months run from the first to the last month with counts (none after `through_month`);
    a municipality appears in a year from January on if it owes a form or has counts that year.
    Coverage is forms received / forms owed, over the owed municipality-months only.
    """
    data = counts.copy()
    data["month"] = [month_start(_as_date(m)) for m in data["month"]]
    if through_month is not None:
        data = data[data["month"] <= month_start(through_month)]
    if data.empty:
        return pd.DataFrame(columns=YTD_COLUMNS)
    months = month_range(min(data["month"]), max(data["month"]))
    expected = expected_municipality_months(municipalities, months)
    expected_pairs = set(expected.itertuples(index=False, name=None))
    received_pairs = {
        (m, str(o))
        for m, o in data.loc[data["has_omsu_report"].astype(bool), ["month", "oktmo"]].itertuples(
            index=False, name=None
        )
    }

    municipal_codes = set(services.loc[services["level"] == "municipal", "service_code"])
    municipal = data[data["service_code"].isin(municipal_codes)]
    by_municipality = {
        (m, str(o)): (int(on), int(tot))
        for (m, o), on, tot in municipal.groupby(["month", "oktmo"])[["n_epgu_online", "n_total"]]
        .sum()
        .itertuples(name=None)
    }
    by_month = {
        m: (int(on), int(tot))
        for m, on, tot in data.groupby("month")[["n_epgu_online", "n_total"]]
        .sum()
        .itertuples(name=None)
    }

    expected_by_month: dict[date, set[str]] = {}
    for m, o in expected_pairs:
        expected_by_month.setdefault(m, set()).add(o)
    oktmos_by_year: dict[int, set[str]] = {}
    for m, o in expected_pairs | set(by_municipality):
        oktmos_by_year.setdefault(m.year, set()).add(o)

    rows: list[dict[str, Any]] = []
    for month in months:
        owed = expected_by_month.get(month, set())
        n_online, n_total = by_month.get(month, (0, 0))
        rows.append(
            {
                "month": month,
                "scope_type": REGION,
                "oktmo": "",
                "n_online": n_online,
                "n_total": n_total,
                "forms_expected": len(owed),
                "forms_received": sum(1 for o in owed if (month, o) in received_pairs),
                "is_expected": True,
            }
        )
        for oktmo in sorted(oktmos_by_year.get(month.year, set())):
            n_online, n_total = by_municipality.get((month, oktmo), (0, 0))
            is_owed = oktmo in owed
            rows.append(
                {
                    "month": month,
                    "scope_type": MUNICIPALITY,
                    "oktmo": oktmo,
                    "n_online": n_online,
                    "n_total": n_total,
                    "forms_expected": int(is_owed),
                    "forms_received": int(is_owed and (month, oktmo) in received_pairs),
                    "is_expected": is_owed,
                }
            )
    frame = pd.DataFrame(rows)
    frame["year"] = [m.year for m in frame["month"]]
    # Year to date: running sums within the calendar year, per scope (months are in order).
    running = frame.groupby(["scope_type", "oktmo", "year"], sort=False)[
        ["n_online", "n_total", "forms_expected", "forms_received"]
    ].cumsum()
    frame["ytd_n_online"] = running["n_online"]
    frame["ytd_n_total"] = running["n_total"]
    frame["forms_expected_ytd"] = running["forms_expected"]
    frame["forms_received_ytd"] = running["forms_received"]
    frame["ytd_share_pct"] = [
        _pct(a, b) for a, b in zip(frame["ytd_n_online"], frame["ytd_n_total"], strict=True)
    ]
    frame["ytd_coverage_pct"] = [
        _pct(a, b)
        for a, b in zip(frame["forms_received_ytd"], frame["forms_expected_ytd"], strict=True)
    ]
    frame["oktmo"] = [o or None for o in frame["oktmo"]]
    return frame[YTD_COLUMNS]


def _optional_float(value: Any) -> float | None:
    return None if _is_missing(value) else float(value)


def year_end_targets(milestones: Mapping[date, float]) -> dict[int, float]:
    """{year: target %} from milestone dates: the year's latest milestone is its year end."""
    targets: dict[int, tuple[date, float]] = {}
    for day, target in milestones.items():
        if day.year not in targets or day > targets[day.year][0]:
            targets[day.year] = (day, float(target))
    return {year: target for year, (_, target) in targets.items()}


def summarise_shares(
    ytd: pd.DataFrame,
    milestones: Mapping[date, float],
    as_of: date,
    *,
    plan_version: str | None = None,
    methodology_version: str | None = None,
) -> dict[str, Any]:
    """Plain-value summary: per year, the region's YTD share at the year's last month present,
    coverage, and how many municipalities owing that month reach the year-end milestone."""
    targets = year_end_targets(milestones)
    years: list[dict[str, Any]] = []
    if not ytd.empty:
        for year in sorted({m.year for m in ytd["month"]}):
            last = max(m for m in ytd["month"] if m.year == year)
            at_last = ytd[ytd["month"] == last]
            region = at_last[at_last["scope_type"] == REGION].iloc[0]
            owing = at_last[(at_last["scope_type"] == MUNICIPALITY) & at_last["is_expected"]]
            shares = [_optional_float(v) for v in owing["ytd_share_pct"]]
            target = targets.get(year)
            years.append(
                {
                    "year": year,
                    "through_month": month_label(last),
                    "is_year_complete": last.month == 12,
                    "region_ytd_n_online": int(region["ytd_n_online"]),
                    "region_ytd_n_total": int(region["ytd_n_total"]),
                    "region_ytd_share_pct": _optional_float(region["ytd_share_pct"]),
                    "coverage_pct": _optional_float(region["ytd_coverage_pct"]),
                    "forms_expected": int(region["forms_expected_ytd"]),
                    "forms_received": int(region["forms_received_ytd"]),
                    "target_pct": target,
                    "municipalities": len(owing),
                    "municipalities_without_data": sum(1 for v in shares if v is None),
                    "municipalities_reaching_target": (
                        None
                        if target is None
                        else sum(1 for v in shares if v is not None and v >= target)
                    ),
                }
            )
    return {
        "indicator": INDICATOR_EPGU_SHARE,
        "as_of": as_of.isoformat(),
        "first_month": month_label(min(ytd["month"])) if not ytd.empty else None,
        "last_month": month_label(max(ytd["month"])) if not ytd.empty else None,
        "plan_version": plan_version,
        "methodology_version": methodology_version,
        "years": years,
    }


def _fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def share_summary_markdown(summary: Mapping[str, Any]) -> str:
    """The summary as a markdown artifact: one table row per year."""
    lines = [
        f"# ЕПГУ share (I1) as of {summary['as_of']}",
        "",
        f"Months {summary['first_month'] or '—'} … {summary['last_month'] or '—'}; "
        f"plan-schedule {summary.get('plan_version') or '—'}, "
        f"methodology {summary.get('methodology_version') or '—'}."
        + (" Final snapshot." if summary.get("is_final") else ""),
        "",
    ]
    years: Sequence[Mapping[str, Any]] = summary["years"]
    if not years:
        lines.append("No monthly counts yet.")
        return "\n".join(lines) + "\n"
    lines += [
        "| year | through | region YTD share | online / total | form coverage "
        "| year-end target | municipalities at or above target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for y in years:
        through = y["through_month"] + ("" if y["is_year_complete"] else " (year to date)")
        reaching = (
            "—"
            if y["municipalities_reaching_target"] is None
            else f"{y['municipalities_reaching_target']} of {y['municipalities']}"
        )
        lines.append(
            f"| {y['year']} | {through} | {_fmt_pct(y['region_ytd_share_pct'])} "
            f"| {y['region_ytd_n_online']:,} / {y['region_ytd_n_total']:,} "
            f"| {_fmt_pct(y['coverage_pct'])} ({y['forms_received']} of {y['forms_expected']}) "
            f"| {_fmt_pct(y['target_pct'])} | {reaching} |"
        )
    lines += [
        "",
        "Shares are ratios of sums over the year to date; coverage is the municipal forms "
        "received out of those owed. A municipality without applications counts as not reaching "
        "the target.",
    ]
    return "\n".join(lines) + "\n"


def _engine_frame(
    engine: Engine, name: str, params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    with engine.connect() as conn:
        return select_frame(conn, name, params)


def select_monthly_counts(engine: Engine, through_month: date | None = None) -> pd.DataFrame:
    """The aggregate rows up to a month (all when None), with the service level."""
    return _engine_frame(
        engine,
        "indicators/select_monthly_counts",
        {"through_month": month_start(through_month) if through_month else None},
    )


def share_summary(engine: Engine, as_of: date) -> dict[str, Any]:
    """Summary of the ЕПГУ share as of a date from the warehouse's monthly counts."""
    counts = select_monthly_counts(engine, as_of)
    services = _engine_frame(engine, "indicators/select_share_services")
    municipalities = _engine_frame(engine, "indicators/select_share_municipalities")
    with engine.connect() as conn:
        milestones = run_sql(
            conn,
            "indicators/select_municipality_milestones",
            {"as_of": as_of, "indicator_code": INDICATOR_EPGU_SHARE},
        ).all()
    ytd = ytd_shares(counts, services, municipalities, through_month=as_of)
    return summarise_shares(
        ytd,
        {r.milestone_date: float(r.target_pct) for r in milestones},
        as_of,
        plan_version=str(milestones[0].plan_version) if milestones else None,
        methodology_version=current_methodology().version,
    )
