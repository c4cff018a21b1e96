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

import json
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from egov.errors import EgovError
from egov.quality.conform import CORE_COLUMNS, SOURCE_DATASETS, conform_records, source_frame
from egov.quality.suites import (
    BatchRule,
    RowRule,
    RuleRun,
    RuleSeverity,
    Suite,
    SuiteRun,
    run_suite,
)
from egov.quality.suites import suite_for as find_suite
from egov.sources.records import Finding, ParsedDelivery, describe_location

BatchStatus = Literal["loaded", "partial", "rejected"]
PARSER_RULE = "row_is_parseable"
GATE_SUITE = "gate"
"""Suite name of the rules the gate applies itself, outside the GX suites."""
NOTHING_LOADABLE_RULE = "delivery_has_rows_to_load"
NOTHING_LOADABLE_REASON = (
    "every row of a table of the delivery failed a rule: loading it would replace the day or "
    "form with nothing"
)
EXAMPLES = 5
QUARANTINE_COLUMNS = (
    "dataset",
    "source_row",
    "delivery_id",
    "source_file",
    "rule",
    "failed_rules",
    "column_name",
    "reason",
    "raw_values",
)


class AccountingError(EgovError):
    """Rows in differ from rows loaded + quarantined + rejected: the gate lost or invented rows."""


@dataclass(frozen=True)
class DeliveryPart:
    """One parsed table of one raw delivery (an API page, a CSV, a workbook sheet)."""

    dataset: str
    delivery_id: int
    parsed: ParsedDelivery


@dataclass(frozen=True)
class BatchInput:
    """One delivery as the gate sees it, parsed (or the parse error that stopped it)."""

    source: str
    batch_key: str
    period_start: date
    period_end: date
    checksum_sha256: str
    delivery_ids: tuple[int, ...]
    parts: tuple[DeliveryPart, ...] = ()
    oktmo: str | None = None
    error: str | None = None
    window: tuple[datetime, datetime] | None = None
    """ЕПГУ only: the half-open updated_from/updated_to window the pages answer."""

    @property
    def rows_in(self) -> int:
        """Data rows delivered (records + parser rejects of every part)."""
        return sum(p.parsed.rows_in for p in self.parts)

    @property
    def findings(self) -> list[Finding]:
        """Parser findings of every part."""
        return [f for p in self.parts for f in p.parsed.findings]


@dataclass(frozen=True)
class VolumePoint:
    """A previously accepted batch's volume (for the spike/drop rule)."""

    source: str
    oktmo: str | None
    period_start: date
    volume: int


@dataclass(frozen=True)
class GateReference:
    """Reference values the suites take as parameters, and the volume history."""

    known_oktmo: Sequence[str]
    mszu_service_codes: Sequence[str]
    history: Sequence[VolumePoint] = ()

    def parameters(self) -> dict[str, Any]:
        """GX expectation parameters (`$PARAMETER` names used in the suites)."""
        return {
            "known_oktmo": list(self.known_oktmo),
            "mszu_service_codes": list(self.mszu_service_codes),
        }


@dataclass(frozen=True)
class RuleResult:
    """One row of audit.expectation_results."""

    expectation: str
    suite: str
    severity: RuleSeverity
    success: bool
    element_count: int
    unexpected_count: int
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class BatchVerdict:
    """What the gate decided for one batch; `accepted` holds core rows per dataset."""

    batch: BatchInput
    status: BatchStatus
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    rows_rejected: int
    volume: int
    message: str
    results: list[RuleResult]
    quarantine: pd.DataFrame
    accepted: dict[str, pd.DataFrame]
    notes: list[dict[str, Any]]

    @property
    def is_accounted(self) -> bool:
        """Rows in = loaded + quarantined + rejected."""
        return self.rows_in == self.rows_loaded + self.rows_quarantined + self.rows_rejected

    @property
    def failed_rules(self) -> list[RuleResult]:
        """Rules that failed on this batch, blocking first."""
        failed = [r for r in self.results if not r.success]
        return sorted(failed, key=lambda r: (r.severity != "blocking", r.expectation))


_EMPTY_QUARANTINE = pd.DataFrame({c: pd.Series([], dtype="object") for c in QUARANTINE_COLUMNS})


def empty_quarantine() -> pd.DataFrame:
    """A quarantine frame with no rows."""
    # A copy of a template: building nine empty Series cost more than the rest of a clean
    # batch's verdict.
    return _EMPTY_QUARANTINE.copy()


# --- row-level rules ---------------------------------------------------------------------


@dataclass
class _DatasetRun:
    dataset: str
    frame: pd.DataFrame
    """Parsed records of all batches of the chunk (RangeIndex), with batch_no and lineage."""
    core: pd.DataFrame
    """The same rows conformed to the core fact table (same positions)."""
    runs: list[tuple[Suite, RuleRun]]


def _run_dataset(
    source: str,
    dataset: str,
    batches: Sequence[BatchInput],
    reference: GateReference,
    suite_for: Any,
) -> tuple[_DatasetRun, list[SuiteRun]]:
    frame = source_frame(source, dataset, batches)
    core = conform_records(source, dataset, frame)
    parameters = reference.parameters()
    source_run = run_suite(suite_for(source, dataset, "source"), frame, parameters)
    core_run = run_suite(suite_for(source, dataset, "core"), core, parameters)
    runs = [(r.suite, rule) for r in (source_run, core_run) for rule in r.rules]
    return _DatasetRun(dataset, frame, core, runs), [source_run, core_run]


def _raw_values(frame: pd.DataFrame, positions: npt.NDArray[np.int64]) -> list[str]:
    shown = [c for c in frame.columns if not c.startswith("_") and c != "batch_no"]
    rows = frame.iloc[positions][shown]
    return [
        json.dumps(
            {k: (None if pd.isna(v) else str(v)) for k, v in row.items()}, ensure_ascii=False
        )
        for row in rows.to_dict("records")
    ]


def _parser_quarantine(batch: BatchInput) -> pd.DataFrame | None:
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
class _BatchRows:
    """Per batch: failing positions per (suite, rule) and the rows failing anything."""

    failing: dict[tuple[str, str], npt.NDArray[np.int64]] = field(default_factory=dict)
    elements: dict[str, int] = field(default_factory=dict)


def _split_by_batch(run: _DatasetRun, n_batches: int) -> list[_BatchRows]:
    out = [_BatchRows() for _ in range(n_batches)]
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


def _row_results(
    runs: Sequence[_DatasetRun], rows: Sequence[_BatchRows], batch: BatchInput
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


def _row_quarantine(
    run: _DatasetRun, positions: npt.NDArray[np.int64], batch_rows: _BatchRows
) -> pd.DataFrame | None:
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
            "raw_values": _raw_values(run.frame, positions),
        }
    )


# --- batch-level rules -------------------------------------------------------------------


def batch_volume(batch: BatchInput, measure: str) -> int:
    """The volume the spike/drop rule compares: rows, or the sum of a count column."""
    if measure == "rows":
        return batch.rows_in
    total = 0
    for part in batch.parts:
        if measure in part.parsed.records.columns:
            total += int(part.parsed.records[measure].fillna(0).sum())
    return total


def check_volume(
    volume: int, history: Sequence[int], *, factor: float, min_history: int
) -> tuple[bool, dict[str, Any]]:
    """Volume within [median / factor, median × factor] of the history (too little history: ok)."""
    if len(history) < min_history:
        return True, {"history": len(history), "note": "not enough history to compare"}
    median = float(statistics.median(history))
    low, high = median / factor, median * factor
    ok = low <= volume <= high
    return ok, {"volume": volume, "median": median, "low": round(low, 1), "high": round(high, 1)}


def _comparable(batch: BatchInput, rule: BatchRule, history: Sequence[VolumePoint]) -> list[int]:
    days = int(rule.params.get("history_days", 56))
    since = batch.period_start - timedelta(days=days)
    same_weekday = bool(rule.params.get("same_weekday", False))
    per_oktmo = bool(rule.params.get("per_oktmo", False))
    return [
        p.volume
        for p in history
        if p.source == batch.source
        and since <= p.period_start < batch.period_start
        and (not per_oktmo or p.oktmo == batch.oktmo)
        and (not same_weekday or p.period_start.weekday() == batch.period_start.weekday())
    ]


def _batch_rule_results(
    batch: BatchInput, suite: Suite, history: Sequence[VolumePoint], row_rules: set[str]
) -> tuple[list[RuleResult], list[dict[str, Any]], int]:
    """Batch rule results, info notes, and the batch's volume."""
    results: list[RuleResult] = []
    notes: list[dict[str, Any]] = []
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in batch.findings:
        mapped = suite.parser_findings.get(finding.code)
        if finding.severity == "info":
            # The parser judged this one harmless (a normalisation, a signature line under the
            # table): kept as a note, it fails no rule.
            notes.append({"code": finding.code, "message": finding.message, "row": finding.row})
        elif mapped is None:
            by_rule[f"parser:{finding.code}"].append(finding)
        elif mapped not in row_rules:
            by_rule[mapped].append(finding)
        # A finding mapped to a row rule is the parser's view of what that rule checks row by
        # row; the rule's own result is the record, so it is not counted twice.
    volume = 0
    for rule in suite.batch_rules:
        details: dict[str, Any] = {"reason": rule.reason}
        if rule.check == "parses":
            ok = batch.error is None
            if not ok:
                details["error"] = batch.error
            results.append(
                RuleResult(rule.rule, suite.name, rule.severity, ok, 1, int(not ok), details)
            )
        elif rule.check == "row_count":
            minimum = int(rule.params.get("min_rows", 1))
            # The parser's own "no rows" finding is evidence for this rule, not a second result;
            # it fails the rule even when another table of the delivery has rows (an ОМСУ
            # workbook with a campaign sheet but no service rows would wipe the month's figures).
            found = by_rule.pop(rule.rule, [])
            ok = batch.error is not None or (batch.rows_in >= minimum and not found)
            if found:
                details["findings"] = [
                    {"code": f.code, "message": f.message, "row": f.row} for f in found[:20]
                ]
            results.append(
                RuleResult(
                    rule.rule, suite.name, rule.severity, ok, batch.rows_in, int(not ok), details
                )
            )
        elif rule.check == "findings":
            found = by_rule.pop(rule.rule, [])
            if found:
                details["findings"] = [
                    {"code": f.code, "message": f.message, "row": f.row, "column": f.column}
                    for f in found[:20]
                ]
            results.append(
                RuleResult(rule.rule, suite.name, rule.severity, not found, 1, len(found), details)
            )
        elif rule.check == "volume":
            volume = batch_volume(batch, str(rule.params.get("measure", "rows")))
            if batch.error is not None:
                continue
            ok, facts = check_volume(
                volume,
                _comparable(batch, rule, history),
                factor=float(rule.params.get("tolerance_factor", 3.0)),
                min_history=int(rule.params.get("min_history", 3)),
            )
            results.append(
                RuleResult(
                    rule.rule, suite.name, rule.severity, ok, 1, int(not ok), details | facts
                )
            )
    for rule_name, found in sorted(by_rule.items()):
        # A finding the suite does not map: recorded, weighed with the parser's own severity.
        severity: RuleSeverity = (
            "blocking" if any(f.severity == "blocking" for f in found) else "warning"
        )
        details = {
            "findings": [{"code": f.code, "message": f.message, "row": f.row} for f in found[:20]]
        }
        results.append(RuleResult(rule_name, suite.name, severity, False, 1, len(found), details))
    return results, notes, volume


# --- verdicts ------------------------------------------------------------------------------


def _message(status: BatchStatus, results: Sequence[RuleResult], error: str | None) -> str:
    failed = sorted(
        (r for r in results if not r.success),
        key=lambda r: (r.severity != "blocking", r.expectation),
    )
    if error:
        return f"rejected: {error}"
    if not failed:
        return status
    reasons = ", ".join(
        f"{r.expectation} ({r.severity}, {r.unexpected_count})" for r in failed[:EXAMPLES]
    )
    return f"{status}: {reasons}"


def validate_batches(
    source: str,
    batches: Sequence[BatchInput],
    reference: GateReference,
    *,
    suite_for: Any = find_suite,
) -> tuple[list[BatchVerdict], list[SuiteRun]]:
    """Verdicts for a chunk of one source's batches (in period order) and the GX suite runs."""
    if any(b.source != source for b in batches):
        raise ValueError(f"every batch of the chunk must be from {source}")
    readable = [b for b in batches if b.error is None]
    runs: list[_DatasetRun] = []
    suite_runs: list[SuiteRun] = []
    for dataset in SOURCE_DATASETS[source]:
        run, gx = _run_dataset(source, dataset, readable, reference, suite_for)
        runs.append(run)
        suite_runs += gx
    per_dataset = [_split_by_batch(run, len(readable)) for run in runs]
    batch_suite: Suite = suite_for(source, SOURCE_DATASETS[source][0], "source")
    row_rules = {rule.rule.rule for run in runs for _, rule in run.runs}
    history = list(reference.history)
    verdicts: list[BatchVerdict] = []
    for batch in batches:
        batch_results, notes, volume = _batch_rule_results(batch, batch_suite, history, row_rules)
        if batch.error is not None:
            message = _message("rejected", batch_results, batch.error)
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
        _message("rejected", results, None),
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
    runs: Sequence[_DatasetRun],
    per_dataset: Sequence[Sequence[_BatchRows]],
    batch_results: list[RuleResult],
    notes: list[dict[str, Any]],
    volume: int,
) -> BatchVerdict:
    row_results, bad = _row_results(runs, [rows[i] for rows in per_dataset], batch)
    results = row_results + batch_results
    if any(not r.success and r.severity == "blocking" for r in results):
        return _rejected(batch, results, volume, notes)
    accepted: dict[str, pd.DataFrame] = {}
    parts = [_parser_quarantine(batch)]
    loaded = 0
    for run, rows in zip(runs, per_dataset, strict=True):
        mine = np.flatnonzero(run.frame["batch_no"].to_numpy(dtype=np.int64) == i)
        keep = np.setdiff1d(mine, bad[run.dataset], assume_unique=True)
        columns = list(CORE_COLUMNS[(batch.source, run.dataset)])
        accepted[run.dataset] = run.core.iloc[keep][columns].reset_index(drop=True)
        parts.append(_row_quarantine(run, bad[run.dataset], rows[i]))
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
        _message(status, results, None),
        results,
        quarantine,
        accepted,
        notes,
    )


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
                    "raw_values": _raw_values(records, positions.astype(np.int64)),
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
            message=_message("rejected", results, None),
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
        message=_message(status, results, None),
        results=results,
        quarantine=quarantine,
        accepted={**verdict.accepted, dataset: accepted[~failing].reset_index(drop=True)},
    )
    if not changed.is_accounted:
        raise AccountingError(f"{batch.source} {batch.batch_key}: {rule.rule} lost rows")
    return changed
