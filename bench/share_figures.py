"""Timings of the quality gate's share of a month's load: per-source figures, totals, the table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.formatting import format_seconds, format_share

TARGET_SHARE = 0.25
"""Issue 4: validation adds less than a quarter to the month's load time."""


@dataclass
class SourceFigures:
    """Timings and counts of one source's month (or the total of several)."""

    source: str
    deliveries: int = 0
    """Deliveries landed (ЕПГУ: pages and window manifests)."""
    batches: int = 0
    rows: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_rejected: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    landing_s: float = 0.0
    parse_s: float = 0.0
    validation_s: float = 0.0
    write_s: float = 0.0
    validation_chunks_s: list[float] = field(default_factory=list)
    """Validation time of each chunk (the first one of a source registers its suites)."""

    @property
    def load_s(self) -> float:
        """The pipeline without the gate: landing + parse + write."""
        return self.landing_s + self.parse_s + self.write_s

    @property
    def share(self) -> float:
        """Validation time as a fraction of the load time."""
        return validation_share(self.validation_s, self.load_s)

    @property
    def within_target(self) -> bool:
        """Validation adds less than TARGET_SHARE to the load time."""
        return self.share < TARGET_SHARE


def validation_share(validation_s: float, load_s: float) -> float:
    """validation / load time (infinite when there is validation time but no load time)."""
    if validation_s < 0 or load_s < 0:
        raise ValueError(f"times must not be negative, got {validation_s} and {load_s}")
    if load_s == 0:
        return math.inf if validation_s > 0 else 0.0
    return validation_s / load_s


def combine(parts: Sequence[SourceFigures], name: str = "total") -> SourceFigures:
    """The sum of several sources' figures."""
    statuses: dict[str, int] = {}
    for part in parts:
        for status, count in part.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    return SourceFigures(
        name,
        deliveries=sum(p.deliveries for p in parts),
        batches=sum(p.batches for p in parts),
        rows=sum(p.rows for p in parts),
        rows_loaded=sum(p.rows_loaded for p in parts),
        rows_quarantined=sum(p.rows_quarantined for p in parts),
        rows_rejected=sum(p.rows_rejected for p in parts),
        statuses=dict(sorted(statuses.items())),
        landing_s=sum(p.landing_s for p in parts),
        parse_s=sum(p.parse_s for p in parts),
        validation_s=sum(p.validation_s for p in parts),
        write_s=sum(p.write_s for p in parts),
        validation_chunks_s=[s for p in parts for s in p.validation_chunks_s],
    )


def figures_dict(figures: SourceFigures) -> dict[str, Any]:
    """Plain JSON values of one row, seconds rounded to milliseconds."""
    share = figures.share
    return {
        "source": figures.source,
        "deliveries": figures.deliveries,
        "batches": figures.batches,
        "rows": figures.rows,
        "rows_loaded": figures.rows_loaded,
        "rows_quarantined": figures.rows_quarantined,
        "rows_rejected": figures.rows_rejected,
        "statuses": dict(figures.statuses),
        "landing_s": round(figures.landing_s, 3),
        "parse_s": round(figures.parse_s, 3),
        "validation_s": round(figures.validation_s, 3),
        "write_s": round(figures.write_s, 3),
        "load_s": round(figures.load_s, 3),
        "validation_share": round(share, 4) if math.isfinite(share) else None,
        "within_target": figures.within_target,
        "validation_chunks_s": [round(s, 3) for s in figures.validation_chunks_s],
    }


def markdown_table(rows: Sequence[SourceFigures]) -> str:
    """One line per source (the last one is usually the total), GitHub markdown."""
    header = (
        "| source | rows | batches | landing s | parse s | validation s | write s "
        "| load s (land+parse+write) | validation share | < 25 % |"
    )
    lines = [header, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        lines.append(
            f"| {r.source} | {r.rows:,} | {r.batches:,} | {format_seconds(r.landing_s)} "
            f"| {format_seconds(r.parse_s)} | {format_seconds(r.validation_s)} "
            f"| {format_seconds(r.write_s)} | {format_seconds(r.load_s)} "
            f"| {format_share(r.share)} | {'yes' if r.within_target else '**no**'} |"
        )
    return "\n".join(lines)
