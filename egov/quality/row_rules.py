"""Row-level rules: the suites run once over a chunk's frames, results split back per batch."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from egov.quality.conform import conform_records, source_frame
from egov.quality.inputs import BatchInput, GateReference
from egov.quality.suites import (
    RuleRun,
    Suite,
    SuiteRun,
    run_suite,
    suite_named,
)
from egov.quality.verdicts import EXAMPLES, PARSER_RULE, QUARANTINE_COLUMNS, RuleResult, raw_values
from egov.sources.records import describe_location
from egov.sources.spec import DatasetSpec


@dataclass
class DatasetRun:
    """One dataset of a chunk: its frames and what each suite's rules found in them."""

    dataset: str
    frame: pd.DataFrame
    """Parsed records of all batches of the chunk (RangeIndex), with batch_no and lineage."""
    core: pd.DataFrame
    """The same rows conformed to the core fact table (same positions)."""
    runs: list[tuple[Suite, RuleRun]]


def run_dataset(
    source: str, dataset: DatasetSpec, batches: Sequence[BatchInput], reference: GateReference
) -> tuple[DatasetRun, list[SuiteRun]]:
    """Run the dataset's source suite over the chunk's records and its core suite over the same
    rows conformed to the core table."""
    frame = source_frame(source, dataset.name, batches)
    core = conform_records(source, dataset.name, frame)
    parameters = reference.parameters()
    source_run = run_suite(suite_named(dataset.source_suite), frame, parameters)
    core_run = run_suite(suite_named(dataset.core_suite), core, parameters)
    runs = [(r.suite, rule) for r in (source_run, core_run) for rule in r.rules]
    return DatasetRun(dataset.name, frame, core, runs), [source_run, core_run]


def parser_quarantine(batch: BatchInput) -> pd.DataFrame | None:
    """Quarantine rows of the parser's rejects of one batch (None without any)."""
    records = [
        {
            "dataset": part.dataset,
            "source_row": reject.row,
            "delivery_id": part.delivery_id,
            "source_file": reject.file,
            "rule": PARSER_RULE,
            "failed_rules": [PARSER_RULE],
            "column_name": reject.column,
            "reason": reject.reason,
            "raw_values": json.dumps({"value": reject.value}, ensure_ascii=False),
        }
        for part in batch.parts
        for reject in part.parsed.rejects
    ]
    return pd.DataFrame(records, columns=list(QUARANTINE_COLUMNS)) if records else None


@dataclass
class BatchRows:
    """Per batch: failing positions per (suite, rule) and the rows failing anything."""

    failing: dict[tuple[str, str], npt.NDArray[np.int64]] = field(default_factory=dict)
    elements: dict[str, int] = field(default_factory=dict)


def split_by_batch(run: DatasetRun, n_batches: int) -> list[BatchRows]:
    """Each batch's failing positions per rule, and its element count per dataset."""
    out = [BatchRows() for _ in range(n_batches)]
    batch_no = run.frame["batch_no"].to_numpy(dtype=np.int64)
    counts = np.bincount(batch_no, minlength=n_batches) if len(batch_no) else np.zeros(n_batches)
    for b in range(n_batches):
        out[b].elements[run.dataset] = int(counts[b])
    for suite, rule in run.runs:
        if not len(rule.failing):
            continue
        owners = batch_no[rule.failing]
        for b in np.unique(owners).tolist():
            out[b].failing[(suite.name, rule.rule.rule)] = rule.failing[owners == b]
    return out


def row_results(
    runs: Sequence[DatasetRun], rows: Sequence[BatchRows], batch: BatchInput
) -> tuple[list[RuleResult], dict[str, npt.NDArray[np.int64]]]:
    """Rule results of one batch and, per dataset, the positions of rows failing any rule."""
    results: list[RuleResult] = []
    bad: dict[str, npt.NDArray[np.int64]] = {}
    for run, mine in zip(runs, rows, strict=True):
        elements = mine.elements[run.dataset]
        union: list[npt.NDArray[np.int64]] = []
        for suite, rule in run.runs:
            failing = mine.failing.get((suite.name, rule.rule.rule), np.empty(0, np.int64))
            union.append(failing)
            unexpected = len(failing)
            tolerated = unexpected <= (1.0 - rule.rule.mostly) * elements + 1e-9
            details: dict[str, Any] = {"reason": rule.rule.reason}
            if rule.error:
                details["error"] = rule.error
                tolerated = False
            if unexpected:
                frame = run.frame.iloc[failing[:EXAMPLES]]
                details["examples"] = [
                    describe_location(batch.source, str(f), int(r), rule.rule.column)
                    for f, r in zip(frame["source_file"], frame["source_row"], strict=True)
                ]
            results.append(
                RuleResult(
                    rule.rule.rule,
                    suite.name,
                    rule.rule.severity,
                    tolerated,
                    elements,
                    unexpected,
                    details,
                )
            )
        bad[run.dataset] = np.unique(np.concatenate(union)) if union else np.empty(0, np.int64)
    return results, bad


def row_quarantine(
    run: DatasetRun, positions: npt.NDArray[np.int64], batch_rows: BatchRows
) -> pd.DataFrame | None:
    """Quarantine rows of one batch's rows failing row rules, filed under the first failed."""
    if not len(positions):
        return None
    rules_of: dict[int, list[str]] = defaultdict(list)
    columns_of: dict[int, str | None] = {}
    reasons_of: dict[int, str] = {}
    # Suite order decides which failed rule a row is filed under first.
    in_order = [((s.name, r.rule.rule), r.rule) for s, r in run.runs]
    for key, rule in in_order:
        for p in batch_rows.failing.get(key, np.empty(0, np.int64)).tolist():
            rules_of[p].append(key[1])
            columns_of.setdefault(p, rule.column)
            reasons_of.setdefault(p, rule.reason)
    frame = run.frame.iloc[positions]
    plist = positions.tolist()
    return pd.DataFrame(
        {
            "dataset": run.dataset,
            "source_row": frame["source_row"].to_numpy(dtype=np.int64),
            "delivery_id": frame["delivery_id"].to_numpy(dtype=np.int64),
            "source_file": frame["source_file"].to_numpy(dtype=object),
            "rule": [rules_of[p][0] for p in plist],
            "failed_rules": [rules_of[p] for p in plist],
            "column_name": [columns_of[p] for p in plist],
            "reason": [reasons_of[p] for p in plist],
            "raw_values": raw_values(run.frame, positions),
        }
    )
