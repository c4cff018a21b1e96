"""The `pipeline` and `backfill` flows: ingest → validate → load → snapshot, chunk by chunk.

A chunk is one source's deliveries of one month (the pipeline's default chunk is everything
since the source's mark). A failed chunk is reported and the others go on; the run then ends
Failed, naming the failed chunks, with the full report as its result and artifact, and takes
no snapshot: what it loaded stays marked stale for the next complete run.

The chunks are submitted to the flow's task runner: one at a time in process by default, or
spread over a Dask cluster when `EGOV_DASK_ADDRESS` names one. The sources of a month run side
by side; a month starts after the previous one is loaded and reconciled, so every runner leaves
the same warehouse.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from prefect import flow
from prefect.client.schemas.objects import State
from prefect.futures import PrefectFuture
from prefect.states import Completed, Failed

from egov.loading.backfill import ChunkReport, RunReport, check_sources, failed_chunks
from egov.loading.task_runner import chunk_task_runner
from egov.quality.alerts import on_flow_failure
from egov.settings import get_settings
from egov.sources import SourceKey
from flows.snapshots import compute_snapshots
from tasks.freshness import sync_reporting_calendar
from tasks.loading import (
    load_chunk,
    log_chunk,
    plan_backfill,
    publish_run_summary,
    reconcile_chunks,
    select_stale_months,
)
from tasks.quality import reprocess_deliveries
from tasks.warehouse import check_warehouse_schema


def _collect(futures: list[PrefectFuture[ChunkReport]]) -> list[ChunkReport]:
    """The chunks' reports in submission order, each logged as it arrives."""
    chunks = []
    for future in futures:
        chunks.append(future.result())
        log_chunk(chunks[-1])
    return chunks


def _finish(title: str, chunks: list[ChunkReport], as_of: date | None) -> State[Any]:
    # Every stale month, not only this run's: a run killed before its snapshot step left its
    # months marked, in the same transactions as its batches.
    stale = select_stale_months()
    failed = failed_chunks(chunks)
    # A run missing a source would publish indicators without it (an online share with no ЕПГУ
    # is 0 %): its months stay marked stale and the next complete run snapshots them.
    touched = [] if failed else stale
    snapshots = compute_snapshots(months=touched, as_of=as_of) if touched else None
    publish_run_summary(title, chunks)
    if failed:
        names = ", ".join(c.label for c in failed)
        deferred = f"; snapshot of {len(stale)} month(s) deferred to the next run" if stale else ""
        message = f"{len(failed)} chunk(s) failed: {names}{deferred}"
    else:
        message = f"{len(chunks)} chunk(s) done"
    report = RunReport(
        chunks=tuple(chunks),
        touched_months=tuple(touched),
        deferred_months=tuple(stale) if failed else (),
        snapshots=snapshots,
        is_failed=bool(failed),
        state_message=message,
    )
    return (Failed if failed else Completed)(message=message, data=report)


@flow(
    name="pipeline",
    log_prints=True,
    on_failure=[on_flow_failure],
    task_runner=chunk_task_runner(get_settings().dask_address),
)
def pipeline(
    period: str | None = None,
    sources: list[SourceKey] | None = None,
    until: datetime | None = None,
    today: date | None = None,
) -> State[Any]:
    """Ingest every source (since its mark, or one 'YYYY-MM' period), then snapshot what changed."""
    check_warehouse_schema()
    # What counts as a loaded period (status, recapture) is read through the calendar.
    sync_reporting_calendar()
    futures = [
        load_chunk.submit(s, period, until=until, today=today) for s in check_sources(sources)
    ]
    chunks = _collect(futures)
    reconcile_chunks(chunks)
    return _finish(f"pipeline {period or 'since mark'}", chunks, today)


@flow(
    name="backfill",
    log_prints=True,
    on_failure=[on_flow_failure],
    task_runner=chunk_task_runner(get_settings().dask_address),
)
def backfill(
    from_month: str = "2023-01",
    to_month: str = "2024-12",
    sources: list[SourceKey] | None = None,
    recapture: bool = False,
    until: datetime | None = None,
    today: date | None = None,
) -> State[Any]:
    """Load a range of months chunk by chunk (or only the gaps the freshness calendar reports).

    Resumable: a re-run asks only for what is missing or changed, and records the rest as
    skipped_unchanged.
    """
    check_warehouse_schema()
    # Recapture reads the gaps through the calendar, so it must match the file first.
    sync_reporting_calendar()
    plan = plan_backfill(from_month, to_month, list(sources or []), recapture, until)
    futures: list[PrefectFuture[ChunkReport]] = []
    reconciled: list[PrefectFuture[None]] = []
    for month in sorted({m for _, m in plan}):
        # A month waits for the previous one: a later month's ЕПГУ windows change earlier
        # months' facts, and the reconciliation must see the same facts on every runner.
        month_futures = [
            load_chunk.submit(
                s, m, until=until, today=today, wait_for=reconciled, return_state=False
            )
            for s, m in plan
            if m == month
        ]
        # Forms of a month compare with that month's ЕПГУ and МФЦ facts: after all its chunks.
        # Futures as parameters: Prefect passes their results once they are all done.
        reconciled = [reconcile_chunks.submit(month_futures, return_state=False)]
        futures += month_futures
    chunks = _collect(futures)
    for future in reconciled:
        future.result()
    kind = "recapture" if recapture else "backfill"
    return _finish(f"{kind} {from_month}..{to_month}", chunks, today)


@flow(name="reprocess-deliveries", log_prints=True, on_failure=[on_flow_failure])
def reprocess(source: SourceKey, from_month: str, to_month: str) -> State[Any]:
    """Re-validate and reload a source's landed deliveries of a month range from the raw store
    (no source is asked), then reconcile and snapshot what changed."""
    check_warehouse_schema()
    chunks = [reprocess_deliveries(source, from_month, to_month)]
    log_chunk(chunks[0])
    reconcile_chunks(chunks)
    return _finish(f"reprocess {source} {from_month}..{to_month}", chunks, None)
