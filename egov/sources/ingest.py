"""Fetch or collect deliveries of each source, land them raw, and parse what was landed.

Plain functions over an engine, the raw store and a connector client; the Prefect tasks in
`tasks/sources.py` are thin wrappers. Landing happens before parsing, so a delivery that fails to
parse is still kept, and parsing reads the landed bytes back (the source is never asked twice).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy.engine import Engine

from egov.calendar import month_end
from egov.errors import EgovError
from egov.settings import Settings
from egov.sources import SOURCE_KEYS, SourceKey
from egov.sources.contract import EKC_FIRST_DAY, IRKUTSK
from egov.sources.ekc import EkcClient, days_to_fetch, parse_ekc_csv
from egov.sources.epgu import EpguClient, parse_epgu_page, plan_windows
from egov.sources.http import RetryPolicy, SourceRejectedError
from egov.sources.inbox import read_inbox_file, scan_mfc_inbox, scan_omsu_inbox
from egov.sources.landing import (
    LandedDelivery,
    RawStore,
    advance_watermark,
    land_delivery,
    read_watermark,
)
from egov.sources.mfc import parse_mfc_csv
from egov.sources.omsu import parse_omsu_workbook
from egov.sources.records import DeliveryError, ParsedDelivery

log = logging.getLogger("egov.sources")

EPGU_WINDOW_MEDIA_TYPE = "application/vnd.egov.epgu-window+json"
"""A window manifest: the ordered page checksums of one complete fetch of a window."""

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

OutcomeStatus = Literal["new", "changed", "unchanged", "ignored", "unavailable"]


@dataclass(frozen=True)
class DeliveryOutcome:
    """A delivery that was not landed (ignored or unavailable), with the reason."""

    source: str
    delivery_key: str
    status: OutcomeStatus
    error: str | None = None


def raw_store(settings: Settings) -> RawStore:
    """The landing zone configured for this process."""
    return RawStore(settings.resolved_raw_dir)


def _retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.http_max_attempts,
        base_delay=settings.http_backoff_base_sec,
        max_delay=settings.http_backoff_cap_sec,
    )


def epgu_client(settings: Settings) -> EpguClient:
    """ЕПГУ API client from settings (URL, token, page size, timeouts, retries)."""
    return EpguClient(
        settings.epgu_url,
        settings.epgu_token,
        page_limit=settings.epgu_page_limit,
        timeout=settings.http_timeout_sec,
        policy=_retry_policy(settings),
    )


def ekc_client(settings: Settings) -> EkcClient:
    """ЕКЦ export client from settings (URL, basic-auth credentials, timeouts, retries)."""
    return EkcClient(
        settings.ekc_url,
        settings.ekc_user,
        settings.ekc_password,
        timeout=settings.http_timeout_sec,
        policy=_retry_policy(settings),
    )


# --- epgu --------------------------------------------------------------------------------


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


# --- ekc ---------------------------------------------------------------------------------


def plan_ekc_fetch(engine: Engine, settings: Settings, today: date) -> list[date]:
    """Days to request: the ones after the mark plus the last two, which may still grow."""
    with engine.connect() as conn:
        mark = read_watermark(conn, "ekc")
    last = mark.astimezone(IRKUTSK).date() if mark else None
    return days_to_fetch(last, today, first_day=settings.ekc_start_day)


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


# --- inbox sources (mfc, omsu) -----------------------------------------------------------


def land_inbox(
    engine: Engine,
    store: RawStore,
    source: Literal["mfc", "omsu"],
    settings: Settings,
    month: date | None = None,
    today: date | None = None,
) -> list[LandedDelivery | DeliveryOutcome]:
    """Land the well-named files of the source's inbox (of one month, if given).

    Badly named files are reported as ignored on every scan, scoped or not: they belong to no
    month, and a scoped run must not hide them. So is a file named for a day or month after
    `today`: no export of the future exists, so its name is wrong; it stays in the inbox.
    """
    if source == "mfc":
        scan = scan_mfc_inbox(settings.resolved_mfc_inbox)
    else:
        scan = scan_omsu_inbox(settings.resolved_omsu_inbox)
    results: list[LandedDelivery | DeliveryOutcome] = [
        DeliveryOutcome(source, item.name, "ignored", error=item.reason) for item in scan.ignored
    ]
    for file in scan.files:
        if month is not None and file.month != month:
            continue
        named_for = file.day if source == "mfc" else file.month
        if today is not None and named_for > today:
            reason = f"named for {named_for.isoformat()}, after today ({today.isoformat()})"
            results.append(DeliveryOutcome(source, file.name, "ignored", error=reason))
            continue
        try:
            content = read_inbox_file(file)
        except DeliveryError as exc:
            results.append(DeliveryOutcome(source, file.name, "ignored", error=str(exc)))
            continue
        if source == "mfc":
            period_start = period_end = file.day
            metadata: dict[str, Any] = {"file": file.name}
        else:
            period_start, period_end = file.month, month_end(file.month)
            metadata = {"file": file.name, "oktmo": file.oktmo}
        with engine.begin() as conn:
            results.append(
                land_delivery(
                    conn,
                    store,
                    source=source,
                    delivery_key=file.name,
                    period_start=period_start,
                    period_end=period_end,
                    content=content,
                    media_type="text/csv" if source == "mfc" else XLSX_MEDIA_TYPE,
                    metadata=metadata,
                )
            )
    return results


# --- parsing -----------------------------------------------------------------------------


def parse_delivery(
    source: str, content: bytes, name: str, period_start: date
) -> list[ParsedDelivery]:
    """Parse landed bytes with the source's parser (omsu yields two tables)."""
    if source == "epgu":
        return [parse_epgu_page(content, name)]
    if source == "ekc":
        return [parse_ekc_csv(content, name, day=period_start)]
    if source == "mfc":
        return [parse_mfc_csv(content, name)]
    if source == "omsu":
        report = parse_omsu_workbook(content, name)
        return [report.applications, report.campaign]
    raise ValueError(f"unknown source {source!r}")


def check_source_key(source: str) -> SourceKey:
    """The source key, or a clear error listing the valid ones."""
    if source in SOURCE_KEYS:
        return source
    raise EgovError(f"unknown source {source!r}: expected one of {', '.join(SOURCE_KEYS)}")
