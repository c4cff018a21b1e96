"""Quality findings for people: the `egov quality report` query and the per-run markdown."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from egov.calendar import month_bounds
from egov.quality.summary import BatchSummary
from egov.sources import SOURCE_KEYS
from egov.warehouse.sql import run_sql

MAX_ROWS = 200
"""Cap on each detail list of the terminal report (the totals are never capped)."""

TOP_REASONS = 5
LISTED_BATCHES = 20
STATUSES = ("loaded", "partial", "rejected", "skipped_unchanged")
DETAIL_KEYS = frozenset({"reason", "error", "examples", "findings"})
"""Keys of an expectation's details the gate writes; any other key is shown as JSON."""


@dataclass(frozen=True)
class QualityFindings:
    """What `egov quality report` prints; every list holds plain row dicts."""

    sources: list[dict[str, Any]] = field(default_factory=list)
    """Per source: batches by status, row accounting."""
    batches: list[dict[str, Any]] = field(default_factory=list)
    """Batches not fully loaded or with a failed expectation."""
    failed_expectations: list[dict[str, Any]] = field(default_factory=list)
    """Per batch and failed expectation: severity, unexpected_count, a short `detail`."""
    quarantine_reasons: list[dict[str, Any]] = field(default_factory=list)
    """Top (source, rule, column) reasons rows were quarantined, with an example file and row."""

    @property
    def batch_count(self) -> int:
        """Validated batches matching the filters."""
        return sum(int(s["batches"]) for s in self.sources)


def select_quality_findings(
    conn: Connection, source: str | None, period: str | None, *, max_rows: int = MAX_ROWS
) -> QualityFindings:
    """Validated batches whose period overlaps `period` (YYYY-MM), of `source`; None = all."""
    first, last = month_bounds(period) if period is not None else (None, None)
    params = {"source": source, "period_first": first, "period_last": last, "max_rows": max_rows}

    def rows(name: str) -> list[dict[str, Any]]:
        return [dict(r) for r in run_sql(conn, f"quality/select_quality_{name}", params).mappings()]

    failed = rows("failed_expectations")
    for row in failed:
        row["detail"] = short_detail(row["details"])
    return QualityFindings(
        sources=rows("sources"),
        batches=rows("batches"),
        failed_expectations=failed,
        quarantine_reasons=rows("quarantine_reasons"),
    )


def short_detail(details: Any, width: int = 100) -> str:
    """One line out of an expectation's details: its reason, first example or finding."""
    if isinstance(details, str):
        text = details
    elif isinstance(details, Mapping):
        parts: list[str] = []
        for key in ("reason", "error"):
            if details.get(key):
                parts.append(str(details[key]))
        examples = details.get("examples")
        if isinstance(examples, list) and examples:
            parts.append(f"e.g. {examples[0]}")
        findings = details.get("findings")
        if isinstance(findings, list) and findings:
            first = findings[0]
            parts.append(str(first.get("message", first) if isinstance(first, Mapping) else first))
        rest = {k: v for k, v in details.items() if k not in DETAIL_KEYS}
        if rest:
            parts.append(json.dumps(rest, ensure_ascii=False, default=str))
        text = "; ".join(parts)
    elif details is None:
        text = ""
    else:
        text = json.dumps(details, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


# --- the per-run markdown artifact --------------------------------------------------------


def quality_summary_markdown(batches: Sequence[BatchSummary]) -> str:
    """Markdown for one flow run's quality gate: per-source outcome, top reasons, bad batches."""
    lines = ["# Quality gate", ""]
    if not batches:
        return "\n".join([*lines, "No batches were validated in this run.", ""])
    counts = {s: sum(1 for b in batches if b.status == s) for s in STATUSES}
    lines += [
        f"{len(batches)} batches validated: {counts['loaded']} loaded, {counts['partial']} "
        f"partial, {counts['rejected']} rejected, {counts['skipped_unchanged']} unchanged.",
        "",
        "| source | loaded | partial | rejected | unchanged | rows in | rows loaded "
        "| rows quarantined | rows rejected | accounting |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for source in _source_order(b.source for b in batches):
        mine = [b for b in batches if b.source == source]
        lines.append(_source_row(source, mine))
    if len({b.source for b in batches}) > 1:
        lines.append(_source_row("**all**", batches))
    lines += ["", *_reasons_section(batches), "", *_batches_section(batches)]
    return "\n".join(lines).rstrip() + "\n"


def _source_order(sources: Iterable[str]) -> list[str]:
    present = set(sources)
    return [s for s in SOURCE_KEYS if s in present] + sorted(present - set(SOURCE_KEYS))


def _source_row(label: str, batches: Sequence[BatchSummary]) -> str:
    by_status = [sum(1 for b in batches if b.status == s) for s in STATUSES]
    rows = [
        sum(b.rows_in for b in batches),
        sum(b.rows_loaded for b in batches),
        sum(b.rows_quarantined for b in batches),
        sum(b.rows_rejected for b in batches),
    ]
    off = sum(1 for b in batches if not b.is_accounted)
    accounting = "yes" if not off else f"**no** ({off} batch{'es' if off > 1 else ''})"
    cells = [label, *(f"{n:,}" for n in [*by_status, *rows]), accounting]
    return "| " + " | ".join(cells) + " |"


@dataclass
class _Reason:
    rows: int = 0
    rejected: int = 0
    batches: int = 0
    severities: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)


def _reasons_section(batches: Sequence[BatchSummary]) -> list[str]:
    """Failed rules: those that rejected batches first, then by unexpected rows, then batches."""
    reasons: dict[str, _Reason] = {}
    for batch in batches:
        for failed in batch.failed_rules:
            reason = reasons.setdefault(failed.rule, _Reason())
            reason.rows += failed.unexpected_count
            reason.batches += 1
            # A whole delivery lost outweighs any number of quarantined rows.
            reason.rejected += int(batch.status == "rejected" and failed.severity == "blocking")
            reason.severities.add(failed.severity)
            reason.sources.add(batch.source)
    if not reasons:
        return ["No rule failed."]
    ranked = sorted(
        reasons.items(), key=lambda kv: (-kv[1].rejected, -kv[1].rows, -kv[1].batches, kv[0])
    )[:TOP_REASONS]
    lines = [
        f"## Top {len(ranked)} reasons (failed rules)",
        "",
        "| rule | severity | batches rejected | unexpected rows | batches | sources |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for rule, r in ranked:
        severity = "blocking" if "blocking" in r.severities else "/".join(sorted(r.severities))
        order = _source_order(r.sources)
        lines.append(
            f"| {_cell(rule)} | {_cell(severity)} | {r.rejected:,} | {r.rows:,} | {r.batches:,} "
            f"| {_cell(', '.join(order))} |"
        )
    return lines


def _batches_section(batches: Sequence[BatchSummary]) -> list[str]:
    """Rejected first, then partial batches, each with its message."""
    rank = {"rejected": 0, "partial": 1}
    shown = sorted(
        (b for b in batches if b.status in rank or not b.is_accounted),
        key=lambda b: (rank.get(b.status, 2), b.source, b.batch_key),
    )
    if not shown:
        return ["Every batch loaded in full."]
    lines = [
        "## Batches not loaded in full",
        "",
        "| source | batch | status | rows in | quarantined | rejected | message |",
        "| --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    for b in shown[:LISTED_BATCHES]:
        lines.append(
            f"| {_cell(b.source)} | {_cell(b.batch_key)} | {_cell(b.status)} "
            f"| {b.rows_in:,} | {b.rows_quarantined:,} "
            f"| {b.rows_rejected:,} | {_cell(b.message or '')} |"
        )
    if len(shown) > LISTED_BATCHES:
        lines += ["", f"…and {len(shown) - LISTED_BATCHES} more (see `egov quality report`)."]
    return lines


def _cell(value: Any) -> str:
    """A markdown table cell: one line, pipes escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")
