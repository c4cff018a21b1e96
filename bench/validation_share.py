"""Time the quality gate's share of loading one month: `python -m bench.validation_share`.

Issue 4 asks that validating a full month at scale 1.0 adds less than a quarter to that month's
load time. For one month of a simulated world (generated here, or `--world DIR`) the script
starts a throw-away embedded PostgreSQL, serves the world's ЕПГУ and ЕКЦ stores, lands every
source's deliveries of the month with the library's month-scoped `land_source` (no Prefect),
then runs the steps of `egov.quality.load.validate_and_load` one by one and times them apart:

- parse: finding the pending deliveries, the gate's reference values, reading the deliveries
  back from the raw store and parsing them;
- validation: `egov.quality.gate.validate_batches` (the GX suites and the batch rules);
- write: recording each verdict and merging its accepted rows, one transaction per batch.

Load time is landing + parse + write (the pipeline without the gate) and the validation share
is validation / load time. Building the GX context is timed apart (`gx_startup`): a long-running
worker pays it once. Prints a markdown table and writes the JSON figures to `--out`.
The figures and their table are in `bench.share_figures`.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from bench.database import embedded_database, prepare_warehouse
from bench.processes import machine, megabytes, peak_rss_kb, run_apart
from bench.share_figures import (
    TARGET_SHARE,
    SourceFigures,
    combine,
    figures_dict,
    markdown_table,
)
from bench.world import generate
from egov.calendar import next_month, parse_month
from egov.errors import EgovError
from egov.sources import SOURCE_KEYS


def generate_world_apart(
    world: Path, month: str, scale: float, seed: int, workers: int | None
) -> float:
    """Generate the month in a child process (its memory stays out of this one's peak RSS)."""
    started = time.perf_counter()
    run_apart(generate, str(world), month, month, scale, seed, workers)
    return time.perf_counter() - started


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables (and drop the cached settings) for the block."""
    from egov.settings import get_settings

    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


def land_month(source: str, engine: Any, month: date) -> int:
    """Land one source's month with the library's month-scoped landing; deliveries landed."""
    from egov.loading.chunks import land_source
    from egov.settings import get_settings
    from egov.sources.contract import IRKUTSK
    from egov.sources.landing import LandedDelivery

    following = next_month(month)
    until = datetime.combine(following, clock_time(), IRKUTSK)
    results = land_source(engine, get_settings(), source, month, until=until, today=following)
    # Ignored and unavailable deliveries come back as DeliveryOutcome: they landed nothing.
    return sum(1 for item in results if isinstance(item, LandedDelivery))


def gate_month(
    source: str,
    engine: Any,
    store: Any,
    figures: SourceFigures,
    *,
    max_batches: int,
    profiler: cProfile.Profile | None = None,
) -> None:
    """The loop of validate_and_load, each step timed into `figures`."""
    from egov.quality.gate import validate_batches
    from egov.quality.load import check_in_transaction, read_batch_input
    from egov.quality.pending import chunk_pending, history_since, select_pending, select_reference
    from egov.quality.write import batch_summary, write_verdict

    started = time.perf_counter()
    with engine.connect() as conn:
        pending = select_pending(conn, source)
    figures.parse_s += time.perf_counter() - started
    gx_results: list[Any] = []  # kept, as validate_and_load keeps them for Data Docs
    for chunk in chunk_pending(pending, max_batches):
        started_at = datetime.now(UTC)
        t0 = time.perf_counter()
        with engine.connect() as conn:
            reference = select_reference(conn, source, history_since(chunk))
            inputs = [read_batch_input(conn, store, source, p) for p in chunk]
        t1 = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        verdicts, runs = validate_batches(source, inputs, reference)
        if profiler is not None:
            profiler.disable()
        t2 = time.perf_counter()
        gx_results += [run.gx_result for run in runs if run.gx_result is not None]
        for verdict in verdicts:
            with engine.begin() as conn:
                # The source's own checks against the warehouse belong to the write, as in
                # validate_and_load (ЕКЦ: calls already loaded from another day's export).
                verdict = check_in_transaction(conn, verdict)
                batch_id = write_verdict(conn, verdict, started_at, None)
            batch_summary(verdict, batch_id)
            figures.batches += 1
            figures.rows += verdict.rows_in
            figures.rows_loaded += verdict.rows_loaded
            figures.rows_quarantined += verdict.rows_quarantined
            figures.rows_rejected += verdict.rows_rejected
            figures.statuses[verdict.status] = figures.statuses.get(verdict.status, 0) + 1
        t3 = time.perf_counter()
        figures.parse_s += t1 - t0
        figures.validation_s += t2 - t1
        figures.validation_chunks_s.append(t2 - t1)
        figures.write_s += t3 - t2
        del inputs, verdicts, runs


def measure(
    world: Path,
    work: Path,
    month: str,
    *,
    max_batches: int,
    profile_dir: Path | None,
) -> tuple[list[SourceFigures], dict[str, float]]:
    """Land and gate every source's month against a fresh warehouse; figures and set-up times."""
    from egov.quality.suites import gx_runtime
    from egov.simulator import EkcStore, EpguStore, SimClock, SimulatorServers
    from egov.sources.contract import IRKUTSK
    from egov.sources.ingest import raw_store
    from egov.warehouse.connection import create_warehouse_engine

    first = parse_month(month)
    following = next_month(first)
    setup: dict[str, float] = {}
    with embedded_database() as url:
        setup["warehouse_s"] = prepare_warehouse(url)
        started = time.perf_counter()
        gx_runtime()
        setup["gx_startup_s"] = time.perf_counter() - started
        env = {
            "EGOV_WORLD_DIR": str(world),
            "EGOV_RAW_DIR": str(work / "raw"),
            "EGOV_EPGU_START_AT": datetime.combine(first, clock_time(), IRKUTSK).isoformat(),
            "EGOV_EKC_START_DAY": first.isoformat(),
            "EGOV_WAREHOUSE_URL": url,
        }
        started = time.perf_counter()
        servers = SimulatorServers(
            EpguStore.load(world),
            EkcStore.load(world),
            clock=SimClock(as_of=datetime.combine(following, clock_time(12), IRKUTSK)),
        )
        setup["store_load_s"] = time.perf_counter() - started
        results: list[SourceFigures] = []
        with servers:
            env["EGOV_EPGU_URL"] = servers.epgu_url
            env["EGOV_EKC_URL"] = servers.ekc_url
            with environment(env):
                from egov.settings import get_settings

                engine = create_warehouse_engine(url)
                store = raw_store(get_settings())
                try:
                    for source in SOURCE_KEYS:
                        figures = SourceFigures(source)
                        started = time.perf_counter()
                        figures.deliveries = land_month(source, engine, first)
                        figures.landing_s = time.perf_counter() - started
                        profiler = cProfile.Profile() if profile_dir is not None else None
                        gate_month(
                            source,
                            engine,
                            store,
                            figures,
                            max_batches=max_batches,
                            profiler=profiler,
                        )
                        if profiler is not None and profile_dir is not None:
                            profile_dir.mkdir(parents=True, exist_ok=True)
                            profiler.dump_stats(str(profile_dir / f"validate_{source}.pstats"))
                        results.append(figures)
                        print(f"{source}: {json.dumps(figures_dict(figures))}", file=sys.stderr)
                finally:
                    engine.dispose()
    return results, setup


def run(
    month: str,
    scale: float,
    seed: int,
    workers: int | None,
    world: Path | None,
    max_batches: int,
    profile_dir: Path | None,
) -> dict[str, Any]:
    """Generate (or reuse) the world, measure, and return the JSON figures."""
    parse_month(month)  # fail early on a bad month
    before = machine()
    with tempfile.TemporaryDirectory(prefix="egov-bench-validation-") as folder:
        work = Path(folder)
        generation_s: float | None = None
        if world is None:
            world_dir = work / "world"
            generation_s = generate_world_apart(world_dir, month, scale, seed, workers)
        else:
            world_dir = world
        sources, setup = measure(
            world_dir,
            work,
            month,
            max_batches=max_batches,
            profile_dir=profile_dir,
        )
    total = combine(sources)
    return {
        "benchmark": "validation_share",
        "month": month,
        "scale": scale if world is None else None,
        "seed": seed if world is None else None,
        "world": str(world) if world is not None else None,
        "defects": "realistic" if world is None else None,
        "max_batches": max_batches,
        "profiled": profile_dir is not None,
        "target_share": TARGET_SHARE,
        "generation_s": round(generation_s, 2) if generation_s is not None else None,
        "setup_s": {k: round(v, 3) for k, v in setup.items()},
        "gx_startup_s": round(setup["gx_startup_s"], 3),
        "sources": [figures_dict(s) for s in sources],
        "total": figures_dict(total),
        "peak_rss_mb": megabytes(peak_rss_kb()),
        "machine": before,
        "loadavg_after": machine()["loadavg_1_5_15"],
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "markdown": markdown_table([*sources, total]),
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the benchmark, print the table and write the JSON figures."""
    from egov.runtime_env import configure_runtime
    from egov.simulator import default_workers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--month", default="2024-03", help="YYYY-MM (default 2024-03)")
    parser.add_argument("--seed", type=int, default=20240321)
    parser.add_argument("--workers", type=int, default=None, help="world generation processes")
    parser.add_argument("--world", type=Path, default=None, help="reuse a generated world")
    parser.add_argument("--max-batches", type=int, default=None, help="default: CHUNK_BATCHES")
    parser.add_argument(
        "--profile", type=Path, default=None, help="cProfile validate_batches into DIR (slower)"
    )
    parser.add_argument("--out", type=Path, default=Path("bench-results/validation_share.json"))
    args = parser.parse_args(argv)
    try:
        parse_month(args.month)
    except EgovError as exc:
        parser.error(str(exc))
    configure_runtime(debug=False)
    from egov.quality.pending import CHUNK_BATCHES

    workers = args.workers if args.workers is not None else default_workers(1, args.scale)
    figures = run(
        args.month,
        args.scale,
        args.seed,
        workers,
        args.world,
        args.max_batches or CHUNK_BATCHES,
        args.profile,
    )
    figures["workers"] = workers if args.world is None else None
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(figures["markdown"])
    print(
        f"\ngx_startup {figures['gx_startup_s']:.2f} s (once per process, not in the table); "
        f"peak RSS {figures['peak_rss_mb']} MB; JSON: {args.out}"
    )
    if args.profile is not None:
        for source in SOURCE_KEYS:
            path = args.profile / f"validate_{source}.pstats"
            print(f"\n## cProfile of validate_batches, {source} (top 15 by cumulative time)")
            pstats.Stats(str(path)).sort_stats("cumulative").print_stats(15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
