"""Re-processing from the raw store: validate and load landed deliveries again, sources untouched.

After a parser, rule or reference-data fix, a period is rebuilt from the bytes already landed:
the latest delivery under each key of the period (loaded, partial, rejected or never validated)
is parsed, validated and written as a new batch with the usual accounting, and the batch before
it stays in the history. A batch records its verdict's fingerprint, so a delivery whose verdict
equals the one its latest batch recorded is left alone: re-processing twice writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.engine import Connection, Engine

from egov.calendar import month_end
from egov.quality.fingerprint import verdict_fingerprint
from egov.quality.gate import validate_batches
from egov.quality.inputs import BatchInput
from egov.quality.load import check_in_transaction, read_batch_input
from egov.quality.pending import (
    CHUNK_BATCHES,
    chunk_pending,
    history_since,
    select_landed,
    select_reference,
)
from egov.quality.summary import BatchSummary
from egov.quality.unchanged import skipped_summary, take_period_lock
from egov.quality.verdicts import BatchVerdict
from egov.quality.write import batch_summary, mark_stale_months, stale_months, write_verdict
from egov.sources.landing import RawStore
from egov.warehouse.sql import run_sql

log = logging.getLogger("egov.loading")


@dataclass(frozen=True)
class LatestVerdict:
    """The batch that last validated a delivery, and the fingerprint it recorded (if any)."""

    batch_id: int
    status: str
    verdict_sha256: str | None


def select_latest_verdicts(
    conn: Connection, delivery_ids: Sequence[int]
) -> dict[int, LatestVerdict]:
    """{delivery id: its latest batch} for the deliveries some batch has validated."""
    rows = run_sql(
        conn, "loading/select_latest_verdicts", {"delivery_ids": list(delivery_ids)}
    ).mappings()
    return {
        int(r["delivery_id"]): LatestVerdict(
            int(r["batch_id"]), str(r["status"]), r["verdict_sha256"]
        )
        for r in rows
    }


def lock_current(conn: Connection, batch: BatchInput, latest: LatestVerdict | None) -> bool:
    """Take the batch's period lock; False if the delivery was superseded or re-validated since.

    The same lock as the ordinary load, so a re-processing and an ingest run of the same period
    write one after the other, and two re-processings of one delivery write it once.
    """
    take_period_lock(conn, batch)
    is_current = run_sql(
        conn,
        "loading/select_delivery_is_current",
        {
            "delivery_id": batch.delivery_ids[0],
            "batch_id": latest.batch_id if latest is not None else None,
        },
    ).scalar()
    return bool(is_current)


def reprocess_source(
    engine: Engine,
    store: RawStore,
    source: str,
    first_month: date,
    last_month: date,
    *,
    flow_run_id: str | None = None,
    max_batches: int = CHUNK_BATCHES,
) -> list[BatchSummary]:
    """Re-validate and reload a source's landed deliveries of the months; the batch summaries.

    A delivery whose new verdict equals the fingerprint its latest batch recorded is reported
    `skipped_unchanged` and writes nothing.
    """
    with engine.connect() as conn:
        landed = select_landed(
            conn, source, pending_only=False, first_day=first_month, last_day=month_end(last_month)
        )
    summaries: list[BatchSummary] = []
    for chunk in chunk_pending(landed, max_batches):
        started_at = datetime.now(UTC)
        with engine.connect() as conn:
            latest = select_latest_verdicts(conn, [p.delivery_id for p in chunk])
            reference = select_reference(conn, source, history_since(chunk), in_force_only=True)
            inputs = [read_batch_input(conn, store, source, p) for p in chunk]
        verdicts, _ = validate_batches(source, inputs, reference)
        for verdict in verdicts:
            previous = latest.get(verdict.batch.delivery_ids[0])
            summary = _write_if_changed(engine, verdict, previous, started_at, flow_run_id)
            if summary is not None:
                summaries.append(summary)
    return summaries


def _write_if_changed(
    engine: Engine,
    verdict: BatchVerdict,
    latest: LatestVerdict | None,
    started_at: datetime,
    flow_run_id: str | None,
) -> BatchSummary | None:
    """Write the verdict as a new batch unless it equals the latest one (in one transaction)."""
    batch = verdict.batch
    with engine.begin() as conn:
        if not lock_current(conn, batch, latest):
            log.info("%s %s was validated by a concurrent run", batch.source, batch.batch_key)
            return None
        verdict = check_in_transaction(conn, verdict)
        fingerprint = verdict_fingerprint(verdict)
        if latest is not None and latest.verdict_sha256 == fingerprint:
            return skipped_summary(
                batch, latest.batch_id, f"same verdict as batch {latest.batch_id}"
            )
        batch_id = write_verdict(conn, verdict, started_at, flow_run_id, fingerprint)
        if verdict.status != "rejected":
            mark_stale_months(conn, stale_months(verdict))
    return batch_summary(verdict, batch_id)
