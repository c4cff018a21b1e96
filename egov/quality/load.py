"""The gate's database side: pending deliveries in, one transaction per validated batch out.

`select_pending` finds what was landed and not validated yet (so a run that crashed after
landing is picked up by the next one), `read_batch_inputs` parses it from the raw store, and
`write_verdict` records the batch, its expectation results and quarantined rows and merges its
accepted rows into the core facts, all in one transaction: a crash leaves the old state or the
new one, never a mix. In that transaction, before the write, an ЕКЦ day's calls already loaded
from another day's export are moved to quarantine (`check_calls_of_other_days`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from egov.errors import EgovError
from egov.loading.months import is_final_ekc_export
from egov.quality.conform import CORE_COLUMNS, CORE_TABLES
from egov.quality.gate import (
    BatchInput,
    BatchVerdict,
    DeliveryPart,
    GateReference,
    RuleResult,
    VolumePoint,
    quarantine_rows,
    validate_batches,
)
from egov.quality.suites import RowRule, suite_for
from egov.sources.ingest import EPGU_WINDOW_MEDIA_TYPE, parse_delivery
from egov.sources.landing import RawStore, read_landed
from egov.sources.omsu import parse_omsu_workbook
from egov.sources.records import DeliveryError, Finding, ParsedDelivery
from egov.warehouse.sql import copy_rows, run_sql

log = logging.getLogger("egov.quality")

HISTORY_DAYS = 120
"""How far back the volume history reaches (the longest rule window plus a margin)."""
CHUNK_BATCHES = 64
CHUNK_BYTES = 48 * 1024 * 1024
"""Landed bytes validated together at most (about ten ЕПГУ day windows or 25 МФЦ days at scale
1.0): bounds the chunk's frames, so peak memory does not grow with the scale."""
"""Batches validated together (a month of daily deliveries, or every form of a month): GX has a
fixed cost per run, so fewer, larger runs keep validation a small share of the load."""
# core.fact_ekc_call is keyed by call_id alone. A few repeated ids are quarantined like rows
# failing any rule; more than 5 % look like another day's export under this day's date, and
# rejecting that keeps the day's earlier load in force.
CALL_ID_ACROSS_DAYS = RowRule(
    rule="call_id_is_unique_across_days",
    severity="blocking",
    reason="the call id is already loaded from another day's export",
    expectation_type="lookup in core.fact_ekc_call",
    mostly=0.95,
    column="call_id",
)
# The period locks are per day: without this one a concurrent load of another day could insert
# the same call id between this day's check and its insert.
EKC_CALL_IDS_LOCK = "load/ekc/call_ids"


@dataclass(frozen=True)
class PendingDelivery:
    """A landed delivery no batch has validated yet (for ЕПГУ: a window manifest)."""

    delivery_id: int
    delivery_key: str
    period_start: date
    period_end: date
    checksum_sha256: str
    metadata: dict[str, Any]
    load_bytes: int = 0


def select_pending(conn: Connection, source: str) -> list[PendingDelivery]:
    """Landed, not yet validated deliveries of a source, the latest per key, in period order."""
    rows = run_sql(
        conn,
        "quality/select_pending_deliveries",
        {"source": source, "epgu_window_media_type": EPGU_WINDOW_MEDIA_TYPE},
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


def select_reference(conn: Connection, source: str, since: date) -> GateReference:
    """Known OKTMO codes, the МСЗУ catalogue and the source's accepted volumes since a day."""
    history = [
        VolumePoint(str(r["source"]), r["oktmo"], r["period_start"], int(r["volume"]))
        for r in run_sql(
            conn, "quality/select_volume_history", {"source": source, "since": since}
        ).mappings()
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


# --- parsing pending deliveries ------------------------------------------------------------


def _parse_failure(source: str, name: str, exc: Exception) -> str:
    if isinstance(exc, DeliveryError):
        return str(exc)
    # A parser bug on one delivery must not stop the others; the delivery stays landed and
    # the batch is rejected with the failure.
    log.exception("parsing %s %s failed", source, name)
    return f"{source} {name}: parser failed: {type(exc).__name__}: {exc}"


def _epgu_input(conn: Connection, store: RawStore, pending: PendingDelivery) -> BatchInput:
    _, content = read_landed(conn, store, pending.delivery_id)
    manifest = json.loads(content)
    window = (
        datetime.fromisoformat(manifest["window_start"]),
        datetime.fromisoformat(manifest["window_end"]),
    )
    landed = run_sql(
        conn, "quality/select_window_pages", {"page_key_prefix": f"{pending.delivery_key} page "}
    ).mappings()
    by_checksum = {str(r["checksum_sha256"]): int(r["delivery_id"]) for r in landed}
    page_ids = [by_checksum[checksum] for checksum in manifest["pages"]]
    base = BatchInput(
        "epgu",
        pending.delivery_key,
        pending.period_start,
        pending.period_end,
        pending.checksum_sha256,
        (pending.delivery_id, *page_ids),
        window=window,
    )
    parts: list[DeliveryPart] = []
    for page_id in page_ids:
        row, page = read_landed(conn, store, page_id)
        try:
            (parsed,) = parse_delivery("epgu", page, str(row["delivery_key"]), row["period_start"])
        except Exception as exc:
            return replace(base, error=_parse_failure("epgu", str(row["delivery_key"]), exc))
        parts.append(DeliveryPart("applications", page_id, parsed))
    return replace(base, parts=tuple(parts))


def read_batch_input(
    conn: Connection, store: RawStore, source: str, pending: PendingDelivery
) -> BatchInput:
    """Parse one pending delivery from the raw store into the gate's input."""
    if source == "epgu":
        return _epgu_input(conn, store, pending)
    name = str(pending.metadata.get("file") or pending.delivery_key)
    base = BatchInput(
        source,
        pending.delivery_key,
        pending.period_start,
        pending.period_end,
        pending.checksum_sha256,
        (pending.delivery_id,),
        oktmo=pending.metadata.get("oktmo"),
    )
    _, content = read_landed(conn, store, pending.delivery_id)
    try:
        parts: tuple[DeliveryPart, ...]
        if source == "omsu":
            report = parse_omsu_workbook(content, name)
            parts = (
                DeliveryPart("applications", pending.delivery_id, report.applications),
                DeliveryPart("campaign", pending.delivery_id, report.campaign),
            )
        else:
            dataset = "calls" if source == "ekc" else "applications"
            (parsed,) = parse_delivery(source, content, name, pending.period_start)
            if source == "ekc":
                _check_final_export_has_calls(parsed, pending)
            parts = (DeliveryPart(dataset, pending.delivery_id, parsed),)
    except Exception as exc:
        return replace(base, error=_parse_failure(source, name, exc))
    return replace(base, parts=parts)


def _check_final_export_has_calls(parsed: ParsedDelivery, pending: PendingDelivery) -> None:
    """Add a blocking finding to a final ЕКЦ export without calls.

    Today's export fetched after midnight may hold none yet; a final one (fetched two days
    later or more) without calls is a broken export that would replace the day's calls with
    nothing, since the contact centre answers around the clock.
    """
    fetched_on = pending.metadata.get("fetched_on")
    if parsed.rows_in or fetched_on is None:
        return
    day, fetched = pending.period_start, date.fromisoformat(str(fetched_on))
    if is_final_ekc_export(day, fetched):
        parsed.findings.append(
            Finding(
                parsed.source,
                parsed.file,
                "final_export_is_empty",
                f"the export of {day.isoformat()}, final when fetched on {fetched.isoformat()}, "
                "holds no calls",
                "blocking",
            )
        )


# --- writing a verdict ---------------------------------------------------------------------


def _pg_array(values: Sequence[str]) -> str:
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"


def check_calls_of_other_days(conn: Connection, verdict: BatchVerdict) -> BatchVerdict:
    """An ЕКЦ verdict with its calls already loaded from another day's export held back."""
    calls = verdict.accepted.get("calls")
    if verdict.batch.source != "ekc" or calls is None:
        return verdict
    run_sql(conn, "loading/acquire_period_lock", {"lock_name": EKC_CALL_IDS_LOCK})
    # Only other days count: the day's own rows are deleted before its rows are inserted.
    loaded = {
        str(r["call_id"]): r["export_day"]
        for r in run_sql(
            conn,
            "quality/select_ekc_calls_loaded_on_other_days",
            {"call_ids": calls["call_id"].astype(str).tolist(), "day": verdict.batch.period_start},
        ).mappings()
    }
    hits = calls[calls["call_id"].isin(list(loaded))]
    reasons = {
        int(row): f"call_id {call_id} is already loaded from the export of {loaded[call_id]}"
        for call_id, row in zip(hits["call_id"], hits["source_row"], strict=True)
    }
    suite = suite_for("ekc", "calls", "core").name
    return quarantine_rows(verdict, "calls", CALL_ID_ACROSS_DAYS, suite, reasons)


def _merge_facts(conn: Connection, verdict: BatchVerdict, batch_id: int) -> None:
    batch = verdict.batch
    scope = {"period_start": batch.period_start, "oktmo": batch.oktmo}
    for dataset, rows in verdict.accepted.items():
        table = CORE_TABLES[(batch.source, dataset)]
        run_sql(conn, f"core/create_stage_{table}")
        staged = rows[list(CORE_COLUMNS[(batch.source, dataset)])].copy()
        staged["load_batch_id"] = batch_id
        copy_rows(conn, f"core/copy_stage_{table}", staged)
        if table == "fact_epgu_application":
            run_sql(conn, "core/merge_fact_epgu_application")
        else:
            run_sql(conn, f"core/delete_{table}_scope", scope)
            run_sql(conn, f"core/insert_{table}_from_stage")


def expectation_result_params(batch_id: int, result: RuleResult) -> dict[str, Any]:
    """Bind parameters of quality/insert_expectation_result for one rule's result."""
    return {
        "batch_id": batch_id,
        "expectation": result.expectation,
        "suite": result.suite,
        "severity": result.severity,
        "success": result.success,
        "element_count": result.element_count,
        "unexpected_count": result.unexpected_count,
        "details": json.dumps(result.details, ensure_ascii=False, default=str),
    }


def insert_batch_row(conn: Connection, batch: BatchInput, outcome: dict[str, Any]) -> int:
    """Record a batch (its identity plus the outcome's columns) and link its deliveries."""
    batch_id = int(
        run_sql(
            conn,
            "quality/insert_load_batch",
            {
                "source": batch.source,
                "batch_key": batch.batch_key,
                "oktmo": batch.oktmo,
                "period_start": batch.period_start,
                "period_end": batch.period_end,
                "checksum_sha256": batch.checksum_sha256,
                **outcome,
            },
        ).scalar_one()
    )
    run_sql(
        conn,
        "quality/insert_batch_delivery",
        [{"delivery_id": d, "batch_id": batch_id} for d in batch.delivery_ids],
    )
    return batch_id


def write_verdict(
    conn: Connection, verdict: BatchVerdict, started_at: datetime, flow_run_id: str | None
) -> int:
    """Record the batch and merge its accepted rows (the caller holds the transaction)."""
    batch = verdict.batch
    batch_id = insert_batch_row(
        conn,
        batch,
        {
            "status": verdict.status,
            "rows_in": verdict.rows_in,
            "rows_loaded": verdict.rows_loaded,
            "rows_quarantined": verdict.rows_quarantined,
            "rows_rejected": verdict.rows_rejected,
            "volume": verdict.volume,
            "message": verdict.message,
            "notes": json.dumps(verdict.notes, ensure_ascii=False),
            "flow_run_id": flow_run_id,
            "started_at": started_at,
        },
    )
    if verdict.results:
        run_sql(
            conn,
            "quality/insert_expectation_result",
            [expectation_result_params(batch_id, r) for r in verdict.results],
        )
    if len(verdict.quarantine):
        quarantine = verdict.quarantine.copy()
        quarantine.insert(0, "batch_id", batch_id)
        quarantine["failed_rules"] = quarantine["failed_rules"].map(_pg_array)
        quarantine["source"] = batch.source
        copy_rows(conn, "quality/copy_quarantine", quarantine)
    if verdict.status != "rejected":
        _merge_facts(conn, verdict, batch_id)
    return batch_id


def batch_summary(verdict: BatchVerdict, batch_id: int) -> dict[str, Any]:
    """Plain-value summary of one written batch (task results, artifacts, alerts)."""
    batch = verdict.batch
    return {
        "source": batch.source,
        "batch_id": batch_id,
        "batch_key": batch.batch_key,
        "oktmo": batch.oktmo,
        "period_start": batch.period_start.isoformat(),
        "period_end": batch.period_end.isoformat(),
        "status": verdict.status,
        "rows_in": verdict.rows_in,
        "rows_loaded": verdict.rows_loaded,
        "rows_quarantined": verdict.rows_quarantined,
        "rows_rejected": verdict.rows_rejected,
        "message": verdict.message,
        "failed_rules": [
            {"rule": r.expectation, "severity": r.severity, "unexpected_count": r.unexpected_count}
            for r in verdict.failed_rules
        ],
    }


MONTH_COLUMNS = ("submitted_month", "accepted_month", "report_month")
"""Fact columns naming the month an application or form counts in (monthly counts' grain)."""


def stale_months(verdict: BatchVerdict) -> list[date]:
    """Months whose monthly counts a written batch may change: its period's months and the
    months of the rows it loaded (a late ЕПГУ status change moves an earlier month)."""
    batch = verdict.batch
    months = {batch.period_start.replace(day=1), batch.period_end.replace(day=1)}
    if verdict.status != "rejected":
        for rows in verdict.accepted.values():
            for column in MONTH_COLUMNS:
                if column in rows.columns:
                    days = pd.to_datetime(rows[column].dropna()).dt.date.unique()
                    months.update(d.replace(day=1) for d in days)
    return sorted(months)


def mark_stale_months(conn: Connection, months: Sequence[date]) -> None:
    """Record months for the snapshot step, in the batch's transaction (crash-safe hand-over)."""
    if months:
        run_sql(conn, "loading/mark_stale_months", [{"month": m} for m in months])


def period_lock_name(source: str, period_start: date, period_end: date, oktmo: str | None) -> str:
    """Name of the advisory lock that serialises loads of one source period (and municipality)."""
    name = f"load/{source}/{period_start.isoformat()}..{period_end.isoformat()}"
    return f"{name}/{oktmo}" if oktmo else name


def lock_period(conn: Connection, batch: BatchInput) -> bool:
    """Take the batch's period lock for this transaction; False if another run loaded it since.

    Two runs may validate the same pending delivery at once; only the first to get the lock
    writes it, the other finds it no longer pending (or superseded) and leaves it alone. The
    transaction commits without waiting for its WAL flush (see the SQL file for why that is
    safe): one fsync per batch was a fifth of a small backfill.
    """
    lock_name = period_lock_name(batch.source, batch.period_start, batch.period_end, batch.oktmo)
    run_sql(conn, "loading/set_batch_commit_asynchronous")
    run_sql(conn, "loading/acquire_period_lock", {"lock_name": lock_name})
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
    return BatchInput(
        source,
        pending.delivery_key,
        pending.period_start,
        pending.period_end,
        pending.checksum_sha256,
        (pending.delivery_id,),
        oktmo=pending.metadata.get("oktmo"),
    )


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


def skipped_summary(batch: BatchInput, batch_id: int | None, message: str) -> dict[str, Any]:
    """Summary of a batch that wrote no facts (unchanged, or loaded by a concurrent run)."""
    return {
        "source": batch.source,
        "batch_id": batch_id,
        "batch_key": batch.batch_key,
        "oktmo": batch.oktmo,
        "period_start": batch.period_start.isoformat(),
        "period_end": batch.period_end.isoformat(),
        "status": "skipped_unchanged",
        "rows_in": 0,
        "rows_loaded": 0,
        "rows_quarantined": 0,
        "rows_rejected": 0,
        "message": message,
        "failed_rules": [],
    }


def _skip_unchanged(
    engine: Engine,
    source: str,
    chunk: Sequence[PendingDelivery],
    started_at: datetime,
    flow_run_id: str | None,
) -> tuple[list[PendingDelivery], list[dict[str, Any]]]:
    """Record the chunk's deliveries equal to their batch in force; return the others."""
    with engine.connect() as conn:
        in_force = select_batches_in_force(conn, source, [p.delivery_key for p in chunk])
    changed: list[PendingDelivery] = []
    summaries: list[dict[str, Any]] = []
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


def validate_and_load(
    engine: Engine,
    store: RawStore,
    source: str,
    *,
    flow_run_id: str | None = None,
    max_batches: int = CHUNK_BATCHES,
    keep_results: Literal["all", "failed"] = "all",
) -> tuple[list[dict[str, Any]], list[Any]]:
    """Validate every pending delivery of a source and load it, one transaction per batch.

    A delivery equal to the batch in force for its key is recorded `skipped_unchanged` without
    being parsed. Each batch is written under its (source, period) advisory lock, after checking
    that no concurrent run has written it meanwhile. Returns the batch summaries and the GX
    validation results for Data Docs (`keep_results="failed"`: only those with a failure, so a
    long backfill does not hold every result in memory).
    """
    with engine.connect() as conn:
        pending = select_pending(conn, source)
    summaries: list[dict[str, Any]] = []
    gx_results: list[Any] = []
    for chunk in chunk_pending(pending, max_batches):
        started_at = datetime.now(UTC)
        changed, skipped = _skip_unchanged(engine, source, chunk, started_at, flow_run_id)
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
                verdict = check_calls_of_other_days(conn, verdict)
                batch_id = write_verdict(conn, verdict, started_at, flow_run_id)
                if verdict.status != "rejected":
                    mark_stale_months(conn, stale_months(verdict))
            summaries.append(batch_summary(verdict, batch_id))
    return summaries, gx_results
