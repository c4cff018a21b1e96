"""The data-quality gate: parsed deliveries in, per-batch verdicts out (no database, no Prefect).

For a chunk of batches of one source the gate
1. turns parser rejects into quarantine rows (rule `row_is_parseable`);
2. runs the source suite over the parsed records and the core suite over the same records
   conformed to their core fact table, once for the whole chunk;
3. per batch, counts each rule's failing rows: failing rows go to quarantine, and a rule whose
   failing share exceeds its `mostly` tolerance fails; a failed `blocking` rule rejects the batch;
4. evaluates the batch rules (readable, not empty, parser findings, volume against history);
5. checks the accounting: rows in = loaded + quarantined + rejected, or raises.

A check that needs the warehouse (an ЕКЦ call id loaded from another day) runs later, in the
batch's transaction, and moves the rows it names to quarantine with `quarantine_rows`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from egov.quality.batch_rules import batch_rule_results
from egov.quality.inputs import BatchInput, GateReference, VolumePoint
from egov.quality.row_rules import (
    BatchRows,
    DatasetRun,
    parser_quarantine,
    row_quarantine,
    row_results,
    run_dataset,
    split_by_batch,
)
from egov.quality.suites import SuiteRun, suite_named
from egov.quality.verdicts import (
    GATE_SUITE,
    NOTHING_LOADABLE_REASON,
    NOTHING_LOADABLE_RULE,
    AccountingError,
    BatchStatus,
    BatchVerdict,
    RuleResult,
    empty_quarantine,
    verdict_message,
)
from egov.sources.registry import source_spec


def validate_batches(
    source: str,
    batches: Sequence[BatchInput],
    reference: GateReference,
) -> tuple[list[BatchVerdict], list[SuiteRun]]:
    """Verdicts for a chunk of one source's batches (in period order) and the GX suite runs."""
    if any(b.source != source for b in batches):
        raise ValueError(f"every batch of the chunk must be from {source}")
    spec = source_spec(source)
    readable = [b for b in batches if b.error is None]
    runs: list[DatasetRun] = []
    suite_runs: list[SuiteRun] = []
    for dataset in spec.datasets:
        run, gx = run_dataset(source, dataset, readable, reference)
        runs.append(run)
        suite_runs += gx
    per_dataset = [split_by_batch(run, len(readable)) for run in runs]
    batch_suite = suite_named(spec.batch_suite)
    row_rules = {rule.rule.rule for run in runs for _, rule in run.runs}
    history = list(reference.history)
    verdicts: list[BatchVerdict] = []
    for batch in batches:
        batch_results, notes, volume = batch_rule_results(batch, batch_suite, history, row_rules)
        if batch.error is not None:
            message = verdict_message("rejected", batch_results, batch.error)
            verdicts.append(
                BatchVerdict(
                    batch,
                    "rejected",
                    0,
                    0,
                    0,
                    0,
                    volume,
                    message,
                    batch_results,
                    empty_quarantine(),
                    {},
                    notes,
                )
            )
            continue
        verdict = _verdict(
            batch, readable.index(batch), runs, per_dataset, batch_results, notes, volume
        )
        if verdict.status != "rejected":
            history.append(VolumePoint(batch.source, batch.oktmo, batch.period_start, volume))
        if not verdict.is_accounted:
            raise AccountingError(
                f"{batch.source} {batch.batch_key}: rows in {verdict.rows_in} != loaded "
                f"{verdict.rows_loaded} + quarantined {verdict.rows_quarantined} + rejected "
                f"{verdict.rows_rejected}"
            )
        verdicts.append(verdict)
    return verdicts, suite_runs


def _rejected(
    batch: BatchInput, results: list[RuleResult], volume: int, notes: list[dict[str, Any]]
) -> BatchVerdict:
    """The verdict of a batch none of whose rows load."""
    return BatchVerdict(
        batch,
        "rejected",
        batch.rows_in,
        0,
        0,
        batch.rows_in,
        volume,
        verdict_message("rejected", results, None),
        results,
        empty_quarantine(),
        {},
        notes,
    )


def _datasets_with_nothing_to_load(
    batch: BatchInput, accepted: dict[str, pd.DataFrame]
) -> list[str]:
    """Datasets of the batch that have rows in but not one row to load."""
    rows_in: dict[str, int] = defaultdict(int)
    for part in batch.parts:
        rows_in[part.dataset] += part.parsed.rows_in
    return sorted(d for d, n in rows_in.items() if n and not len(accepted.get(d, ())))


def _verdict(
    batch: BatchInput,
    i: int,
    runs: Sequence[DatasetRun],
    per_dataset: Sequence[Sequence[BatchRows]],
    batch_results: list[RuleResult],
    notes: list[dict[str, Any]],
    volume: int,
) -> BatchVerdict:
    row_level, bad = row_results(runs, [rows[i] for rows in per_dataset], batch)
    results = row_level + batch_results
    if any(not r.success and r.severity == "blocking" for r in results):
        return _rejected(batch, results, volume, notes)
    accepted: dict[str, pd.DataFrame] = {}
    parts = [parser_quarantine(batch)]
    loaded = 0
    for run, rows in zip(runs, per_dataset, strict=True):
        mine = np.flatnonzero(run.frame["batch_no"].to_numpy(dtype=np.int64) == i)
        keep = np.setdiff1d(mine, bad[run.dataset], assume_unique=True)
        columns = list(source_spec(batch.source).dataset(run.dataset).core_columns)
        accepted[run.dataset] = run.core.iloc[keep][columns].reset_index(drop=True)
        parts.append(row_quarantine(run, bad[run.dataset], rows[i]))
        loaded += len(keep)
    nothing = _datasets_with_nothing_to_load(batch, accepted)
    if nothing:
        # Written, the batch would replace its day or form with no rows at all: the previous
        # delivery's facts stay in force instead.
        failed = RuleResult(
            NOTHING_LOADABLE_RULE,
            GATE_SUITE,
            "blocking",
            False,
            batch.rows_in,
            batch.rows_in,
            {"reason": NOTHING_LOADABLE_REASON, "datasets": nothing},
        )
        return _rejected(batch, [*results, failed], volume, notes)
    filled = [q for q in parts if q is not None and len(q)]
    quarantine = pd.concat(filled, ignore_index=True) if filled else empty_quarantine()
    status: BatchStatus = "partial" if len(quarantine) else "loaded"
    return BatchVerdict(
        batch,
        status,
        batch.rows_in,
        loaded,
        len(quarantine),
        0,
        volume,
        verdict_message(status, results, None),
        results,
        quarantine,
        accepted,
        notes,
    )
