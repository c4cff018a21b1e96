"""Deliveries landed and not validated yet, in chunks, with the reference the gate needs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from sqlalchemy.engine import Connection

from egov.errors import EgovError
from egov.quality.inputs import (
    GateReference,
    PendingDelivery,
    VolumePoint,
)
from egov.sources.registry import source_spec
from egov.warehouse.sql import run_sql

HISTORY_DAYS = 120
"""How far back the volume history reaches (the longest rule window plus a margin)."""
CHUNK_BATCHES = 64
"""Batches validated together (a month of daily deliveries, or every form of a month): GX has a
fixed cost per run, so fewer, larger runs keep validation a small share of the load."""
CHUNK_BYTES = 48 * 1024 * 1024
"""Landed bytes validated together at most (about ten ЕПГУ day windows or 25 МФЦ days at scale
1.0): bounds the chunk's frames, so peak memory does not grow with the scale."""
# core.fact_ekc_call is keyed by call_id alone. A few repeated ids are quarantined like rows
# failing any rule; more than 5 % look like another day's export under this day's date, and


def select_pending(conn: Connection, source: str) -> list[PendingDelivery]:
    """Landed, not yet validated deliveries of a source, the latest per key, in period order."""
    return select_landed(conn, source, pending_only=True)


def select_landed(
    conn: Connection,
    source: str,
    *,
    pending_only: bool,
    first_day: date | None = None,
    last_day: date | None = None,
) -> list[PendingDelivery]:
    """The latest delivery under each key of a source, in period order: only those no batch
    has validated yet, or every one whose period overlaps the days (re-processing)."""
    rows = run_sql(
        conn,
        "quality/select_landed_deliveries",
        {
            "source": source,
            "batch_media_type": source_spec(source).batch_media_type,
            "pending_only": pending_only,
            "first_day": first_day,
            "last_day": last_day,
        },
    ).mappings()
    return [
        PendingDelivery(
            int(r["delivery_id"]),
            str(r["delivery_key"]),
            r["period_start"],
            r["period_end"],
            str(r["checksum_sha256"]),
            dict(r["metadata"] or {}),
            int(r["load_bytes"] or 0),
        )
        for r in rows
    ]


def chunk_pending(
    pending: Sequence[PendingDelivery], max_batches: int, max_bytes: int = CHUNK_BYTES
) -> Iterator[list[PendingDelivery]]:
    """Pending deliveries in chunks validated together: at most `max_batches` deliveries and,
    unless a single delivery is larger, `max_bytes` of landed bytes (memory stays flat as
    deliveries grow)."""
    chunk: list[PendingDelivery] = []
    size = 0
    for delivery in pending:
        if chunk and (len(chunk) >= max_batches or size + delivery.load_bytes > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(delivery)
        size += delivery.load_bytes
    if chunk:
        yield chunk


def select_reference(
    conn: Connection, source: str, since: date, *, in_force_only: bool = False
) -> GateReference:
    """Known OKTMO codes, the МСЗУ catalogue and the source's accepted volumes since a day.

    `in_force_only`: one volume per batch key (its batch in force), as re-processing compares:
    its own new batches must not weigh twice in the history a second re-processing reads.
    """
    params = {"source": source, "since": since}
    found = (
        run_sql(conn, "quality/select_volume_history_in_force", params)
        if in_force_only
        else run_sql(conn, "quality/select_volume_history", params)
    )
    history = [
        VolumePoint(str(r["source"]), r["oktmo"], r["period_start"], int(r["volume"]))
        for r in found.mappings()
    ]
    known_oktmo = list(run_sql(conn, "quality/select_known_oktmo").scalars())
    if not known_oktmo:
        # Without the dimensions every row would fail "OKTMO is known" and every batch would be
        # rejected: stop with the fix instead.
        raise EgovError("reference data is not loaded: run `egov reference load` first")
    return GateReference(
        known_oktmo=known_oktmo,
        mszu_service_codes=list(run_sql(conn, "quality/select_mszu_service_codes").scalars()),
        history=history,
    )


def history_since(pending: Sequence[PendingDelivery]) -> date:
    """The first day of volume history the chunk's batches can compare against."""
    return min(p.period_start for p in pending) - timedelta(days=HISTORY_DAYS)
