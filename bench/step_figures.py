"""Rows and step times of a throughput run: per-source figures, totals and their JSON form."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

TARGET_RATIO = 0.5
"""Issue 5: end to end at least half the raw COPY rate."""


def rate(rows: int, seconds: float) -> float:
    """Rows per second (0 for no rows, infinite for rows in no time)."""
    if rows < 0 or seconds < 0:
        raise ValueError(f"rows and seconds must not be negative, got {rows} and {seconds}")
    if rows == 0:
        return 0.0
    return rows / seconds if seconds > 0 else math.inf


def ratio(end_to_end: float, raw: float) -> float:
    """End-to-end rate as a fraction of the raw COPY rate (nan without a raw rate)."""
    return end_to_end / raw if raw > 0 and math.isfinite(raw) else math.nan


@dataclass
class StepFigures:
    """Rows and step times of one source (or a total), over one or more months."""

    source: str
    batches: int = 0
    rows: int = 0
    """Rows delivered (batch rows in)."""
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_rejected: int = 0
    landing_s: float = 0.0
    parse_s: float = 0.0
    validation_s: float = 0.0
    write_s: float = 0.0
    raw_rows: int = 0
    """Rows the raw COPY wrote (the batches' staged rows)."""
    raw_s: float = 0.0

    @property
    def end_to_end_s(self) -> float:
        """Landing + parse + validation + write."""
        return self.landing_s + self.parse_s + self.validation_s + self.write_s

    @property
    def rate(self) -> float:
        """End-to-end rows per second."""
        return rate(self.rows, self.end_to_end_s)

    @property
    def raw_rate(self) -> float:
        """Raw COPY rows per second."""
        return rate(self.raw_rows, self.raw_s)

    @property
    def ratio(self) -> float:
        """End-to-end rate / raw COPY rate."""
        return ratio(self.rate, self.raw_rate)

    def add(self, other: StepFigures) -> None:
        """Add another period's figures of the same source."""
        for name in (
            "batches",
            "rows",
            "rows_loaded",
            "rows_quarantined",
            "rows_rejected",
            "landing_s",
            "parse_s",
            "validation_s",
            "write_s",
            "raw_rows",
            "raw_s",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def combine(parts: Sequence[StepFigures], name: str = "total") -> StepFigures:
    """The sum of several sources' (or months') figures."""
    total = StepFigures(name)
    for part in parts:
        total.add(part)
    return total


def _finite(value: float, digits: int) -> float | None:
    return round(value, digits) if math.isfinite(value) else None


def step_dict(figures: StepFigures) -> dict[str, Any]:
    """Plain JSON values of one row, seconds rounded to milliseconds."""
    plain = asdict(figures)
    for key, value in plain.items():
        if key.endswith("_s"):
            plain[key] = round(value, 3)
    plain["end_to_end_s"] = round(figures.end_to_end_s, 3)
    plain["rows_per_s"] = _finite(figures.rate, 0)
    plain["raw_rows_per_s"] = _finite(figures.raw_rate, 0)
    plain["ratio"] = _finite(figures.ratio, 4)
    return plain


def step_from_dict(plain: Mapping[str, Any]) -> StepFigures:
    """The inverse of step_dict (derived values are recomputed)."""
    names = {f for f in StepFigures.__dataclass_fields__}
    return StepFigures(**{k: v for k, v in plain.items() if k in names})


@dataclass
class RunSummary:
    """One run's headline figures (the total row plus memory)."""

    label: str
    scale: float
    months: int
    total: StepFigures
    loader_peak_rss_mb: float
    simulator_peak_rss_mb: float
    generator_peak_rss_mb: float
    gx_startup_s: float = 0.0
    loader_rss_after_month_mb: list[float] = field(default_factory=list)


@dataclass
class RunResult:
    """Everything one run measured."""

    label: str
    kind: str
    scale: float
    months: list[str]
    sources: list[StepFigures]
    per_month: list[dict[str, Any]]
    gx_startup_s: float
    generation: dict[str, Any]
    loader_peak_rss_mb: float
    simulator_peak_rss_mb: float
    rss_after_month_mb: list[float]
    after_load: dict[str, Any] = field(default_factory=dict)
    """What `measure_run`'s after_load hook measured on the loaded warehouse."""

    @property
    def total(self) -> StepFigures:
        """All sources together."""
        return combine(self.sources)

    def summary(self) -> RunSummary:
        """The headline figures."""
        return RunSummary(
            self.label,
            self.scale,
            len(self.months),
            self.total,
            self.loader_peak_rss_mb,
            self.simulator_peak_rss_mb,
            float(self.generation.get("peak_rss_mb", math.nan)),
            self.gx_startup_s,
            self.rss_after_month_mb,
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values."""
        return {
            "label": self.label,
            "kind": self.kind,
            "scale": self.scale,
            "months": self.months,
            "sources": [step_dict(s) for s in self.sources],
            "total": step_dict(self.total),
            "per_month": self.per_month,
            "gx_startup_s": self.gx_startup_s,
            "generation": self.generation,
            "peak_rss_mb": {
                "loader": self.loader_peak_rss_mb,
                "simulator": self.simulator_peak_rss_mb,
                "generator": self.generation.get("peak_rss_mb"),
            },
            "loader_rss_after_month_mb": self.rss_after_month_mb,
            **self.after_load,
        }
