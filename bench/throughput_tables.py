"""Markdown tables of `python -m bench.throughput`: steps, end to end vs COPY, memory by scale."""

from __future__ import annotations

import math
from collections.abc import Sequence

from bench.formatting import format_rate, format_ratio, format_seconds
from bench.step_figures import TARGET_RATIO, RunResult, RunSummary, StepFigures


def steps_table(runs: Sequence[tuple[str, Sequence[StepFigures]]]) -> str:
    """Per run and source: rows, step times, end-to-end and raw COPY rates, GitHub markdown."""
    lines = [
        "| run | source | rows | batches | landing s | parse s | validation s | write s "
        "| end to end s | rows/s | raw COPY rows/s | ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, rows in runs:
        for r in rows:
            lines.append(
                f"| {label} | {r.source} | {r.rows:,} | {r.batches:,} "
                f"| {format_seconds(r.landing_s)} | {format_seconds(r.parse_s)} "
                f"| {format_seconds(r.validation_s)} | {format_seconds(r.write_s)} "
                f"| {format_seconds(r.end_to_end_s)} | {format_rate(r.rate)} "
                f"| {format_rate(r.raw_rate)} | {format_ratio(r.ratio)} |"
            )
    return "\n".join(lines)


def summary_table(runs: Sequence[RunSummary]) -> str:
    """Per run: end-to-end vs raw COPY rate, the ratio against the target, peak RSS."""
    lines = [
        "| run | scale | months | rows | end to end s | rows/s | raw COPY rows | raw COPY s "
        "| raw COPY rows/s | ratio | ≥ 50 % | loader peak RSS MB | simulator peak RSS MB |",
        "| --- " + "| ---: " * 9 + "| --- | ---: | ---: |",
    ]
    for r in runs:
        t = r.total
        ok = math.isfinite(t.ratio) and t.ratio >= TARGET_RATIO
        lines.append(
            f"| {r.label} | {r.scale:g} | {r.months} | {t.rows:,} "
            f"| {format_seconds(t.end_to_end_s)} | {format_rate(t.rate)} | {t.raw_rows:,} "
            f"| {format_seconds(t.raw_s)} | {format_rate(t.raw_rate)} | {format_ratio(t.ratio)} "
            f"| {'yes' if ok else '**no**'} | {r.loader_peak_rss_mb:,.0f} "
            f"| {r.simulator_peak_rss_mb:,.0f} |"
        )
    return "\n".join(lines)


def memory_growth(points: Sequence[tuple[float, float]]) -> float:
    """Loader peak RSS at the largest scale / at the smallest (1.0 = flat)."""
    if not points:
        return math.nan
    ordered = sorted(points)
    smallest, largest = ordered[0][1], ordered[-1][1]
    return largest / smallest if smallest > 0 else math.nan


def memory_table(runs: Sequence[RunSummary]) -> str:
    """One-month runs by scale: rows, rate and each process's peak RSS."""
    lines = [
        "| scale | rows | rows/s | loader peak RSS MB | simulator peak RSS MB "
        "| generator peak RSS MB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in sorted(runs, key=lambda r: r.scale):
        lines.append(
            f"| {r.scale:g} | {r.total.rows:,} | {format_rate(r.total.rate)} "
            f"| {r.loader_peak_rss_mb:,.0f} | {r.simulator_peak_rss_mb:,.0f} "
            f"| {r.generator_peak_rss_mb:,.0f} |"
        )
    return "\n".join(lines)


def report(results: Sequence[RunResult], memory_scales: Sequence[float]) -> str:
    """The markdown tables of a set of runs."""
    parts = [
        "## End to end vs raw COPY",
        summary_table([r.summary() for r in results]),
        "",
        "## Per source",
        steps_table([(r.label, [*r.sources, r.total]) for r in results]),
    ]
    memory = [r.summary() for r in results if r.kind == "month" and r.scale in memory_scales]
    if memory:
        growth = memory_growth([(m.scale, m.loader_peak_rss_mb) for m in memory])
        parts += [
            "",
            "## Peak memory of one month by scale",
            memory_table(memory),
            "",
            f"loader peak RSS, largest / smallest scale: {growth:.2f}",
        ]
    backfills = [r for r in results if r.kind == "backfill"]
    for r in backfills:
        rss = r.rss_after_month_mb
        if rss:
            parts += [
                "",
                f"{r.label}: loader RSS after each month {min(rss):,.0f}–{max(rss):,.0f} MB "
                f"(first {rss[0]:,.0f}, last {rss[-1]:,.0f})",
            ]
    return "\n".join(parts)
