"""The whole benchmark in one run: `python -m bench` (see `--help`).

On throw-away embedded PostgreSQL databases, one per run, it measures:

1. the simulated world's generation (`bench.generate_world`, in a child process);
2. end-to-end loading of one month at each `--scales` and of the `--backfill` range at each
   `--backfill-scales` (`bench.throughput`'s run: world, simulator and loader in child
   processes of their own), next to a raw COPY and a pandas `to_sql` of the same staged rows in
   the same database (`bench.to_sql`, capped at `--to-sql-max-rows`);
3. each process's peak RSS, and the loader's growth from scale 1 to the largest scale;
4. an unchanged re-run of a month per source and a snapshot of every scope as of the last day
   loaded, on the loaded warehouse (`bench.after_load`);
5. the validation share of the load time per run and source.

It writes every figure to `--out` (JSON) and the report to `--markdown`, and prints the report.
Both files are rewritten after each run, so a long benchmark that stops keeps what it measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench.arguments import month_labels, parse_scales
from egov.calendar import month_end, parse_month
from egov.errors import EgovError

DEFAULT_SCALES = "1,4,16"
DEFAULT_MONTH = "2024-03"
DEFAULT_BACKFILL = "2023-01..2024-12"
DEFAULT_BACKFILL_SCALES = "1"
DEFAULT_TO_SQL_MAX_ROWS = 2_000_000
DEFAULT_SEED = 20240321
QUICK = {
    "scales": "0.05,0.1",
    "backfill_scales": "0.05",
    "backfill": "2024-01..2024-02",
    "world_scale": 0.05,
    "to_sql_max_rows": 50_000,
}
"""`--quick`: a smoke run of every step in a few minutes (explicit options still win)."""

# --- pure parts (tested without a database) ------------------------------------------------


@dataclass(frozen=True)
class Options:
    """What to run, after `--quick` and the defaults are applied."""

    scales: list[float]
    month: str
    backfill: list[str]
    backfill_scales: list[float]
    world_scale: float | None
    """None: `--skip-world`."""
    to_sql_max_rows: int
    seed: int
    workers: int
    max_batches: int
    out: Path
    markdown: Path
    quick: bool

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values."""
        plain = asdict(self)
        plain["out"], plain["markdown"] = str(self.out), str(self.markdown)
        return plain


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m bench`."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="World generation, loading throughput against raw COPY and pandas to_sql, "
        "peak memory, an unchanged re-run and a snapshot, on throw-away PostgreSQL databases.",
    )
    parser.add_argument(
        "--scales", help=f"one-month runs at these scales (default {DEFAULT_SCALES}; '' for none)"
    )
    parser.add_argument("--month", default=DEFAULT_MONTH, help="the one-month runs' month")
    parser.add_argument(
        "--backfill", help=f"the backfill runs' months FIRST..LAST (default {DEFAULT_BACKFILL})"
    )
    parser.add_argument(
        "--backfill-scales",
        help=f"backfill runs at these scales (default {DEFAULT_BACKFILL_SCALES}; '' for none; "
        "4 and 16 take about 1–3.5 h and 20–40 GB each)",
    )
    parser.add_argument("--skip-world", action="store_true", help="no world generation timing")
    parser.add_argument(
        "--world-scale", type=float, help="scale of the timed world generation (default 1)"
    )
    parser.add_argument(
        "--to-sql-max-rows",
        type=int,
        help=f"rows of a run loaded with to_sql at most (default {DEFAULT_TO_SQL_MAX_ROWS:,}; "
        "0: no to_sql reference)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--workers", type=int, default=2, help="world generation processes")
    parser.add_argument(
        "--max-batches", type=int, default=0, help="batches validated together (default: gate's)"
    )
    parser.add_argument("--out", type=Path, default=Path("bench-results/bench.json"))
    parser.add_argument("--markdown", type=Path, default=Path("bench-results/bench.md"))
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: scales 0.05,0.1, backfill 2024-01..2024-02 at 0.05, world at 0.05, "
        "to_sql of 50,000 rows",
    )
    return parser


def parse_options(argv: Sequence[str] | None = None) -> Options:
    """Options from the command line; errors exit through argparse."""
    parser = build_parser()
    args = parser.parse_args(argv)

    def pick(name: str, default: Any) -> Any:
        given = getattr(args, name)
        if given is not None:
            return given
        return QUICK[name] if args.quick else default

    try:
        parse_month(args.month)
        options = Options(
            scales=parse_scales(pick("scales", DEFAULT_SCALES)),
            month=args.month.strip(),
            backfill=month_labels(pick("backfill", DEFAULT_BACKFILL)),
            backfill_scales=parse_scales(pick("backfill_scales", DEFAULT_BACKFILL_SCALES)),
            world_scale=None if args.skip_world else float(pick("world_scale", 1.0)),
            to_sql_max_rows=int(pick("to_sql_max_rows", DEFAULT_TO_SQL_MAX_ROWS)),
            seed=args.seed,
            workers=args.workers,
            max_batches=args.max_batches,
            out=args.out,
            markdown=args.markdown,
            quick=args.quick,
        )
    except (ValueError, EgovError) as exc:
        parser.error(str(exc))
    if options.to_sql_max_rows < 0:
        parser.error("--to-sql-max-rows must not be negative")
    if options.world_scale is not None and not options.world_scale > 0:
        parser.error("--world-scale must be positive")
    return options


@dataclass(frozen=True)
class PlannedRun:
    """One loading run: its months and scale, the month re-run and the snapshot date."""

    label: str
    kind: str
    months: list[str]
    scale: float
    rerun_month: str
    as_of: date


def plan_runs(options: Options) -> list[PlannedRun]:
    """The month runs by scale, then the backfill runs by scale."""
    runs: list[PlannedRun] = []
    month_end_day = month_end(parse_month(options.month))
    for scale in options.scales:
        runs.append(
            PlannedRun(
                f"{options.month} ×{scale:g}",
                "month",
                [options.month],
                scale,
                options.month,
                month_end_day,
            )
        )
    first, last = options.backfill[0], options.backfill[-1]
    # The re-run takes the benchmark's month if the backfill has it (same month, other scale).
    rerun = options.month if options.month in options.backfill else last
    for scale in options.backfill_scales:
        runs.append(
            PlannedRun(
                f"{first}..{last} ×{scale:g}",
                "backfill",
                list(options.backfill),
                scale,
                rerun,
                month_end(parse_month(last)),
            )
        )
    return runs


def cpu_model(cpuinfo: str) -> str | None:
    """The first 'model name' of /proc/cpuinfo text."""
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "model name":
            return value.strip()
    return None


# --- the run -------------------------------------------------------------------------------


def loadavg() -> list[float]:
    """The 1, 5 and 15 minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    """CPU model and count, RAM, Python and platform of this machine."""
    from bench.processes import machine as basics

    try:
        model = cpu_model(Path("/proc/cpuinfo").read_text(encoding="utf-8"))
    except OSError:
        model = platform.processor() or None
    plain = basics()
    plain.pop("loadavg_1_5_15", None)
    return {"cpu_model": model, **plain}


def attempt(step: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """step(*args), or {"error": traceback} so one failed step does not end the benchmark."""
    try:
        return step(*args)
    except Exception:
        print(traceback.format_exc(), file=sys.stderr, flush=True)
        return {"error": traceback.format_exc()}


def server_version(url: str) -> str:
    """PostgreSQL's version string."""
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW server_version")
            row = cur.fetchone()
    finally:
        conn.close()
    return str(row[0]) if row else "?"


def measure(planned: PlannedRun, options: Options) -> dict[str, Any]:
    """One loading run with its re-run, snapshot and to_sql reference; plain figures."""
    from bench.after_load import rerun_unchanged, snapshot_timings
    from bench.processes import run_apart
    from bench.targets import derived
    from bench.throughput import measure_run
    from bench.to_sql import cap_rows, to_sql_reference

    def after_load(env: dict[str, str], work: Path, kept: list[dict[str, Any]]) -> dict[str, Any]:
        url = env["EGOV_WAREHOUSE_URL"]
        print(f"{planned.label}: unchanged re-run of {planned.rerun_month}", file=sys.stderr)
        rerun = attempt(run_apart, rerun_unchanged, env, planned.rerun_month)
        print(f"{planned.label}: snapshot as of {planned.as_of}", file=sys.stderr)
        snapshot = attempt(run_apart, snapshot_timings, env, planned.as_of.isoformat())
        parts = cap_rows(kept, options.to_sql_max_rows)
        naive: dict[str, Any] | None = None
        if parts:
            rows = sum(p["rows_used"] for p in parts)
            print(f"{planned.label}: to_sql of {rows:,} rows", file=sys.stderr, flush=True)
            naive = attempt(run_apart, to_sql_reference, url, parts)
        return {
            "postgres": attempt(lambda: {"version": server_version(url)}).get("version"),
            "rerun": rerun,
            "snapshot": snapshot,
            "to_sql": naive,
        }

    before = loadavg()
    base = {
        "label": planned.label,
        "kind": planned.kind,
        "scale": planned.scale,
        "months": planned.months,
    }
    try:
        result = measure_run(
            planned.label,
            planned.kind,
            planned.months,
            planned.scale,
            options.seed,
            options.workers,
            options.max_batches,
            keep_rows=options.to_sql_max_rows,
            after_load=after_load,
        )
    except Exception:
        print(traceback.format_exc(), file=sys.stderr, flush=True)
        return {**base, "error": traceback.format_exc(), "loadavg_before": before}
    plain = result.as_dict()
    for step in ("to_sql", "rerun", "snapshot"):
        part = plain.get(step)
        if part and "peak_rss_mb" in part:
            plain["peak_rss_mb"][step] = part["peak_rss_mb"]
    return {**plain, **derived(plain), "loadavg_before": before, "loadavg_after": loadavg()}


def generate_world_timed(options: Options) -> dict[str, Any]:
    """The world over the backfill's months at `--world-scale`, in a child process."""
    from bench.generate_world import run
    from bench.processes import run_apart

    assert options.world_scale is not None
    first, last = options.backfill[0], options.backfill[-1]
    print(f"world: generating {first}..{last} at scale {options.world_scale:g}", file=sys.stderr)
    before = loadavg()
    figures = attempt(
        run_apart, run, first, last, options.world_scale, options.seed, "realistic", None
    )
    if "error" in figures:
        figures.update(first_month=first, last_month=last, scale=options.world_scale)
    return {**figures, "loadavg_before": before, "loadavg_after": loadavg()}


def write_outputs(figures: dict[str, Any], options: Options) -> str:
    """Evaluate the targets, render the report and write both files; the report."""
    from bench.report import render_markdown
    from bench.targets import evaluate_targets

    targets = evaluate_targets(figures)
    markdown = render_markdown(figures, targets)
    figures["targets"] = [t.as_dict() for t in targets]
    figures["markdown"] = markdown
    for path in (options.out, options.markdown):
        path.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(
        json.dumps(figures, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    options.markdown.write_text(markdown, encoding="utf-8")
    return markdown


def main(argv: Sequence[str] | None = None) -> int:
    """Run every step, write the JSON and markdown after each run, print the report."""
    options = parse_options(argv)
    from egov.runtime_env import configure_runtime

    configure_runtime(debug=False)
    figures: dict[str, Any] = {
        "benchmark": "bench",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "complete": False,
        "options": options.as_dict(),
        "machine": {**machine(), "loadavg_start": loadavg()},
        "world": None,
        "runs": [],
    }
    if options.world_scale is not None:
        figures["world"] = generate_world_timed(options)
        write_outputs(figures, options)
    for planned in plan_runs(options):
        run = measure(planned, options)
        figures["runs"].append(run)
        if run.get("postgres") and not figures["machine"].get("postgres"):
            figures["machine"]["postgres"] = run["postgres"]
        write_outputs(figures, options)
    figures["machine"]["loadavg_end"] = loadavg()
    figures["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    figures["complete"] = True
    print(write_outputs(figures, options))
    print(f"JSON: {options.out}; markdown: {options.markdown}", file=sys.stderr)
    failed = any("error" in r for r in figures["runs"]) or "error" in (figures["world"] or {})
    return 1 if failed else 0
