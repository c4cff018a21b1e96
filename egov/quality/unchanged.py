"""Per-batch locks, and deliveries skipped because they equal the batch in force."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Connection, Engine

from egov.quality.inputs import (
    BatchInput,
    PendingDelivery,
    unparsed_input,
)
from egov.quality.summary import BatchSummary
from egov.quality.write import insert_batch_row
from egov.warehouse.sql import run_sql


def period_lock_name(source: str, period_start: date, period_end: date, oktmo: str | None) -> str:
    """Name of the advisory lock that serialises loads of one source period (and municipality)."""
    name = f"load/{source}/{period_start.isoformat()}..{period_end.isoformat()}"
    return f"{name}/{oktmo}" if oktmo else name


def take_period_lock(conn: Connection, batch: BatchInput) -> None:
    """Wait for the batch's (source, period) advisory lock, held until the transaction ends.

    The transaction commits without waiting for its WAL flush (see the SQL file for why that is
    safe): one fsync per batch was a fifth of a small backfill.
    """
    lock_name = period_lock_name(batch.source, batch.period_start, batch.period_end, batch.oktmo)
    run_sql(conn, "loading/set_batch_commit_asynchronous")
    run_sql(conn, "loading/acquire_period_lock", {"lock_name": lock_name})


def lock_period(conn: Connection, batch: BatchInput) -> bool:
    """Take the batch's period lock for this transaction; False if another run loaded it since.

    Two runs may validate the same pending delivery at once; only the first to get the lock
    writes it, the other finds it no longer pending (or superseded) and leaves it alone.
    """
    take_period_lock(conn, batch)
    is_pending = run_sql(
        conn, "loading/select_delivery_is_pending", {"delivery_id": batch.delivery_ids[0]}
    ).scalar()
    return bool(is_pending)


@dataclass(frozen=True)
class BatchInForce:
    """The batch whose data is currently loaded for a batch key."""

    batch_id: int
    checksum_sha256: str
    volume: int


def select_batches_in_force(
    conn: Connection, source: str, batch_keys: Sequence[str]
) -> dict[str, BatchInForce]:
    """{batch key: the latest batch that was not rejected} for the given keys."""
    rows = run_sql(
        conn,
        "loading/select_batches_in_force",
        {"source": source, "batch_keys": list(batch_keys)},
    ).mappings()
    return {
        str(r["batch_key"]): BatchInForce(
            int(r["batch_id"]), str(r["checksum_sha256"]), int(r["volume"])
        )
        for r in rows
    }


def unchanged_input(pending: PendingDelivery, source: str) -> BatchInput:
    """The gate input of a delivery that is skipped unchanged (nothing parsed)."""
    return unparsed_input(source, pending)


def write_skipped_unchanged(
    conn: Connection,
    batch: BatchInput,
    in_force: BatchInForce,
    started_at: datetime,
    flow_run_id: str | None,
) -> int:
    """Record a delivery whose bytes equal the batch in force: a batch row, no facts touched."""
    return insert_batch_row(
        conn,
        batch,
        {
            "status": "skipped_unchanged",
            "rows_in": 0,
            "rows_loaded": 0,
            "rows_quarantined": 0,
            "rows_rejected": 0,
            "volume": in_force.volume,
            "message": f"same checksum as batch {in_force.batch_id}, which stays in force",
            "notes": "[]",
            "flow_run_id": flow_run_id,
            "started_at": started_at,
        },
    )


def skipped_summary(batch: BatchInput, batch_id: int, message: str) -> BatchSummary:
    """Summary of a batch that wrote no facts: its delivery (or verdict) equals batch `batch_id`."""
    return BatchSummary(
        source=batch.source,
        batch_id=batch_id,
        batch_key=batch.batch_key,
        oktmo=batch.oktmo,
        period_start=batch.period_start,
        period_end=batch.period_end,
        status="skipped_unchanged",
        rows_in=0,
        rows_loaded=0,
        rows_quarantined=0,
        rows_rejected=0,
        message=message,
    )


def skip_unchanged(
    engine: Engine,
    source: str,
    chunk: Sequence[PendingDelivery],
    started_at: datetime,
    flow_run_id: str | None,
) -> tuple[list[PendingDelivery], list[BatchSummary]]:
    """Record the chunk's deliveries equal to their batch in force; return the others."""
    with engine.connect() as conn:
        in_force = select_batches_in_force(conn, source, [p.delivery_key for p in chunk])
    changed: list[PendingDelivery] = []
    summaries: list[BatchSummary] = []
    for pending in chunk:
        current = in_force.get(pending.delivery_key)
        if current is None or current.checksum_sha256 != pending.checksum_sha256:
            changed.append(pending)
            continue
        batch = unchanged_input(pending, source)
        with engine.begin() as conn:
            if not lock_period(conn, batch):
                continue
            batch_id = write_skipped_unchanged(conn, batch, current, started_at, flow_run_id)
        summaries.append(
            skipped_summary(batch, batch_id, f"same checksum as batch {current.batch_id}")
        )
    return changed, summaries
