"""The gate's database side: pending deliveries in, one transaction per validated batch out.

`select_pending` finds what was landed and not validated yet (so a run that crashed after
landing is picked up by the next one), `read_batch_input` parses it from the raw store, and
`write_verdict` records the batch, its expectation results and quarantined rows and merges its
accepted rows into the core facts, all in one transaction: a crash leaves the old state or the
new one, never a mix. In that transaction, before the write, the source's own checks against
the warehouse run (ЕКЦ: calls already loaded from another day's export go to quarantine).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy.engine import Connection, Engine

from egov.quality.gate import validate_batches
from egov.quality.inputs import BatchInput, PendingDelivery
from egov.quality.pending import (
    CHUNK_BATCHES,
    chunk_pending,
    history_since,
    select_pending,
    select_reference,
)
from egov.quality.summary import BatchSummary
from egov.quality.unchanged import lock_period, skip_unchanged
from egov.quality.verdicts import BatchVerdict
from egov.quality.write import (
    batch_summary,
    mark_stale_months,
    stale_months,
    write_verdict,
)
from egov.sources.landing import RawStore
from egov.sources.registry import source_spec

log = logging.getLogger("egov.quality")


def read_batch_input(
    conn: Connection, store: RawStore, source: str, pending: PendingDelivery
) -> BatchInput:
    """Parse one pending delivery from the raw store into the gate's input."""
    return source_spec(source).read_input(conn, store, pending)


def check_in_transaction(conn: Connection, verdict: BatchVerdict) -> BatchVerdict:
    """The verdict after the source's checks against the warehouse (in the batch's transaction)."""
    for check in source_spec(verdict.batch.source).transaction_checks:
        verdict = check(conn, verdict)
    return verdict


def validate_and_load(
    engine: Engine,
    store: RawStore,
    source: str,
    *,
    flow_run_id: str | None = None,
    max_batches: int = CHUNK_BATCHES,
    keep_results: Literal["all", "failed"] = "all",
) -> tuple[list[BatchSummary], list[Any]]:
    """Validate every pending delivery of a source and load it, one transaction per batch.

    A delivery equal to the batch in force for its key is recorded `skipped_unchanged` without
    being parsed. Each batch is written under its (source, period) advisory lock, after checking
    that no concurrent run has written it meanwhile. Returns the batch summaries and the GX
    validation results for Data Docs (`keep_results="failed"`: only those with a failure, so a
    long backfill does not hold every result in memory).
    """
    with engine.connect() as conn:
        pending = select_pending(conn, source)
    summaries: list[BatchSummary] = []
    gx_results: list[Any] = []
    for chunk in chunk_pending(pending, max_batches):
        started_at = datetime.now(UTC)
        changed, skipped = skip_unchanged(engine, source, chunk, started_at, flow_run_id)
        summaries += skipped
        if not changed:
            continue
        with engine.connect() as conn:
            reference = select_reference(conn, source, history_since(changed))
            inputs = [read_batch_input(conn, store, source, p) for p in changed]
        verdicts, runs = validate_batches(source, inputs, reference)
        label = f"{source} {changed[0].delivery_key} .. {changed[-1].delivery_key}"
        for run in runs:
            if run.gx_result is not None and (keep_results == "all" or not run.gx_result.success):
                # Data Docs names each page by this label: the chunk's deliveries.
                run.gx_result.meta["batch_key"] = f"{run.suite.name}: {label}"
                gx_results.append(run.gx_result)
        for verdict in verdicts:
            with engine.begin() as conn:
                if not lock_period(conn, verdict.batch):
                    log.info(
                        "%s %s was loaded by a concurrent run", source, verdict.batch.batch_key
                    )
                    continue
                verdict = check_in_transaction(conn, verdict)
                batch_id = write_verdict(conn, verdict, started_at, flow_run_id)
                if verdict.status != "rejected":
                    mark_stale_months(conn, stale_months(verdict))
            summaries.append(batch_summary(verdict, batch_id))
    return summaries, gx_results
