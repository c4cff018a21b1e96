"""Markdown and totals summarising one source's ingest run (for artifacts and the CLI)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

STATUSES = ("new", "changed", "unchanged", "ignored", "unavailable")


def ingest_totals(source: str, outcomes: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One row per source: deliveries by status, rows in, records, rejects, errors."""
    by_status = Counter(o["status"] for o in outcomes)
    return {
        "source": source,
        **{status: by_status.get(status, 0) for status in STATUSES},
        "rows_in": sum(o["rows_in"] for o in outcomes),
        "records": sum(o["records"] for o in outcomes),
        "rejects": sum(o["rejects"] for o in outcomes),
        "findings": sum(o["findings"] for o in outcomes),
        "errors": sum(1 for o in outcomes if o["error"]),
    }


def ingest_summary_markdown(source: str, outcomes: Sequence[dict[str, Any]]) -> str:
    """Totals, then every delivery that failed to parse or was not landed, with the reason."""
    totals = ingest_totals(source, outcomes)
    lines = [
        f"# {source}: ingest",
        "",
        "| " + " | ".join(totals) + " |",
        "|" + "---|" * len(totals),
        "| " + " | ".join(str(v) for v in totals.values()) + " |",
    ]
    problems = [o for o in outcomes if o["error"]]
    if problems:
        lines += ["", "## Deliveries with problems", "", "| delivery | status | reason |"]
        lines.append("|---|---|---|")
        for o in problems[:100]:
            reason = str(o["error"]).replace("|", "\\|")
            lines.append(f"| {o['delivery_key']} | {o['status']} | {reason} |")
        if len(problems) > 100:
            lines.append(f"| … | | {len(problems) - 100} more |")
    return "\n".join(lines) + "\n"
