"""Landing an inbox source's files: scan the folder, report what cannot land, land the rest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from egov.settings import Settings
from egov.sources import SourceKey
from egov.sources.inbox import InboxFile, InboxKey, read_inbox_file, scan_inbox
from egov.sources.landing import DeliveryOutcome, LandingResult, RawStore, land_delivery
from egov.sources.records import DeliveryError


@dataclass(frozen=True)
class InboxFormat:
    """How one inbox source's files are found and land (the source folders fill this in)."""

    source: SourceKey
    folder: Callable[[Settings], Path]
    """The inbox folder the settings configure."""
    parse_name: Callable[[str], InboxKey]
    """What a file name says (InboxNameError for a foreign name)."""
    media_type: str
    named_for: Callable[[InboxFile], date]
    """The day or month a file's name is for: a file named for the future is refused."""
    period: Callable[[InboxFile], tuple[date, date]]
    """First and last day the delivery covers."""
    metadata: Callable[[InboxFile], dict[str, str]]
    """What `raw.deliveries.metadata` records (the gate reads the file name and OKTMO back)."""


def land_inbox_files(
    engine: Engine,
    store: RawStore,
    inbox: InboxFormat,
    settings: Settings,
    month: date | None = None,
    today: date | None = None,
) -> list[LandingResult]:
    """Land the well-named files of the source's inbox (of one month, if given).

    Badly named files are reported as ignored on every scan, scoped or not: they belong to no
    month, and a scoped run must not hide them. So is a file named for a day or month after
    `today`: no export of the future exists, so its name is wrong; it stays in the inbox.
    """
    source = inbox.source
    scan = scan_inbox(inbox.folder(settings), source, inbox.parse_name)
    results: list[LandingResult] = [
        DeliveryOutcome(source, item.name, "ignored", error=item.reason) for item in scan.ignored
    ]
    for file in scan.files:
        if month is not None and file.month != month:
            continue
        named_for = inbox.named_for(file)
        if today is not None and named_for > today:
            reason = f"named for {named_for.isoformat()}, after today ({today.isoformat()})"
            results.append(DeliveryOutcome(source, file.name, "ignored", error=reason))
            continue
        try:
            content = read_inbox_file(file)
        except DeliveryError as exc:
            results.append(DeliveryOutcome(source, file.name, "ignored", error=str(exc)))
            continue
        period_start, period_end = inbox.period(file)
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
                    media_type=inbox.media_type,
                    metadata=dict(inbox.metadata(file)),
                )
            )
    return results
