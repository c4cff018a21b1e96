"""Loading throughput against a raw COPY of the same rows: `python -m bench.throughput`.

Issue 5 asks for end-to-end records per second for a full month and for the two-year backfill
at scale 1.0, next to a raw `COPY` of the same rows into the same database in the same run, with
end to end at least half the raw COPY rate and peak memory flat as the scale grows.

For each run the script generates a world in a child process, starts a throw-away embedded
PostgreSQL, serves ЕПГУ/ЕКЦ from a simulator in a second child process and loads in a third,
so that each process's peak RSS is its own. The loader lands each month source by source (the
library's month-scoped `land_source`, as a backfill chunk does), then runs the steps of
`validate_and_load` with each step timed: parse, validation, write (one transaction per batch,
stale months marked in it as `validate_and_load` does). End to end =
landing + parse + validation + write, over the rows delivered. Untimed, it spools each batch's
staged rows (the COPY text `write_verdict` sends); after the month it COPYs them, one statement
per table, into empty tables shaped like the core facts with the same indexes (none unique: a
month holds several versions of an ЕПГУ application) and times that as the raw COPY rate. GX
start-up is timed apart (once per process).

Runs: `--months` (one-month runs at `--scale`), `--backfill FIRST..LAST` (one run over the
range) and the one-month memory runs at `--memory-scales`; `--max-batches N` validates N
batches together instead of the gate's `CHUNK_BATCHES`. Prints markdown tables and writes the
JSON figures to `--out`. `python -m bench` reuses `measure_run` with two additions: spooled
tables kept for a pandas `to_sql` reference, and a hook on the loaded warehouse.

This module is the driver; the parts live beside it: `bench.world` (generation, simulator),
`bench.loader` (the loader process), `bench.raw_copy` (spool and raw COPY), `bench.step_figures`
and `bench.throughput_tables` (figures and their markdown).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from bench.arguments import month_labels, parse_scales
from bench.database import embedded_database
from bench.loader import load_months
from bench.processes import machine, run_apart
from bench.step_figures import TARGET_RATIO, RunResult, StepFigures, step_from_dict
from bench.throughput_tables import report
from bench.world import generate, simulator_apart
from egov.calendar import next_month, parse_month
from egov.errors import EgovError
from egov.sources import SOURCE_KEYS

DEFAULT_MEMORY_SCALES = (0.25, 1.0, 4.0)

AfterLoad = Callable[[dict[str, str], Path, list[dict[str, Any]]], dict[str, Any]]
"""measure_run's hook on the loaded warehouse: (loader env, work folder, kept spool parts)."""


def measure_run(
    label: str,
    kind: str,
    months: list[str],
    scale: float,
    seed: int,
    workers: int,
    max_batches: int = 0,
    keep_rows: int = 0,
    after_load: AfterLoad | None = None,
) -> RunResult:
    """Generate the months' world, then land, gate and raw-COPY them against a fresh warehouse.

    `after_load(env, work, kept)` runs while the warehouse and the simulator are still up
    (env: the loader's settings; kept: the spooled tables `keep_rows` kept); its dict goes into
    the result.
    """
    from egov.sources.contract import IRKUTSK

    first, last = parse_month(months[0]), parse_month(months[-1])
    with tempfile.TemporaryDirectory(prefix="egov-bench-throughput-") as folder:
        work = Path(folder)
        world = work / "world"
        print(f"{label}: generating {months[0]}..{months[-1]} at scale {scale:g}", file=sys.stderr)
        generation = run_apart(generate, str(world), months[0], months[-1], scale, seed, workers)
        as_of = datetime.combine(next_month(last), clock_time(12), IRKUTSK)
        with embedded_database() as url, simulator_apart(world, as_of) as (urls, sim_peak):
            env = {
                "EGOV_WORLD_DIR": str(world),
                "EGOV_RAW_DIR": str(work / "raw"),
                "EGOV_EPGU_START_AT": datetime.combine(first, clock_time(), IRKUTSK).isoformat(),
                "EGOV_EKC_START_DAY": first.isoformat(),
                "EGOV_WAREHOUSE_URL": url,
                "EGOV_EPGU_URL": urls["epgu_url"],
                "EGOV_EKC_URL": urls["ekc_url"],
                "EGOV_MFC_INBOX": str(world / "inbox" / "mfc"),
                "EGOV_OMSU_INBOX": str(world / "inbox" / "omsu"),
            }
            loaded = run_apart(load_months, env, months, str(work), max_batches, keep_rows)
            extra = after_load(env, work, loaded["kept"]) if after_load is not None else {}
        shutil.rmtree(work / "raw", ignore_errors=True)
    sources = {s: StepFigures(s) for s in SOURCE_KEYS}
    for month in loaded["months"]:
        for plain in month["sources"]:
            sources[plain["source"]].add(step_from_dict(plain))
    return RunResult(
        label,
        kind,
        scale,
        months,
        list(sources.values()),
        loaded["months"],
        loaded["gx_startup_s"],
        generation,
        loaded["peak_rss_mb"],
        sim_peak[0] if sim_peak else math.nan,
        loaded["rss_after_month_mb"],
        extra,
    )


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the benchmark, print the tables and write the JSON figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--months", default="2024-03", help="one-month runs: YYYY-MM[,YYYY-MM…] (default 2024-03)"
    )
    parser.add_argument(
        "--backfill", default=None, help="also one run over FIRST..LAST, e.g. 2023-01..2024-12"
    )
    parser.add_argument(
        "--memory-scales",
        default=",".join(f"{s:g}" for s in DEFAULT_MEMORY_SCALES),
        help="one-month runs of the first month at these scales ('' for none)",
    )
    parser.add_argument("--seed", type=int, default=20240321)
    parser.add_argument("--workers", type=int, default=2, help="world generation processes")
    parser.add_argument(
        "--max-batches",
        type=int,
        default=0,
        help="batches validated together (default: the gate's)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench-results/throughput.json"))
    args = parser.parse_args(argv)
    try:
        months = [m for text in args.months.split(",") if text.strip() for m in month_labels(text)]
        memory_scales = parse_scales(args.memory_scales)
        backfill = month_labels(args.backfill) if args.backfill else None
    except (ValueError, EgovError) as exc:
        parser.error(str(exc))
    from egov.runtime_env import configure_runtime

    configure_runtime(debug=False)
    before = machine()
    results: list[RunResult] = []
    for month in months:
        label = f"{month} ×{args.scale:g}"
        results.append(
            measure_run(
                label, "month", [month], args.scale, args.seed, args.workers, args.max_batches
            )
        )
    for scale in memory_scales:
        if months and scale == args.scale:
            continue  # measured above
        label = f"{(months or ['2024-03'])[0]} ×{scale:g}"
        month = (months or ["2024-03"])[0]
        results.append(
            measure_run(label, "month", [month], scale, args.seed, args.workers, args.max_batches)
        )
    if backfill:
        label = f"{backfill[0]}..{backfill[-1]} ×{args.scale:g}"
        results.append(
            measure_run(
                label, "backfill", backfill, args.scale, args.seed, args.workers, args.max_batches
            )
        )
    markdown = report(results, memory_scales)
    figures = {
        "benchmark": "throughput",
        "target_ratio": TARGET_RATIO,
        "seed": args.seed,
        "defects": "realistic",
        "workers": args.workers,
        "max_batches": args.max_batches or None,
        "runs": [r.as_dict() for r in results],
        "machine": before,
        "loadavg_after": machine()["loadavg_1_5_15"],
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "markdown": markdown,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(markdown)
    print(
        f"\nGX start-up (once per loader process, not in the tables): "
        f"{', '.join(f'{r.gx_startup_s:.2f} s' for r in results)}; load average before "
        f"{before['loadavg_1_5_15']}, after {figures['loadavg_after']}; JSON: {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
