"""Backfill planning and reporting as plain values: chunks of (source, month), their outcome.

A chunk is one source's deliveries of one month (or, month None, everything since the source's
mark). The flows run the chunks in order and report each one; these functions decide which
chunks to run and say what happened, without Prefect or a database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from egov.calendar import month_label, month_range, month_start
from egov.errors import EgovError
from egov.quality.freshness import MissingPeriod
from egov.quality.summary import BatchSummary
from egov.sources import SOURCE_KEYS
from egov.sources.landing import LandingResult
from egov.sources.registry import check_source_key

ChunkStatus = Literal["loaded", "partial", "rejected", "skipped_unchanged", "failed"]
CHUNK_STATUSES: tuple[ChunkStatus, ...] = (
    "loaded",
    "partial",
    "rejected",
    "skipped_unchanged",
    "failed",
)
"""Worst first when read right to left: a chunk takes the worst status of its batches."""
_SEVERITY = {"skipped_unchanged": 0, "loaded": 1, "partial": 2, "rejected": 3, "failed": 4}


@dataclass(frozen=True)
class ChunkReport:
    """The outcome of one chunk (flow results, artifacts, the CLI's table): what it landed,
    the batches it wrote with their row accounting, and its error if it failed."""

    source: str
    month: str | None
    """'YYYY-MM', a re-processed range 'YYYY-MM..YYYY-MM', or None: since the source's mark."""
    status: ChunkStatus
    error: str | None
    deliveries_new: int
    deliveries_unchanged: int
    deliveries_ignored: int
    batches: int
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    rows_rejected: int
    batch_ids: tuple[int, ...]
    deliveries: tuple[LandingResult, ...]
    batch_summaries: tuple[BatchSummary, ...]

    @property
    def label(self) -> str:
        """'<source> <month>' ('since mark' for an incremental chunk), as logs and tables say."""
        return f"{self.source} {self.month or 'since mark'}"


@dataclass(frozen=True)
class RunReport:
    """What a `pipeline`, `backfill` or `reprocess-deliveries` run did: the flow's state data."""

    chunks: tuple[ChunkReport, ...]
    touched_months: tuple[str, ...]
    """'YYYY-MM' months the snapshot step recomputed."""
    deferred_months: tuple[str, ...]
    """'YYYY-MM' months left stale because a chunk failed (snapshotted by the next run)."""
    snapshots: dict[str, Any] | None
    """The snapshot step's share summary (a JSON document), None when it did not run."""
    is_failed: bool = False
    state_message: str | None = None
    """The flow state's message: chunks done, or which failed."""


def check_sources(sources: Sequence[str] | None) -> list[str]:
    """The requested sources in the project's order (all of them when none are given)."""
    if not sources:
        return list(SOURCE_KEYS)
    wanted = {check_source_key(s) for s in sources}
    return [s for s in SOURCE_KEYS if s in wanted]


def plan_month_chunks(
    first: str, last: str, sources: Sequence[str] | None
) -> list[tuple[str, str]]:
    """(source, 'YYYY-MM') for every month in the range and source, month by month."""
    wanted = check_sources(sources)
    return [(s, month_label(m)) for m in month_range(first, last) for s in wanted]


def plan_recapture_chunks(
    missing: Iterable[MissingPeriod], first: str, last: str, sources: Sequence[str] | None
) -> list[tuple[str, str]]:
    """The chunks of the range holding a period the freshness calendar reports missing."""
    wanted = check_sources(sources)
    months = set(month_range(first, last))
    gaps = {(p.source, month_start(p.period.start)) for p in missing}
    return [(s, month_label(m)) for m in sorted(months) for s in wanted if (s, m) in gaps]


def chunk_status(batches: Sequence[BatchSummary]) -> ChunkStatus:
    """The worst batch verdict of a chunk; `skipped_unchanged` when it changed nothing."""
    statuses = [b.status for b in batches]
    if not statuses:
        # Nothing new was validated: every delivery was unchanged (or the month owed none).
        return "skipped_unchanged"
    return max(statuses, key=lambda s: _SEVERITY[s])


def chunk_report(
    source: str,
    month: str | None,
    deliveries: Sequence[LandingResult],
    batches: Sequence[BatchSummary],
    error: str | None = None,
) -> ChunkReport:
    """Plain-value outcome of one chunk (flow results, artifacts, the CLI's table)."""
    landing = Counter(d.status for d in deliveries)
    return ChunkReport(
        source=source,
        month=month,
        status="failed" if error else chunk_status(batches),
        error=error,
        deliveries_new=landing["new"] + landing["changed"],
        deliveries_unchanged=landing["unchanged"],
        deliveries_ignored=landing["ignored"] + landing["unavailable"],
        batches=len(batches),
        rows_in=sum(b.rows_in for b in batches),
        rows_loaded=sum(b.rows_loaded for b in batches),
        rows_quarantined=sum(b.rows_quarantined for b in batches),
        rows_rejected=sum(b.rows_rejected for b in batches),
        batch_ids=tuple(b.batch_id for b in batches),
        deliveries=tuple(deliveries),
        batch_summaries=tuple(batches),
    )


def failure_message(error: BaseException | None, fallback: str) -> str:
    """What a chunk's report says about its failure: our own errors read as they are written
    (source, window or file, cause); anything else is prefixed with its type."""
    if isinstance(error, EgovError):
        return str(error)
    if error is not None:
        return f"{type(error).__name__}: {error}"
    return fallback


def failed_chunks(chunks: Sequence[ChunkReport]) -> list[ChunkReport]:
    """The chunks that raised, in run order."""
    return [c for c in chunks if c.status == "failed"]


def run_totals(chunks: Sequence[ChunkReport]) -> list[dict[str, Any]]:
    """One table row per source (plus 'all'): chunks by status and row accounting."""
    rows: list[dict[str, Any]] = []
    for source in [*SOURCE_KEYS, "all"]:
        picked = [c for c in chunks if source in (c.source, "all")]
        if not picked:
            continue
        by_status = Counter(c.status for c in picked)
        rows.append(
            {
                "source": source,
                **{status: by_status.get(status, 0) for status in CHUNK_STATUSES},
                "batches": sum(c.batches for c in picked),
                "rows_in": sum(c.rows_in for c in picked),
                "rows_loaded": sum(c.rows_loaded for c in picked),
                "rows_quarantined": sum(c.rows_quarantined for c in picked),
                "rows_rejected": sum(c.rows_rejected for c in picked),
            }
        )
    return rows


def _cell(value: Any) -> str:
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def run_summary_markdown(title: str, chunks: Sequence[ChunkReport]) -> str:
    """Totals per source, then every chunk that did something (or failed), for an artifact."""
    totals = run_totals(chunks)
    lines = [f"# {title}", ""]
    if not totals:
        return "\n".join([*lines, "No chunks ran.", ""])
    header = list(totals[0])
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(row[k]) for k in header) + " |" for row in totals]
    changed = [c for c in chunks if c.status != "skipped_unchanged"]
    if changed:
        lines += ["", "## Chunks that loaded, rejected or failed", ""]
        lines += ["| source | month | status | batches | rows loaded | quarantined | error |"]
        lines += ["|---|---|---|---|---|---|---|"]
        for c in changed[:200]:
            cells = [
                c.source,
                c.month or "since mark",
                c.status,
                c.batches,
                c.rows_loaded,
                c.rows_quarantined,
                c.error,
            ]
            lines.append("| " + " | ".join(_cell(v) for v in cells) + " |")
        if len(changed) > 200:
            lines.append(f"| … | | | | | | {len(changed) - 200} more |")
    return "\n".join(lines) + "\n"


def months_to_labels(months: Iterable[date]) -> list[str]:
    """'YYYY-MM' labels of months, sorted, without repeats."""
    return sorted({month_label(month_start(m)) for m in months})
