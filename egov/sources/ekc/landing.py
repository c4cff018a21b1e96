"""Landing ЕКЦ: which days to ask for, and one day's export with the mark moved past it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import Engine

from egov.calendar import month_end
from egov.settings import Settings
from egov.sources.contract import EKC_FIRST_DAY, IRKUTSK
from egov.sources.ekc.client import EkcClient, days_to_fetch, ekc_days_to_fetch, is_final_ekc_export
from egov.sources.http import SourceRejectedError, retry_policy
from egov.sources.landing import (
    DeliveryOutcome,
    LandedDelivery,
    LandingResult,
    RawStore,
    advance_watermark,
    land_delivery,
    read_watermark,
)
from egov.sources.spec import LandingRequest
from egov.warehouse.sql import run_sql


def ekc_client(settings: Settings) -> EkcClient:
    """ЕКЦ export client from settings (URL, basic-auth credentials, timeouts, retries)."""
    return EkcClient(
        settings.ekc_url,
        settings.ekc_user,
        settings.ekc_password,
        timeout=settings.http_timeout_sec,
        policy=retry_policy(settings),
    )


def plan_ekc_fetch(engine: Engine, settings: Settings, today: date) -> list[date]:
    """Days to request: the ones after the mark plus the last two, which may still grow."""
    with engine.connect() as conn:
        mark = read_watermark(conn, "ekc")
    last = mark.astimezone(IRKUTSK).date() if mark else None
    return days_to_fetch(last, today, first_day=settings.ekc_start_day)


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


def land_ekc_day(
    engine: Engine, store: RawStore, client: EkcClient, day: date, today: date | None = None
) -> DeliveryOutcome | LandedDelivery:
    """Request one day's export and land it; a day the platform has no export for is reported.

    `today` (the run's local date) is recorded as `fetched_on`: whether the export could still
    grow, which the gate needs to judge an empty one.
    """
    key = f"calls {day.isoformat()}"
    fetched = client.fetch_day(day)
    if fetched.content is None:
        if day >= EKC_FIRST_DAY:
            # sources.md allows a 404 only before 2023-08-01 or in the future, and planned days
            # are past: landing the days after it would move the mark over a gap for good.
            raise SourceRejectedError(
                f"ekc day {day.isoformat()}", 404, "no export for a past day after 2023-08-01"
            )
        return DeliveryOutcome("ekc", key, "unavailable", error=fetched.reason)
    with engine.begin() as conn:
        landed = land_delivery(
            conn,
            store,
            source="ekc",
            delivery_key=key,
            period_start=day,
            period_end=day,
            content=fetched.content,
            media_type="text/csv",
            metadata={"request": fetched.request_path}
            | ({"fetched_on": today.isoformat()} if today is not None else {}),
        )
        advance_watermark(conn, "ekc", datetime.combine(day, datetime.min.time(), IRKUTSK))
    return landed


def land_ekc(
    engine: Engine, settings: Settings, store: RawStore, request: LandingRequest
) -> list[LandingResult]:
    """Land the days a month still lacks a final export of (or all since the mark), each day
    in its own transaction, so a failure part-way keeps what was landed before it."""
    days = (
        plan_ekc_fetch(engine, settings, request.today)
        if request.month is None
        else plan_ekc_month(engine, settings, request.month, request.today)
    )
    client = ekc_client(settings)
    return [land_ekc_day(engine, store, client, day, request.today) for day in days]
