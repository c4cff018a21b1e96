"""Writing a validated reference bundle to the warehouse in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.engine import Connection, Engine

from egov.errors import ReferenceFileError
from egov.reference.bundle import Dataset, ReferenceBundle
from egov.reference.plan_schedule import PlanSchedule
from egov.warehouse.sql import run_sql

# Key of the advisory lock that keeps two reference loads from interleaving.
REFERENCE_LOCK_KEY = 7_301_002


@dataclass(frozen=True)
class DatasetLoadResult:
    """What one reference dataset load did (rows_* are zero for an unchanged dataset)."""

    dataset: str
    version: str
    source_file: str
    status: Literal["loaded", "unchanged"]
    rows_in: int
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_deleted: int = 0


@dataclass(frozen=True)
class _Dimension:
    upsert_sql: str
    delete_missing_sql: str
    key_params: Callable[[list[dict[str, Any]]], dict[str, list[Any]]]


_DIMENSIONS = {
    "channels": _Dimension(
        "reference/upsert_dim_channel",
        "reference/delete_missing_channels",
        lambda rows: {"keys": [r["channel_code"] for r in rows]},
    ),
    "services": _Dimension(
        "reference/upsert_dim_service",
        "reference/delete_missing_services",
        lambda rows: {"keys": [r["service_code"] for r in rows]},
    ),
    "municipalities": _Dimension(
        "reference/upsert_dim_municipality",
        "reference/delete_missing_municipalities",
        lambda rows: {
            "oktmos": [r["oktmo"] for r in rows],
            "valid_froms": [r["valid_from"] for r in rows],
        },
    ),
}


def _record_load(
    conn: Connection,
    *,
    dataset: str,
    version: str,
    source_file: str,
    checksum: str,
    rows_in: int,
    flow_run_id: str | None,
) -> int:
    params = {
        "dataset": dataset,
        "dataset_version": version,
        "source_file": source_file,
        "checksum_sha256": checksum,
        "rows_in": rows_in,
        "flow_run_id": flow_run_id,
    }
    return int(run_sql(conn, "reference/insert_reference_load", params).scalar_one())


def _write_dimension(conn: Connection, data: Dataset, flow_run_id: str | None) -> DatasetLoadResult:
    latest = run_sql(
        conn, "reference/select_latest_reference_checksum", {"dataset": data.name}
    ).scalar_one_or_none()
    if latest == data.checksum_sha256:
        return DatasetLoadResult(
            data.name, data.version, data.source_file, "unchanged", len(data.rows)
        )

    spec = _DIMENSIONS[data.name]
    load_id = _record_load(
        conn,
        dataset=data.name,
        version=data.version,
        source_file=data.source_file,
        checksum=data.checksum_sha256,
        rows_in=len(data.rows),
        flow_run_id=flow_run_id,
    )
    inserted = updated = 0
    for row in data.rows:
        written = run_sql(conn, spec.upsert_sql, {**row, "reference_load_id": load_id}).first()
        if written is not None:
            inserted += int(written.is_inserted)
            updated += int(not written.is_inserted)
    deleted = run_sql(conn, spec.delete_missing_sql, spec.key_params(data.rows)).rowcount
    counts = {"rows_inserted": inserted, "rows_updated": updated, "rows_deleted": deleted}
    run_sql(
        conn, "reference/update_reference_load_counts", {**counts, "reference_load_id": load_id}
    )
    return DatasetLoadResult(
        data.name, data.version, data.source_file, "loaded", len(data.rows), **counts
    )


def _write_plan(
    conn: Connection, source_file: str, checksum: str, plan: PlanSchedule, flow_run_id: str | None
) -> DatasetLoadResult:
    loaded = run_sql(
        conn, "reference/select_plan_schedule_checksum", {"plan_version": plan.version}
    ).scalar_one_or_none()
    milestones = [
        (code, m) for code, indicator in plan.indicators.items() for m in indicator.milestones
    ]
    rows_in = 1 + len(plan.indicators) + len(milestones)
    if loaded == checksum:
        return DatasetLoadResult("plan_schedule", plan.version, source_file, "unchanged", rows_in)
    if loaded is not None:
        raise ReferenceFileError(
            source_file,
            f"plan-schedule version {plan.version} is already loaded with different content; "
            "a loaded version is never rewritten (snapshots cite it): publish it as a new version",
            column="version",
        )
    load_id = _record_load(
        conn,
        dataset="plan_schedule",
        version=plan.version,
        source_file=source_file,
        checksum=checksum,
        rows_in=rows_in,
        flow_run_id=flow_run_id,
    )
    run_sql(
        conn,
        "reference/insert_plan_schedule",
        {
            "plan_version": plan.version,
            "set_by": plan.set_by,
            "replaces": plan.replaces,
            "effective_from": plan.effective_from,
            "content_sha256": checksum,
            "reference_load_id": load_id,
        },
    )
    run_sql(
        conn,
        "reference/insert_plan_indicator",
        [
            {
                "plan_version": plan.version,
                "indicator_code": code,
                "unit": indicator.unit,
                "direction": indicator.direction,
                "interpolation": indicator.interpolation,
                "baseline_date": indicator.baseline.date,
                "baseline_pct": None
                if indicator.baseline.value == "measured"
                else indicator.baseline.value,
                "is_baseline_measured": indicator.baseline.value == "measured",
            }
            for code, indicator in plan.indicators.items()
        ],
    )
    run_sql(
        conn,
        "reference/insert_plan_milestone",
        [
            {
                "plan_version": plan.version,
                "indicator_code": code,
                "scope_type": m.scope,
                "scope_code": m.scope_code or "",
                "milestone_date": m.date,
                "target_pct": m.target_pct,
            }
            for code, m in milestones
        ],
    )
    counts = {"rows_inserted": rows_in, "rows_updated": 0, "rows_deleted": 0}
    run_sql(
        conn, "reference/update_reference_load_counts", {**counts, "reference_load_id": load_id}
    )
    return DatasetLoadResult(
        "plan_schedule", plan.version, source_file, "loaded", rows_in, **counts
    )


def write_reference_bundle(
    engine: Engine, bundle: ReferenceBundle, flow_run_id: str | None = None
) -> list[DatasetLoadResult]:
    """Load every dataset of `bundle` atomically: all changes land together or none do."""
    with engine.begin() as conn:
        run_sql(conn, "warehouse/acquire_transaction_lock", {"lock_key": REFERENCE_LOCK_KEY})
        results = [
            _write_dimension(conn, data, flow_run_id)
            for data in (bundle.channels, bundle.services, bundle.municipalities)
        ]
        results += [
            _write_plan(conn, source_file, checksum, plan, flow_run_id)
            for source_file, checksum, plan in bundle.plans
        ]
    return results
