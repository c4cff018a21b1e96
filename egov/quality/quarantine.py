"""Holding back accepted rows after validation: a check in the batch's transaction names them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from egov.quality.inputs import BatchInput
from egov.quality.suites import (
    RowRule,
)
from egov.quality.verdicts import (
    EXAMPLES,
    QUARANTINE_COLUMNS,
    AccountingError,
    BatchStatus,
    BatchVerdict,
    RuleResult,
    empty_quarantine,
    raw_values,
    verdict_message,
)
from egov.sources.records import describe_location


def _lineage(batch: BatchInput, dataset: str, source_rows: Sequence[int]) -> pd.DataFrame:
    """Delivery, file and parsed values of the dataset's rows with these source row numbers."""
    found: list[pd.DataFrame] = []
    for part in batch.parts:
        if part.dataset != dataset:
            continue
        records = part.parsed.records
        positions = np.flatnonzero(records["source_row"].isin(source_rows).to_numpy())
        if not len(positions):
            continue
        found.append(
            pd.DataFrame(
                {
                    "source_row": records["source_row"].iloc[positions].to_numpy(np.int64),
                    "delivery_id": part.delivery_id,
                    "source_file": part.parsed.file,
                    "raw_values": raw_values(records, positions.astype(np.int64)),
                }
            )
        )
    lineage = pd.concat(found, ignore_index=True) if found else pd.DataFrame()
    if len(lineage) != len(source_rows) or lineage["source_row"].duplicated().any():
        # Several pages of one dataset (ЕПГУ) number their rows each from 1: a source row
        # alone would not say which row to hold back.
        raise ValueError(f"{dataset}: source rows do not name one record each")
    return lineage.set_index("source_row")


def quarantine_rows(
    verdict: BatchVerdict,
    dataset: str,
    rule: RowRule,
    suite: str,
    reasons: Mapping[int, str],
) -> BatchVerdict:
    """The verdict once `dataset`'s accepted rows {source row: reason} fail a row rule."""
    if verdict.status == "rejected":
        return verdict
    accepted = verdict.accepted[dataset]
    failing = accepted["source_row"].isin(list(reasons)).to_numpy()
    if int(failing.sum()) != len(reasons):
        raise ValueError(f"{rule.rule}: only accepted rows of {dataset} can be quarantined")
    batch = verdict.batch
    rows = [int(r) for r in accepted["source_row"][failing]]
    elements = sum(len(p.parsed.records) for p in batch.parts if p.dataset == dataset)
    tolerated = len(rows) <= (1.0 - rule.mostly) * elements + 1e-9
    lineage = _lineage(batch, dataset, rows) if rows else pd.DataFrame()
    details: dict[str, Any] = {"reason": rule.reason}
    if rows:
        details["examples"] = [
            describe_location(batch.source, str(lineage.at[r, "source_file"]), r, rule.column)
            for r in rows[:EXAMPLES]
        ]
    results = [
        *verdict.results,
        RuleResult(rule.rule, suite, rule.severity, tolerated, elements, len(rows), details),
    ]
    if not tolerated and rule.severity == "blocking":
        return replace(
            verdict,
            status="rejected",
            rows_loaded=0,
            rows_quarantined=0,
            rows_rejected=verdict.rows_in,
            message=verdict_message("rejected", results, None),
            results=results,
            quarantine=empty_quarantine(),
            accepted={},
        )
    parts = [verdict.quarantine] if len(verdict.quarantine) else []
    if rows:
        held = lineage.loc[rows]
        parts.append(
            pd.DataFrame(
                {
                    "dataset": dataset,
                    "source_row": np.asarray(rows, dtype=np.int64),
                    "delivery_id": held["delivery_id"].to_numpy(dtype=np.int64),
                    "source_file": held["source_file"].to_numpy(dtype=object),
                    "rule": rule.rule,
                    "failed_rules": [[rule.rule] for _ in rows],
                    "column_name": rule.column,
                    "reason": [reasons[r] for r in rows],
                    "raw_values": held["raw_values"].tolist(),
                },
                columns=list(QUARANTINE_COLUMNS),
            )
        )
    quarantine = pd.concat(parts, ignore_index=True) if parts else empty_quarantine()
    status: BatchStatus = "partial" if len(quarantine) else "loaded"
    changed = replace(
        verdict,
        status=status,
        rows_loaded=verdict.rows_loaded - len(rows),
        rows_quarantined=verdict.rows_quarantined + len(rows),
        message=verdict_message(status, results, None),
        results=results,
        quarantine=quarantine,
        accepted={**verdict.accepted, dataset: accepted[~failing].reset_index(drop=True)},
    )
    if not changed.is_accounted:
        raise AccountingError(f"{batch.source} {batch.batch_key}: {rule.rule} lost rows")
    return changed
