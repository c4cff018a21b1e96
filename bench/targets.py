"""Targets of `python -m bench`: derived rates and shares, each measured value against its goal.

Every function here reads the plain figures `bench.suite` writes (one dict per run), so the
targets can be judged again from a saved JSON file and tested without a database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from bench.formatting import format_ratio, format_seconds, format_share
from bench.share_figures import TARGET_SHARE, validation_share
from bench.step_figures import TARGET_RATIO, StepFigures, rate, step_from_dict

COPY_RATIO_TARGET = TARGET_RATIO
"""End to end at least half the raw COPY rate."""
TO_SQL_RATIO_TARGET = 5.0
"""End to end at least five times the naive pandas `to_sql` rate."""
MEMORY_GROWTH_TARGET = 1.5
"""Loader peak RSS of a month at the largest scale at most 1.5 × that at scale 1."""
RERUN_TARGET_S = 2.0
"""An unchanged re-run of a month: under 2 s per source (at scale 1)."""
SNAPSHOT_TARGET_S = 5.0
"""A snapshot of every scope: under 5 s (at scale 1)."""
WORLD_TARGET_S = 120.0
"""Issue 3: the two-year world at scale 1.0 in under two minutes."""
TARGET_SCALE = 1.0
"""The scale the time targets are set for; smaller runs are held to them too, larger are info."""

Run = Mapping[str, Any]
"""One run's plain figures, as `bench.suite` writes them."""


@dataclass(frozen=True)
class Target:
    """One line of the targets table: measured value against its goal."""

    name: str
    run: str
    measured: str
    goal: str
    passed: bool | None
    """None: not judged (informative, or not measured)."""

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values."""
        return asdict(self)


def run_total(run: Run) -> StepFigures:
    """A run's total step figures."""
    return step_from_dict(run["total"])


def to_sql_rate(run: Run) -> float:
    """to_sql rows per second of a run (nan without a to_sql reference)."""
    naive = run.get("to_sql")
    if not naive or "error" in naive or not naive.get("rows"):
        return math.nan
    return rate(int(naive["rows"]), float(naive["seconds"]))


def rate_ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, nan when either is missing or the denominator is not positive."""
    if not (math.isfinite(numerator) and math.isfinite(denominator)) or denominator <= 0:
        return math.nan
    return numerator / denominator


def load_share(figures: StepFigures) -> float:
    """Validation time / (landing + parse + write)."""
    return validation_share(
        figures.validation_s, figures.landing_s + figures.parse_s + figures.write_s
    )


def _plain(value: float, digits: int) -> float | None:
    return round(value, digits) if math.isfinite(value) else None


def derived(run: Run) -> dict[str, Any]:
    """Rates, ratios and validation shares of a run, as plain JSON values."""
    total = run_total(run)
    e2e, copy, naive = total.rate, total.raw_rate, to_sql_rate(run)
    shares = {s["source"]: load_share(step_from_dict(s)) for s in run["sources"]}
    return {
        "e2e_rows_per_s": _plain(e2e, 0),
        "copy_rows_per_s": _plain(copy, 0),
        "to_sql_rows_per_s": _plain(naive, 0),
        "e2e_to_copy": _plain(rate_ratio(e2e, copy), 4),
        "e2e_to_sql": _plain(rate_ratio(e2e, naive), 3),
        "validation_share": {
            "total": _plain(load_share(total), 4),
            **{source: _plain(share, 4) for source, share in shares.items()},
        },
    }


def memory_growth(runs: Sequence[Run]) -> tuple[float, float, float]:
    """(base scale, top scale, loader peak at top / at base) over the one-month runs.

    The base is scale 1 if it was run, else the smallest scale; nan without two scales.
    """
    points = sorted(
        (float(r["scale"]), float(r["peak_rss_mb"]["loader"]))
        for r in runs
        if r.get("kind") == "month" and "error" not in r
    )
    if len({scale for scale, _ in points}) < 2:
        return math.nan, math.nan, math.nan
    peaks = dict(points)
    base = TARGET_SCALE if TARGET_SCALE in peaks else points[0][0]
    top = points[-1][0]
    return base, top, rate_ratio(peaks[top], peaks[base])


def _judge(value: float, ok: bool, applies: bool = True) -> bool | None:
    if not math.isfinite(value):
        return None
    return ok if applies else None


def evaluate_targets(figures: Mapping[str, Any]) -> list[Target]:
    """Every target with its measured value and pass/fail (None: informative or not measured)."""
    targets: list[Target] = []
    world = figures.get("world")
    if world and "error" not in world:
        seconds = float(world["seconds"])
        scale = float(world["scale"])
        targets.append(
            Target(
                "world generation wall time (issue 3)",
                f"{world['first_month']}..{world['last_month']} ×{scale:g}",
                f"{format_seconds(seconds)} s",
                f"< {WORLD_TARGET_S:g} s at ×1",
                _judge(seconds, seconds < WORLD_TARGET_S, scale == TARGET_SCALE),
            )
        )
    runs = [r for r in figures.get("runs", []) if "error" not in r]
    for run in runs:
        label, scale = str(run["label"]), float(run["scale"])
        small = scale <= TARGET_SCALE
        extra = derived(run)
        to_copy = extra["e2e_to_copy"] if extra["e2e_to_copy"] is not None else math.nan
        to_sql = extra["e2e_to_sql"] if extra["e2e_to_sql"] is not None else math.nan
        share = extra["validation_share"]["total"]
        share = share if share is not None else math.nan
        targets += [
            Target(
                "end to end / raw COPY rate",
                label,
                format_ratio(to_copy),
                f"≥ {COPY_RATIO_TARGET * 100:.0f} %",
                _judge(to_copy, to_copy >= COPY_RATIO_TARGET),
            ),
            Target(
                "end to end / pandas to_sql rate",
                label,
                f"×{to_sql:.1f}" if math.isfinite(to_sql) else "–",
                f"≥ ×{TO_SQL_RATIO_TARGET:g}",
                _judge(to_sql, to_sql >= TO_SQL_RATIO_TARGET),
            ),
            Target(
                "validation / (landing + parse + write) (issue 4)",
                label,
                format_share(share) if math.isfinite(share) else "–",
                f"< {TARGET_SHARE * 100:.0f} %",
                _judge(share, share < TARGET_SHARE),
            ),
        ]
        targets += _rerun_targets(run, label, small)
        targets += _snapshot_targets(run, label, small)
    base, top, growth = memory_growth(runs)
    if math.isfinite(growth):
        targets.append(
            Target(
                f"loader peak RSS of a month, ×{top:g} / ×{base:g}",
                "month runs",
                f"{growth:.2f}",
                f"≤ {MEMORY_GROWTH_TARGET:g}",
                growth <= MEMORY_GROWTH_TARGET,
            )
        )
    return targets


def _rerun_targets(run: Run, label: str, small: bool) -> list[Target]:
    rerun = run.get("rerun")
    if not rerun or "error" in rerun:
        return [Target("unchanged re-run of a month", label, "–", "measured", False)]
    slowest = max(rerun["sources"], key=lambda s: float(s["seconds"]))
    seconds = float(slowest["seconds"])
    return [
        Target(
            f"unchanged re-run of {rerun['month']}, slowest source",
            label,
            f"{format_seconds(seconds)} s ({slowest['source']})",
            f"< {RERUN_TARGET_S:g} s per source at ×1",
            _judge(seconds, seconds < RERUN_TARGET_S, small),
        ),
        Target(
            "unchanged re-run wrote no fact",
            label,
            "nothing written" if rerun["wrote_nothing"] else "**facts changed**",
            "nothing written",
            bool(rerun["wrote_nothing"]),
        ),
    ]


def _snapshot_targets(run: Run, label: str, small: bool) -> list[Target]:
    snap = run.get("snapshot")
    if not snap or "error" in snap:
        return [Target("snapshot of every scope", label, "–", "measured", False)]
    seconds = float(snap["snapshot_s"])
    return [
        Target(
            f"snapshot of every scope as of {snap['as_of']}",
            label,
            f"{format_seconds(seconds)} s",
            f"< {SNAPSHOT_TARGET_S:g} s at ×1",
            _judge(seconds, seconds < SNAPSHOT_TARGET_S, small),
        ),
        Target(
            "second snapshot, same inputs: nothing new",
            label,
            f"{format_seconds(float(snap['again_s']))} s, "
            + ("same snapshot" if snap["same_snapshot"] else "**a new snapshot**"),
            "same snapshot",
            bool(snap["same_snapshot"]),
        ),
    ]
