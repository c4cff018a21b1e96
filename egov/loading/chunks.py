"""Land one source's deliveries, either incrementally or for exactly one month (a backfill chunk).

Plain functions over an engine, the raw store and the settings; `tasks/sources.py` wraps them.
A month-scoped run asks only for what the warehouse does not have yet: ЕПГУ windows of the
month without a landed manifest, ЕКЦ days without a final export; the inbox files of the month
are always read, because only their checksum tells whether a re-delivered file changed.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from egov.calendar import month_end, month_interval
from egov.loading.months import ekc_days_to_fetch, is_final_ekc_export, uncovered_intervals
from egov.settings import Settings
from egov.sources.contract import IRKUTSK
from egov.sources.epgu import plan_windows
from egov.sources.ingest import (
    EPGU_WINDOW_MEDIA_TYPE,
    DeliveryOutcome,
    check_source_key,
    ekc_client,
    epgu_client,
    land_ekc_day,
    land_epgu_window,
    land_inbox,
    parse_epgu_window_key,
    plan_ekc_fetch,
    plan_epgu_fetch,
    raw_store,
)
from egov.sources.landing import LandedDelivery
from egov.warehouse.sql import run_sql

EPGU_SAFETY_LAG = timedelta(minutes=5)
"""Records the API may still be committing: a window never ends later than now minus this."""


def plan_epgu_month(
    engine: Engine, settings: Settings, month: date, until: datetime, max_window: timedelta
) -> list[tuple[datetime, datetime]]:
    """Windows of a month (up to `until`) that no landed manifest covers yet."""
    start, end = month_interval(month)
    start = max(start, settings.epgu_start_at.astimezone(IRKUTSK))
    end = min(end, (until - EPGU_SAFETY_LAG).astimezone(IRKUTSK))
    if start >= end:
        return []
    with engine.connect() as conn:
        keys = run_sql(
            conn,
            "loading/select_epgu_window_keys",
            {
                "epgu_window_media_type": EPGU_WINDOW_MEDIA_TYPE,
                "first_day": month,
                "last_day": month_end(month),
            },
        ).scalars()
        covered = [parse_epgu_window_key(str(key)) for key in keys]
    windows: list[tuple[datetime, datetime]] = []
    for gap_start, gap_end in uncovered_intervals((start, end), covered):
        windows += plan_windows(gap_start, gap_end, max_window=max_window, safety_lag=timedelta(0))
    return windows


def plan_ekc_month(engine: Engine, settings: Settings, month: date, today: date) -> list[date]:
    """Days of a month (before `today`) without a final export landed."""
    with engine.connect() as conn:
        landed = run_sql(
            conn,
            "loading/select_landed_days",
            {"source": "ekc", "first_day": month, "last_day": month_end(month)},
        ).mappings()
        final = [
            r["landed_day"]
            for r in landed
            if is_final_ekc_export(r["landed_day"], r["fetched_at"].astimezone(IRKUTSK).date())
        ]
    return ekc_days_to_fetch(month, final, today=today, first_day=settings.ekc_start_day)


def _as_dict(item: LandedDelivery | DeliveryOutcome) -> dict[str, Any]:
    return {"kind": type(item).__name__, **asdict(item)}


def land_source(
    engine: Engine,
    settings: Settings,
    source: str,
    month: date | None,
    *,
    until: datetime,
    today: date,
    window_hours: int = 24,
) -> list[dict[str, Any]]:
    """Land a source's deliveries of one month (None: incrementally from its mark) as dicts.

    Each ЕПГУ window and ЕКЦ day lands in its own transaction, so a failure part-way keeps
    what was landed before it; the next run asks only for the rest.
    """
    key = check_source_key(source)
    store = raw_store(settings)
    results: list[LandedDelivery | DeliveryOutcome] = []
    if key == "epgu":
        max_window = timedelta(hours=window_hours)
        windows = (
            plan_epgu_fetch(engine, settings, until, max_window)
            if month is None
            else plan_epgu_month(engine, settings, month, until, max_window)
        )
        client = epgu_client(settings)
        for start, end in windows:
            results += land_epgu_window(engine, store, client, start, end)
    elif key == "ekc":
        days = (
            plan_ekc_fetch(engine, settings, today)
            if month is None
            else plan_ekc_month(engine, settings, month, today)
        )
        ekc = ekc_client(settings)
        results += [land_ekc_day(engine, store, ekc, day, today) for day in days]
    else:
        results += land_inbox(engine, store, key, settings, month, today)
    return [_as_dict(item) for item in results]
