"""Snapshots as of a date: read the inputs, run the pure indicator functions, store the rows.

A snapshot is identified by its as-of date, methodology version, plan version and the
fingerprint of its inputs (the load batches whose facts it counted and the reference loads
behind the dimensions). Computing it again from the same inputs must give the same rows: the
stored `rows_sha256` is compared, and a mismatch is an error rather than a silent second
version. Different inputs (a source correction) make a new snapshot; old ones are never
changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from egov.calendar import month_start, year_start
from egov.errors import EgovError
from egov.indicators.ekc_load import EKC_LOAD_COLUMNS, ekc_load_rows, ekc_periods
from egov.indicators.epgu_share import epgu_share_rows, region_path
from egov.indicators.info_campaign import INFO_CAMPAIGN_COLUMNS, info_campaign_rows
from egov.indicators.methodology import INDICATOR_EPGU_SHARE, Methodology
from egov.indicators.plan import PlanInForce, PlanMilestone
from egov.indicators.share_figures import share_figures, snapshot_months
from egov.plain import plain_records
from egov.warehouse.sql import run_sql, select_frame


@dataclass(frozen=True)
class SnapshotInputs:
    """Everything a snapshot is computed from, read in one transaction."""

    as_of: date
    methodology: Methodology
    plan: PlanInForce | None
    plan_sha256: str | None
    counts: pd.DataFrame
    municipalities: pd.DataFrame
    populations: pd.DataFrame
    ekc_sums: dict[tuple[str, date, date], pd.DataFrame]
    campaign: pd.DataFrame
    load_batch_ids: list[int]
    load_batch_keys: list[tuple[str, str, str, str]]
    """(source, batch key, checksum, status) of each batch: what the fingerprint hashes."""
    reference_loads: list[tuple[str, str]]
    """(dataset, file checksum) of the reference loads behind the dimensions."""
    forms_due_day: int | None
    """Day of the next month a municipal form is due by (the reporting calendar)."""

    def fingerprint(self) -> str:
        """sha256 of what determines the rows: date, rule versions and their content, and the
        batches and reference loads by content (ids differ between two equal loads)."""
        return _sha256(
            {
                "as_of": self.as_of.isoformat(),
                "methodology": [self.methodology.version, self.methodology.content_sha256],
                "plan": [self.plan.version if self.plan else None, self.plan_sha256],
                "load_batches": sorted(self.load_batch_keys),
                "reference_loads": self.reference_loads,
                "forms_due_day": self.forms_due_day,
            }
        )


@dataclass(frozen=True)
class SnapshotRows:
    """The computed rows of the three indicators."""

    indicator: pd.DataFrame
    ekc_load: pd.DataFrame
    info_campaign: pd.DataFrame
    region_path: list[dict[str, Any]]

    def fingerprint(self) -> str:
        """sha256 of every row, in a stable order: equal rows give an equal hash."""
        return _sha256(
            {
                "indicator": plain_records(self.indicator),
                "ekc_load": plain_records(self.ekc_load),
                "info_campaign": plain_records(self.info_campaign),
                "region_path": self.region_path,
            }
        )


def _sha256(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def municipal_form_due_day() -> int | None:
    """The day of the next month by which a municipality's monthly form is due: the reporting
    calendar's monthly, per-municipality entry (None if the calendar has none)."""
    from egov.quality.reporting_calendar import load_reporting_calendar

    entry = next(
        (
            e
            for e in load_reporting_calendar().sources
            if e.cadence == "monthly" and e.per_municipality
        ),
        None,
    )
    return None if entry is None else entry.due_day_of_next_month


def read_plan(conn: Connection, as_of: date) -> tuple[PlanInForce | None, str | None]:
    """The plan-schedule version in force for I1 on the date, with its content hash."""
    head = run_sql(
        conn,
        "snapshots/select_plan_in_force",
        {"as_of": as_of, "indicator_code": INDICATOR_EPGU_SHARE},
    ).one_or_none()
    if head is None:
        return None, None
    milestones = run_sql(
        conn,
        "snapshots/select_plan_milestones",
        {"plan_version": head.plan_version, "indicator_code": INDICATOR_EPGU_SHARE},
    ).all()
    plan = PlanInForce(
        version=str(head.plan_version),
        interpolation="step" if head.interpolation == "step" else "linear",
        baseline_day=head.baseline_date,
        baseline_pct=None if head.baseline_pct is None else float(head.baseline_pct),
        milestones=tuple(
            PlanMilestone(m.scope_type, str(m.scope_code), m.milestone_date, float(m.target_pct))
            for m in milestones
        ),
    )
    return plan, str(head.content_sha256)


def read_inputs(conn: Connection, as_of: date, methodology: Methodology) -> SnapshotInputs:
    """Read a snapshot's inputs (call inside a REPEATABLE READ transaction for one view)."""
    plan, plan_sha256 = read_plan(conn, as_of)
    counts = select_frame(
        conn, "indicators/select_monthly_counts", {"through_month": month_start(as_of)}
    )
    municipalities = select_frame(conn, "indicators/select_share_municipalities")
    populations = select_frame(conn, "snapshots/select_municipality_populations", {"day": as_of})
    first_month = snapshot_months(as_of, min(counts["month"], default=None))[0]
    ekc_sums = {
        period: select_frame(
            conn, "snapshots/select_ekc_load", {"period_from": period[1], "period_to": period[2]}
        )
        for period in ekc_periods(as_of, methodology)
    }
    campaign = select_frame(
        conn,
        "snapshots/select_info_campaign",
        {"first_month": year_start(as_of), "last_month": month_start(as_of)},
    )
    batches = run_sql(
        conn,
        "snapshots/select_snapshot_load_batches",
        {
            "first_month": first_month,
            "as_of": as_of,
            "ekc_from": methodology.ekc_load.cumulative_from,
        },
    ).all()
    references = run_sql(conn, "snapshots/select_reference_loads").all()
    return SnapshotInputs(
        as_of=as_of,
        methodology=methodology,
        plan=plan,
        plan_sha256=plan_sha256,
        counts=counts,
        municipalities=municipalities,
        populations=populations,
        ekc_sums=ekc_sums,
        campaign=campaign,
        load_batch_ids=[int(b.load_batch_id) for b in batches],
        load_batch_keys=[(b.source, b.batch_key, b.checksum, b.status) for b in batches],
        reference_loads=[(r.dataset, r.checksum_sha256) for r in references],
        forms_due_day=municipal_form_due_day(),
    )


def compute_rows(inputs: SnapshotInputs) -> SnapshotRows:
    """The snapshot's rows from its inputs (pure)."""
    shares = share_figures(inputs.counts, inputs.municipalities, inputs.as_of, inputs.forms_due_day)
    indicator = epgu_share_rows(shares, inputs.plan, inputs.methodology)
    ekc: list[dict[str, Any]] = []
    for period, sums in inputs.ekc_sums.items():
        ekc += ekc_load_rows(sums, inputs.populations, period, inputs.methodology)
    return SnapshotRows(
        indicator=indicator,
        ekc_load=pd.DataFrame(ekc, columns=EKC_LOAD_COLUMNS, dtype=object),
        info_campaign=pd.DataFrame(
            info_campaign_rows(inputs.campaign), columns=INFO_CAMPAIGN_COLUMNS, dtype=object
        ),
        region_path=region_path(shares, inputs.plan, inputs.methodology),
    )


def record_methodology(conn: Connection, methodology: Methodology) -> None:
    """Record the methodology version; a changed file under a recorded version is an error,
    because the snapshots citing that version would no longer say how they were made."""
    recorded = run_sql(
        conn,
        "snapshots/select_methodology_version",
        {"methodology_version": methodology.version},
    ).scalar_one_or_none()
    if recorded is None:
        run_sql(
            conn,
            "snapshots/insert_methodology_version",
            {
                "methodology_version": methodology.version,
                "content_sha256": methodology.content_sha256,
                "settings": methodology.settings_json(),
            },
        )
    elif recorded != methodology.content_sha256:
        raise EgovError(
            f"methodology version {methodology.version!r} is already recorded with other rules; "
            "a changed methodology needs a new version file (snapshots cite the version)"
        )


def _insert_rows(conn: Connection, table: str, snapshot_id: int, frame: pd.DataFrame) -> None:
    rows = [{"snapshot_id": snapshot_id, **row} for row in plain_records(frame)]
    if rows:
        run_sql(conn, f"snapshots/insert_snapshot_{table}", {"rows": json.dumps(rows)})


def take_snapshot(engine: Engine, as_of: date, methodology: Methodology) -> dict[str, Any]:
    """Compute the snapshot as of a date and store it unless the same one exists.

    Returns {"snapshot_id", "as_of", "is_new", "methodology_version", "plan_version",
    "load_batches", "rows": {table: count}}. Raises EgovError when a stored snapshot with the
    same inputs has different rows (the computation is not reproducible).
    """
    with engine.begin() as conn:
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        run_sql(conn, "snapshots/acquire_snapshot_lock", {"as_of": as_of})
        record_methodology(conn, methodology)
        inputs = read_inputs(conn, as_of, methodology)
        rows = compute_rows(inputs)
        key = {
            "as_of": as_of,
            "methodology_version": methodology.version,
            "plan_version": inputs.plan.version if inputs.plan else None,
            "inputs_sha256": inputs.fingerprint(),
        }
        rows_sha256 = rows.fingerprint()
        existing = run_sql(conn, "snapshots/select_snapshot_by_inputs", key).one_or_none()
        if existing is not None:
            if existing.rows_sha256 != rows_sha256:
                raise EgovError(
                    f"snapshot {existing.snapshot_id} as of {as_of}: recomputing it from the "
                    "same inputs gave different rows (stored "
                    f"{existing.rows_sha256[:12]}, now {rows_sha256[:12]})"
                )
            snapshot_id, is_new = int(existing.snapshot_id), False
        else:
            snapshot_id = int(
                run_sql(
                    conn,
                    "snapshots/insert_snapshot",
                    {
                        **key,
                        "rows_sha256": rows_sha256,
                        "load_batch_count": len(inputs.load_batch_ids),
                        "max_load_batch_id": max(inputs.load_batch_ids, default=None),
                        "region_path": json.dumps(rows.region_path),
                    },
                ).scalar_one()
            )
            run_sql(
                conn,
                "snapshots/insert_snapshot_load_batches",
                {"snapshot_id": snapshot_id, "load_batch_ids": inputs.load_batch_ids},
            )
            _insert_rows(conn, "indicator", snapshot_id, rows.indicator)
            _insert_rows(conn, "ekc_load", snapshot_id, rows.ekc_load)
            _insert_rows(conn, "info_campaign", snapshot_id, rows.info_campaign)
            is_new = True
    return {
        "snapshot_id": snapshot_id,
        "as_of": as_of.isoformat(),
        "is_new": is_new,
        "methodology_version": methodology.version,
        "plan_version": key["plan_version"],
        "load_batches": len(inputs.load_batch_ids),
        "rows": {
            "indicator": len(rows.indicator),
            "ekc_load": len(rows.ekc_load),
            "info_campaign": len(rows.info_campaign),
        },
    }
