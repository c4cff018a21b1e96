"""I2 `ekc_load`: the contact centre's load per line, topic and municipality, from period sums.

Pure functions over the sums that sql/snapshots/select_ekc_load.sql returns per breakdown
(calls, answered, total wait, 90th-percentile wait, talk time of answered calls, calls
forwarded to ОМСУ); rates are derived here so that they are tested without a database.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from egov.calendar import month_start, year_start
from egov.indicators.methodology import Methodology

EKC_LOAD_COLUMNS = [
    "period_type",
    "period_from",
    "period_to",
    "breakdown",
    "line",
    "topic",
    "oktmo",
    "calls",
    "answered",
    "abandoned",
    "answer_rate_pct",
    "avg_wait_sec",
    "p90_wait_sec",
    "avg_talk_sec",
    "forwarded_to_omsu",
    "forwarded_to_omsu_pct",
    "population",
    "is_population_estimated",
    "calls_per_100k",
]
"""Grain: period x breakdown x line x topic x municipality ('' = all; '-' = none named)."""


def ekc_periods(as_of: date, methodology: Methodology) -> list[tuple[str, date, date]]:
    """(period type, first day, last day): the as-of month to date, the year to date, and the
    cumulative total since the centre opened; a period that has not started is left out."""
    start = methodology.ekc_load.cumulative_from
    periods = [
        ("month", month_start(as_of), as_of),
        ("ytd", year_start(as_of), as_of),
        ("cumulative", start, as_of),
    ]
    return [(kind, max(first, start), last) for kind, first, last in periods if last >= start]


def _ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    return None if denominator == 0 else numerator / denominator * scale


def ekc_load_rows(
    sums: pd.DataFrame,
    populations: pd.DataFrame,
    period: tuple[str, date, date],
    methodology: Methodology,
) -> list[dict[str, Any]]:
    """Rows of one period (columns EKC_LOAD_COLUMNS) from its sums per breakdown.

    Calls per 100,000 residents use the municipality's population base (flagged when the
    reference data estimated it); there is no rate for callers who named no municipality.
    """
    per = methodology.ekc_load.per_residents
    base = {
        str(r["oktmo"]): (int(r["population_for_rates"]), bool(r["is_population_estimated"]))
        for r in populations.to_dict("records")
    }
    kind, first, last = period
    rows: list[dict[str, Any]] = []
    for r in sums.to_dict("records"):
        calls, answered = int(r["calls"]), int(r["answered"])
        population, estimated = base.get(str(r["oktmo"]), (None, None))
        is_municipality = r["breakdown"] == "municipality" and population is not None
        rows.append(
            {
                "period_type": kind,
                "period_from": first,
                "period_to": last,
                "breakdown": r["breakdown"],
                "line": r["line"],
                "topic": r["topic"],
                "oktmo": r["oktmo"],
                "calls": calls,
                "answered": answered,
                "abandoned": calls - answered,
                "answer_rate_pct": _ratio(answered, calls, 100.0),
                "avg_wait_sec": _ratio(float(r["wait_sec_sum"]), calls),
                "p90_wait_sec": None if pd.isna(r["p90_wait_sec"]) else float(r["p90_wait_sec"]),
                "avg_talk_sec": _ratio(float(r["talk_sec_answered"]), answered),
                "forwarded_to_omsu": int(r["forwarded_to_omsu"]),
                "forwarded_to_omsu_pct": _ratio(int(r["forwarded_to_omsu"]), calls, 100.0),
                "population": population if is_municipality else None,
                "is_population_estimated": estimated if is_municipality else None,
                "calls_per_100k": (
                    _ratio(calls, population, float(per))
                    if is_municipality and population
                    else None
                ),
            }
        )
    return rows
