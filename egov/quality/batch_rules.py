"""Batch-level rules: readable, not empty, parser findings, volume against accepted history."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from egov.quality.inputs import BatchInput, VolumePoint
from egov.quality.suites import (
    BatchRule,
    RuleSeverity,
    Suite,
)
from egov.quality.verdicts import RuleResult
from egov.sources.records import Finding


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


def batch_rule_results(
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
