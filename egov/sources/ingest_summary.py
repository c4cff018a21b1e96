"""Totals and markdown summarising one source's ingest run (for artifacts and the CLI)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from egov.quality.report import quality_summary_markdown
from egov.quality.summary import BatchSummary
from egov.sources.landing import DeliveryOutcome, LandingResult

STATUSES = ("new", "changed", "unchanged", "ignored", "unavailable")
BATCH_STATUSES = ("loaded", "partial", "rejected")


@dataclass(frozen=True)
class IngestReport:
    """What one source's ingest flow run did: each delivery's landing outcome, each batch."""

    deliveries: tuple[LandingResult, ...]
    batches: tuple[BatchSummary, ...]


def ingest_totals(
    source: str, landed: Sequence[LandingResult], batches: Sequence[BatchSummary]
) -> dict[str, Any]:
    """One table row per source: deliveries by landing status, batches by verdict, rows."""
    by_status: Counter[str] = Counter(item.status for item in landed)
    by_verdict: Counter[str] = Counter(batch.status for batch in batches)
    return {
        "source": source,
        **{status: by_status.get(status, 0) for status in STATUSES},
        **{f"batches_{status}": by_verdict.get(status, 0) for status in BATCH_STATUSES},
        "rows_in": sum(b.rows_in for b in batches),
        "rows_loaded": sum(b.rows_loaded for b in batches),
        "rows_quarantined": sum(b.rows_quarantined for b in batches),
        "rows_rejected": sum(b.rows_rejected for b in batches),
    }


def ingest_summary_markdown(
    source: str, landed: Sequence[LandingResult], batches: Sequence[BatchSummary]
) -> str:
    """Landing totals, deliveries not landed with the reason, then the quality summary."""
    totals = ingest_totals(source, landed, batches)
    lines = [
        f"# {source}: ingest",
        "",
        "| " + " | ".join(totals) + " |",
        "|" + "---|" * len(totals),
        "| " + " | ".join(str(v) for v in totals.values()) + " |",
    ]
    problems = [item for item in landed if isinstance(item, DeliveryOutcome) and item.error]
    if problems:
        lines += ["", "## Deliveries not landed", "", "| delivery | status | reason |"]
        lines.append("|---|---|---|")
        for item in problems[:100]:
            reason = str(item.error).replace("|", "\\|")
            lines.append(f"| {item.delivery_key} | {item.status} | {reason} |")
        if len(problems) > 100:
            lines.append(f"| … | | {len(problems) - 100} more |")
    return "\n".join(lines) + "\n\n" + quality_summary_markdown(batches)
