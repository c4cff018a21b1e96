"""Targets and the markdown report of `python -m bench`, from its JSON figures (pure).

Every function here reads the plain figures `bench.suite` writes (one dict per run), so the
report can be rendered again from a saved JSON file and tested without a database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from bench.throughput import (
    StepFigures,
    format_rate,
    format_ratio,
    format_seconds,
    rate,
    step_from_dict,
)
from bench.validation_share import TARGET_SHARE, format_share, validation_share

COPY_RATIO_TARGET = 0.5
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


# --- derived figures ----------------------------------------------------------------------


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


# --- targets -------------------------------------------------------------------------------


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


# --- markdown ------------------------------------------------------------------------------


def verdict(passed: bool | None) -> str:
    """pass / **FAIL** / info."""
    if passed is None:
        return "info"
    return "pass" if passed else "**FAIL**"


def targets_table(targets: Sequence[Target]) -> str:
    """The targets, GitHub markdown."""
    lines = ["| target | run | measured | goal | result |", "| --- | --- | ---: | --- | --- |"]
    lines += [
        f"| {t.name} | {t.run} | {t.measured} | {t.goal} | {verdict(t.passed)} |" for t in targets
    ]
    return "\n".join(lines)


def _loadavg(values: Sequence[float] | None) -> str:
    return "/".join(f"{v:.2f}" for v in values) if values else "–"


def machine_text(machine: Mapping[str, Any]) -> str:
    """One paragraph naming the machine."""
    return (
        f"Machine: {machine.get('cpu_model') or 'unknown CPU'} × {machine.get('cpus')} CPUs, "
        f"{machine.get('ram_gib')} GiB RAM, Python {machine.get('python')}, PostgreSQL "
        f"{machine.get('postgres') or '–'}, {machine.get('platform')}. Load average (1/5/15 min) "
        f"at start {_loadavg(machine.get('loadavg_start'))}, at end "
        f"{_loadavg(machine.get('loadavg_end'))}."
    )


def world_table(world: Mapping[str, Any]) -> str:
    """The world generation's figures."""
    if "error" in world:
        return f"world generation failed: {world['error'].strip().splitlines()[-1]}"
    counts = world.get("counts", {})
    return "\n".join(
        [
            "| months | scale | workers | wall s | peak RSS MB (main / workers) | load avg before "
            "→ after | counts |",
            "| --- | ---: | ---: | ---: | --- | --- | --- |",
            f"| {world['first_month']}..{world['last_month']} | {float(world['scale']):g} "
            f"| {world.get('workers')} | {format_seconds(float(world['seconds']))} "
            f"| {float(world['peak_rss_mb']):,.0f} / {float(world['peak_rss_workers_mb']):,.0f} "
            f"| {_loadavg(world.get('loadavg_before'))} → {_loadavg(world.get('loadavg_after'))} "
            f"| {', '.join(f'{k} {v:,}' for k, v in counts.items())} |",
        ]
    )


def _ratio_text(value: float | None, times: bool = False) -> str:
    if value is None:
        return "–"
    return f"×{value:.1f}" if times else format_ratio(value)


def throughput_table(runs: Sequence[Run]) -> str:
    """Per run: end to end, raw COPY and to_sql rates and their ratios."""
    lines = [
        "| run | rows | end to end s | e2e rows/s | COPY rows/s | to_sql rows (s) | to_sql rows/s "
        "| e2e/COPY | e2e/to_sql | load avg before → after |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        if "error" in run:
            continue
        total, extra = run_total(run), derived(run)
        naive = run.get("to_sql") or {}
        naive_text = (
            f"{int(naive['rows']):,} ({format_seconds(float(naive['seconds']))})"
            if naive.get("rows")
            else "–"
        )
        lines.append(
            f"| {run['label']} | {total.rows:,} | {format_seconds(total.end_to_end_s)} "
            f"| {format_rate(total.rate)} | {format_rate(total.raw_rate)} | {naive_text} "
            f"| {format_rate(to_sql_rate(run))} | {_ratio_text(extra['e2e_to_copy'])} "
            f"| {_ratio_text(extra['e2e_to_sql'], times=True)} "
            f"| {_loadavg(run.get('loadavg_before'))} → {_loadavg(run.get('loadavg_after'))} |"
        )
    return "\n".join(lines)


def gx_text(runs: Sequence[Run]) -> str:
    """The GX start-up of each loader process (paid once per process, not in end to end)."""
    timed = [f"{r['label']} {float(r['gx_startup_s']):.2f} s" for r in runs if "gx_startup_s" in r]
    return "GX start-up, once per loader process and not in end to end: " + (
        ", ".join(timed) or "–"
    )


def steps_table(runs: Sequence[Run]) -> str:
    """Per run and source: step times, rates and the validation share of the load time."""
    lines = [
        "| run | source | rows | batches | landing s | parse s | validation s | write s "
        "| end to end s | rows/s | COPY rows/s | validation share |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        if "error" in run:
            continue
        for f in [*(step_from_dict(s) for s in run["sources"]), run_total(run)]:
            lines.append(
                f"| {run['label']} | {f.source} | {f.rows:,} | {f.batches:,} "
                f"| {format_seconds(f.landing_s)} | {format_seconds(f.parse_s)} "
                f"| {format_seconds(f.validation_s)} | {format_seconds(f.write_s)} "
                f"| {format_seconds(f.end_to_end_s)} | {format_rate(f.rate)} "
                f"| {format_rate(f.raw_rate)} | {format_share(load_share(f))} |"
            )
    return "\n".join(lines)


def _mb(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{float(value):,.0f}"


def _child_mb(run: Run, step: str) -> str:
    part = run.get(step)
    return _mb(part.get("peak_rss_mb")) if part else "–"


def memory_table(runs: Sequence[Run]) -> str:
    """Per run: each process's peak RSS (MB)."""
    lines = [
        "| run | scale | loader | simulator | generator | to_sql | re-run | snapshot "
        "| loader RSS after each month |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        if "error" in run:
            continue
        peak = run["peak_rss_mb"]
        after = run.get("loader_rss_after_month_mb") or []
        spread = f"{min(after):,.0f}–{max(after):,.0f}" if after else "–"
        lines.append(
            f"| {run['label']} | {float(run['scale']):g} | {_mb(peak.get('loader'))} "
            f"| {_mb(peak.get('simulator'))} | {_mb(peak.get('generator'))} "
            f"| {_child_mb(run, 'to_sql')} | {_child_mb(run, 'rerun')} "
            f"| {_child_mb(run, 'snapshot')} | {spread} |"
        )
    return "\n".join(lines)


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())) or "none"


def rerun_table(runs: Sequence[Run]) -> str:
    """Per run and source: the unchanged re-run's seconds and what it found."""
    lines = [
        "| run | month | source | land s | validate_and_load s | total s | deliveries "
        "| batches written |",
        "| --- | --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    notes: list[str] = []
    for run in runs:
        rerun = run.get("rerun")
        if "error" in run or not rerun:
            continue
        if "error" in rerun:
            notes.append(f"{run['label']}: re-run failed: {_last_line(rerun['error'])}")
            continue
        for s in rerun["sources"]:
            lines.append(
                f"| {run['label']} | {rerun['month']} | {s['source']} "
                f"| {format_seconds(float(s['land_s']))} | {format_seconds(float(s['load_s']))} "
                f"| {format_seconds(float(s['seconds']))} | {_counts(s['deliveries'])} "
                f"| {_counts(s['batches'])} |"
            )
        facts = sum(rerun["facts_after"].values())
        notes.append(
            f"{run['label']}: "
            + ("wrote no fact" if rerun["wrote_nothing"] else "**changed facts**")
            + f" ({facts:,} fact rows before and after: "
            f"{'equal' if rerun['facts_before'] == rerun['facts_after'] else 'different'}; "
            f"{rerun['fact_rows_with_newer_batch']:,} with a newer batch; "
            f"{rerun['batches_added']:,} batch rows added)"
        )
    return "\n".join(lines + [""] + [f"- {n}" for n in notes]) if notes else "\n".join(lines)


def snapshot_table(runs: Sequence[Run]) -> str:
    """Per run: the monthly-counts refresh, the snapshot, and the unchanged second snapshot."""
    lines = [
        "| run | as of | months refreshed | refresh s | counts ins/upd/del | snapshot s "
        "| rows (indicator/ЕКЦ/campaign) | load batches | second snapshot s | same snapshot |",
        "| --- | --- | ---: | ---: | --- | ---: | --- | ---: | ---: | --- |",
    ]
    notes: list[str] = []
    for run in runs:
        snap = run.get("snapshot")
        if "error" in run or not snap:
            continue
        if "error" in snap:
            notes.append(f"- {run['label']}: snapshot failed: {_last_line(snap['error'])}")
            continue
        refresh, first = snap["refresh"], snap["snapshot"]
        rows = first["rows"]
        lines.append(
            f"| {run['label']} | {snap['as_of']} | {snap['months_refreshed']} "
            f"| {format_seconds(float(snap['refresh_s']))} "
            f"| {refresh['inserted']:,}/{refresh['updated']:,}/{refresh['deleted']:,} "
            f"| {format_seconds(float(snap['snapshot_s']))} "
            f"| {rows['indicator']:,}/{rows['ekc_load']:,}/{rows['info_campaign']:,} "
            f"| {first['load_batches']:,} | {format_seconds(float(snap['again_s']))} "
            f"| {'yes' if snap['same_snapshot'] else '**no**'} |"
        )
    return "\n".join([*lines, "", *notes]) if notes else "\n".join(lines)


def _last_line(text: str) -> str:
    lines = [line for line in str(text).strip().splitlines() if line.strip()]
    return lines[-1] if lines else "unknown error"


def errors_text(figures: Mapping[str, Any]) -> list[str]:
    """One line per failed run or step."""
    out: list[str] = []
    for run in figures.get("runs", []):
        if "error" in run:
            out.append(f"- {run['label']}: {_last_line(run['error'])}")
        elif (run.get("to_sql") or {}).get("error"):
            out.append(f"- {run['label']} to_sql: {_last_line(run['to_sql']['error'])}")
    return out


def render_markdown(figures: Mapping[str, Any], targets: Sequence[Target]) -> str:
    """The whole report."""
    options = figures.get("options", {})
    runs = figures.get("runs", [])
    parts = [
        f"# Benchmark ({figures.get('started_at', '?')})",
        "",
        machine_text(figures.get("machine", {})),
        "",
        f"Seed {options.get('seed')}, realistic defects; to_sql capped at "
        f"{int(options.get('to_sql_max_rows', 0)):,} rows a run. End to end = landing + parse + "
        "validation + write over the rows delivered; COPY and to_sql load the same staged rows "
        "into tables shaped like the core facts (same indexes, none unique) in the same database.",
    ]
    if not figures.get("complete", True):
        parts += ["", "**Partial: the benchmark is still running or stopped early.**"]
    parts += ["", "## Targets", "", targets_table(targets)]
    world = figures.get("world")
    if world:
        parts += ["", "## World generation", "", world_table(world)]
    if runs:
        parts += [
            "",
            "## Throughput: end to end vs raw COPY vs pandas to_sql",
            "",
            throughput_table(runs),
            "",
            gx_text(runs),
            "",
            "## Steps per source (validation share = validation / (landing + parse + write))",
            "",
            steps_table(runs),
            "",
            "## Peak resident memory (MB), one process each",
            "",
            memory_table(runs),
            "",
            "## Unchanged re-run of a month (land_source + validate_and_load per source)",
            "",
            rerun_table(runs),
            "",
            "## Snapshot of every scope (refresh monthly counts, take_snapshot, again)",
            "",
            snapshot_table(runs),
        ]
    errors = errors_text(figures)
    if errors:
        parts += ["", "## Errors", "", *errors]
    return "\n".join(parts) + "\n"
