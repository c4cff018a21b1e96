"""Writing one verdict in the batch's transaction: batch row, results, quarantine, facts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection

from egov.calendar import month_start
from egov.quality.inputs import (
    BatchInput,
)
from egov.quality.summary import BatchSummary, FailedRule
from egov.quality.verdicts import BatchVerdict, RuleResult
from egov.sources.registry import source_spec
from egov.warehouse.sql import copy_rows, run_sql


def _pg_array(values: Sequence[str]) -> str:
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"


def _merge_facts(conn: Connection, verdict: BatchVerdict, batch_id: int) -> None:
    batch = verdict.batch
    spec = source_spec(batch.source)
    scope = {"period_start": batch.period_start, "oktmo": batch.oktmo}
    for name, rows in verdict.accepted.items():
        dataset = spec.dataset(name)
        table = dataset.core_table
        run_sql(conn, f"core/create_stage_{table}")
        staged = rows[list(dataset.core_columns)].copy()
        staged["load_batch_id"] = batch_id
        copy_rows(conn, f"core/copy_stage_{table}", staged)
        for statement in dataset.merge:
            run_sql(conn, statement.sql, scope if statement.scoped else None)


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
                "verdict_sha256": None,
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
    conn: Connection,
    verdict: BatchVerdict,
    started_at: datetime,
    flow_run_id: str | None,
    verdict_sha256: str | None = None,
) -> int:
    """Record the batch and merge its accepted rows (the caller holds the transaction).

    `verdict_sha256`: the verdict's fingerprint, recorded by a re-processing (else null).
    """
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
            "verdict_sha256": verdict_sha256,
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


def batch_summary(verdict: BatchVerdict, batch_id: int) -> BatchSummary:
    """Plain-value summary of one written batch (task results, artifacts, alerts)."""
    batch = verdict.batch
    return BatchSummary(
        source=batch.source,
        batch_id=batch_id,
        batch_key=batch.batch_key,
        oktmo=batch.oktmo,
        period_start=batch.period_start,
        period_end=batch.period_end,
        status=verdict.status,
        rows_in=verdict.rows_in,
        rows_loaded=verdict.rows_loaded,
        rows_quarantined=verdict.rows_quarantined,
        rows_rejected=verdict.rows_rejected,
        message=verdict.message,
        failed_rules=tuple(
            FailedRule(r.expectation, r.severity, r.unexpected_count) for r in verdict.failed_rules
        ),
    )


def stale_months(verdict: BatchVerdict) -> list[date]:
    """Months whose monthly counts a written batch may change: its period's months and the
    months of the rows it loaded (a late ЕПГУ status change moves an earlier month)."""
    batch = verdict.batch
    months = {month_start(batch.period_start), month_start(batch.period_end)}
    if verdict.status != "rejected":
        spec = source_spec(batch.source)
        for name, rows in verdict.accepted.items():
            column = spec.dataset(name).month_column
            if column is not None and column in rows.columns:
                days = pd.to_datetime(rows[column].dropna()).dt.date.unique()
                months.update(month_start(d) for d in days)
    return sorted(months)


def mark_stale_months(conn: Connection, months: Sequence[date]) -> None:
    """Record months for the snapshot step, in the batch's transaction (crash-safe hand-over)."""
    if months:
        run_sql(conn, "loading/mark_stale_months", [{"month": m} for m in months])
