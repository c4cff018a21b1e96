"""The markdown report of `python -m bench`, from its JSON figures and judged targets (pure).

Every function here reads the plain figures `bench.suite` writes (one dict per run), so the
report can be rendered again from a saved JSON file and tested without a database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from bench.formatting import format_rate, format_ratio, format_seconds, format_share
from bench.step_figures import step_from_dict
from bench.targets import Run, Target, derived, load_share, run_total, to_sql_rate


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
