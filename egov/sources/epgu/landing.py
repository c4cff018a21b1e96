"""Landing ЕПГУ: which windows to ask for, and one window's pages with its manifest and mark."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine

from egov.calendar import month_end, month_interval
from egov.loading.months import uncovered_intervals
from egov.settings import Settings
from egov.sources.contract import IRKUTSK
from egov.sources.epgu.client import EpguClient, plan_windows
from egov.sources.http import retry_policy
from egov.sources.landing import (
    LandedDelivery,
    LandingResult,
    RawStore,
    advance_watermark,
    land_delivery,
    read_watermark,
)
from egov.sources.records import DeliveryError
from egov.sources.spec import LandingRequest
from egov.warehouse.sql import run_sql

EPGU_WINDOW_MEDIA_TYPE = "application/vnd.egov.epgu-window+json"
"""A window manifest: the ordered page checksums of one complete fetch of a window."""
EPGU_SAFETY_LAG = timedelta(minutes=5)
"""Records the API may still be committing: a window never ends later than now minus this."""


def epgu_client(settings: Settings) -> EpguClient:
    """ЕПГУ API client from settings (URL, token, page size, timeouts, retries)."""
    return EpguClient(
        settings.epgu_url,
        settings.epgu_token,
        page_limit=settings.epgu_page_limit,
        timeout=settings.http_timeout_sec,
        policy=retry_policy(settings),
    )


def plan_epgu_fetch(
    engine: Engine, settings: Settings, until: datetime, max_window: timedelta
) -> list[tuple[datetime, datetime]]:
    """Windows from the stored high-water mark (or the configured start) up to `until`."""
    with engine.connect() as conn:
        mark = read_watermark(conn, "epgu")
    return plan_windows(mark or settings.epgu_start_at, until, max_window=max_window)


def epgu_window_key(start: datetime, end: datetime) -> str:
    """Delivery key of one updated_from/updated_to window (local time, half-open)."""
    local_start, local_end = start.astimezone(IRKUTSK), end.astimezone(IRKUTSK)
    return f"applications {local_start.isoformat()}..{local_end.isoformat()}"


def parse_epgu_window_key(key: str) -> tuple[datetime, datetime]:
    """The window of a manifest's delivery key (the inverse of `epgu_window_key`)."""
    start, _, end = key.removeprefix("applications ").partition("..")
    return datetime.fromisoformat(start), datetime.fromisoformat(end)


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


def land_epgu_window(
    engine: Engine, store: RawStore, client: EpguClient, start: datetime, end: datetime
) -> list[LandedDelivery]:
    """Fetch every page of one window, land pages and the window manifest, advance the mark.

    One transaction: the mark only moves once the whole window is landed. A page the client
    refuses (not JSON, no `next_cursor`, ...) stops the window: its bytes are kept in the raw
    store and named in the error, the mark stays, and the next run asks for the window again.
    """
    try:
        pages = client.fetch_window(start, end)
    except DeliveryError as exc:
        if exc.content is None:
            raise
        _, kept_at = store.put(exc.content)
        raise DeliveryError(
            exc.source,
            exc.file,
            f"{exc.reason}; the page as received is kept in the raw store as {kept_at}",
            row=exc.row,
            column=exc.column,
        ) from None
    window_key = epgu_window_key(start, end)
    period_start = start.astimezone(IRKUTSK).date()
    period_end = max(period_start, (end - timedelta(microseconds=1)).astimezone(IRKUTSK).date())
    landed: list[LandedDelivery] = []
    with engine.begin() as conn:
        for page in pages:
            landed.append(
                land_delivery(
                    conn,
                    store,
                    source="epgu",
                    delivery_key=f"{window_key} page {page.page_no:05d}",
                    period_start=period_start,
                    period_end=period_end,
                    content=page.content,
                    media_type="application/json",
                    metadata={"request": page.request_path, "page_no": page.page_no},
                )
            )
        manifest = {
            "window_start": start.astimezone(IRKUTSK).isoformat(),
            "window_end": end.astimezone(IRKUTSK).isoformat(),
            "pages": [d.checksum_sha256 for d in landed],
        }
        landed.append(
            land_delivery(
                conn,
                store,
                source="epgu",
                delivery_key=window_key,
                period_start=period_start,
                period_end=period_end,
                content=json.dumps(manifest, sort_keys=True).encode(),
                media_type=EPGU_WINDOW_MEDIA_TYPE,
                metadata={"page_count": len(pages)},
            )
        )
        advance_watermark(conn, "epgu", end)
    return landed


def land_epgu(
    engine: Engine, settings: Settings, store: RawStore, request: LandingRequest
) -> list[LandingResult]:
    """Land the windows a month still lacks (or all since the mark), each in its own
    transaction, so a failure part-way keeps what was landed before it."""
    max_window = timedelta(hours=request.window_hours)
    windows = (
        plan_epgu_fetch(engine, settings, request.until, max_window)
        if request.month is None
        else plan_epgu_month(engine, settings, request.month, request.until, max_window)
    )
    client = epgu_client(settings)
    results: list[LandingResult] = []
    for start, end in windows:
        results += land_epgu_window(engine, store, client, start, end)
    return results
