"""Time the quality gate's share of loading one month: `python -m bench.validation_share`.

Issue 4 asks that validating a full month at scale 1.0 adds less than a quarter to that month's
load time. For one month of a simulated world (generated here, or `--world DIR`) the script
starts a throw-away embedded PostgreSQL, serves the world's ЕПГУ and ЕКЦ stores, lands every
source's deliveries with the plain functions of `egov.sources.ingest` (no Prefect), then runs
the steps of `egov.quality.load.validate_and_load` one by one and times them apart:

- parse: finding the pending deliveries, the gate's reference values, reading the deliveries
  back from the raw store and parsing them;
- validation: `egov.quality.gate.validate_batches` (the GX suites and the batch rules);
- write: recording each verdict and merging its accepted rows, one transaction per batch.

Load time is landing + parse + write (the pipeline without the gate) and the validation share
is validation / load time. Building the GX context is timed apart (`gx_startup`): a long-running
worker pays it once. Prints a markdown table and writes the JSON figures to `--out`.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import multiprocessing
import os
import platform
import pstats
import resource
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any, Literal

SOURCES: tuple[str, ...] = ("epgu", "mfc", "omsu", "ekc")
TARGET_SHARE = 0.25
"""Issue 4: validation adds less than a quarter to the month's load time."""
EPGU_WINDOW = timedelta(hours=24)
"""The ingest flow's default window (`window_hours=24`)."""

# --- pure parts (tested without a database) ------------------------------------------------


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


def format_seconds(seconds: float) -> str:
    """Two decimals under 10 s, one above."""
    return f"{seconds:.2f}" if seconds < 10 else f"{seconds:.1f}"


def format_share(share: float) -> str:
    """A fraction as a percentage with one decimal."""
    return f"{share * 100:.1f} %" if math.isfinite(share) else "∞"


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


def month_bounds(month: str) -> tuple[date, date]:
    """The first day of `YYYY-MM` and the first day of the next month."""
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, got {month!r}") from None
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following


def is_month_inbox_file(name: str, source: Literal["mfc", "omsu"], month: str) -> bool:
    """An inbox file name of the month (`mfc_YYYYMMDD.csv`, `omsu_<OKTMO>_<YYYY-MM>.xlsx`)."""
    if source == "mfc":
        return name.startswith(f"mfc_{month.replace('-', '')}") and name.endswith(".csv")
    return name.startswith("omsu_") and name.endswith(f"_{month}.xlsx")


def megabytes(kilobytes: int) -> float:
    """ru_maxrss in MB (kilobytes on Linux, bytes on macOS)."""
    divisor = 1024 * 1024 if sys.platform == "darwin" else 1024
    return round(kilobytes / divisor, 1)


# --- the run -------------------------------------------------------------------------------


def _generate_child(world: str, month: str, scale: float, seed: int, workers: int | None) -> None:
    from egov.simulator.generate import generate_world

    generate_world(
        Path(world), month, month, scale=scale, seed=seed, defects="realistic", workers=workers
    )


def generate_world_apart(
    world: Path, month: str, scale: float, seed: int, workers: int | None
) -> float:
    """Generate the month in a child process (its memory stays out of this one's peak RSS)."""
    started = time.perf_counter()
    child = multiprocessing.get_context("spawn").Process(
        target=_generate_child, args=(str(world), month, scale, seed, workers)
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"generating the world failed (exit code {child.exitcode})")
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


@contextmanager
def embedded_database() -> Iterator[str]:
    """A throw-away embedded PostgreSQL with one empty database; its URL."""
    import psycopg2
    from psycopg2 import sql as pgsql
    from sqlalchemy.engine import make_url

    from egov.warehouse.embedded import _pgserver

    pgdata = Path(tempfile.mkdtemp(prefix="egov-bench-pg-")) / "pgdata"
    server = _pgserver().get_server(pgdata, cleanup_mode="delete")
    try:
        admin_url = str(server.get_uri("postgres"))
        name = f"egov_bench_{uuid.uuid4().hex[:8]}"
        admin = psycopg2.connect(admin_url)
        try:
            admin.autocommit = True
            with admin.cursor() as cur:
                cur.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
        finally:
            admin.close()
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        server.cleanup()
        shutil.rmtree(pgdata.parent, ignore_errors=True)


def _month_inbox(world: Path, target: Path, source: Literal["mfc", "omsu"], month: str) -> Path:
    """A private inbox with the month's files of a reused world (hard links, else copies)."""
    folder = target / source
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted((world / "inbox" / source).iterdir()):
        if path.is_file() and is_month_inbox_file(path.name, source, month):
            try:
                os.link(path, folder / path.name)
            except OSError:
                shutil.copy2(path, folder / path.name)
    return folder


def land_month(source: str, engine: Any, store: Any, first: date, following: date) -> int:
    """Land one source's month with the plain ingest functions; deliveries landed."""
    from egov.settings import get_settings
    from egov.sources import ingest
    from egov.sources.contract import IRKUTSK
    from egov.sources.landing import LandedDelivery

    settings = get_settings()
    if source == "epgu":
        until = datetime.combine(following, clock_time(), IRKUTSK)
        landed = 0
        with ingest.epgu_client(settings) as client:
            for start, end in ingest.plan_epgu_fetch(engine, settings, until, EPGU_WINDOW):
                landed += len(ingest.land_epgu_window(engine, store, client, start, end))
        return landed
    if source == "ekc":
        landed = 0
        with ingest.ekc_client(settings) as client:
            for day in ingest.plan_ekc_fetch(engine, settings, following):
                if isinstance(ingest.land_ekc_day(engine, store, client, day), LandedDelivery):
                    landed += 1
        return landed
    if source not in ("mfc", "omsu"):
        raise ValueError(f"unknown source {source!r}")
    inbox_source: Literal["mfc", "omsu"] = "mfc" if source == "mfc" else "omsu"
    results = ingest.land_inbox(engine, store, inbox_source, settings)
    return sum(isinstance(r, LandedDelivery) for r in results)


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
    from egov.quality.load import (
        batch_summary,
        chunk_pending,
        history_since,
        read_batch_input,
        select_pending,
        select_reference,
        write_verdict,
    )

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


def prepare_warehouse(url: str) -> float:
    """Migrate and load the reference data; seconds taken."""
    from egov.paths import REFERENCE_DIR
    from egov.reference.bundle import read_reference_bundle
    from egov.reference.load import write_reference_bundle
    from egov.warehouse.connection import create_warehouse_engine
    from egov.warehouse.migrations import upgrade_warehouse

    started = time.perf_counter()
    engine = create_warehouse_engine(url)
    try:
        upgrade_warehouse(engine)
        write_reference_bundle(engine, read_reference_bundle(REFERENCE_DIR))
    finally:
        engine.dispose()
    return time.perf_counter() - started


def measure(
    world: Path,
    work: Path,
    month: str,
    *,
    reused: bool,
    max_batches: int,
    profile_dir: Path | None,
) -> tuple[list[SourceFigures], dict[str, float]]:
    """Land and gate every source's month against a fresh warehouse; figures and set-up times."""
    from egov.quality.suites import gx_runtime
    from egov.simulator.server import SimClock, SimulatorServers
    from egov.simulator.store import EkcStore, EpguStore
    from egov.sources.contract import IRKUTSK
    from egov.sources.ingest import raw_store
    from egov.warehouse.connection import create_warehouse_engine

    first, following = month_bounds(month)
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
        if reused:
            env["EGOV_MFC_INBOX"] = str(_month_inbox(world, work / "inbox", "mfc", month))
            env["EGOV_OMSU_INBOX"] = str(_month_inbox(world, work / "inbox", "omsu", month))
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
                    for source in SOURCES:
                        figures = SourceFigures(source)
                        started = time.perf_counter()
                        figures.deliveries = land_month(source, engine, store, first, following)
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


def machine() -> dict[str, Any]:
    """CPU count, RAM, Python version and load average of this machine (others may share it)."""
    ram_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "ram_gib": round(ram_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


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
    month_bounds(month)  # fail early on a bad month
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
            reused=world is not None,
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
        "peak_rss_mb": megabytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss),
        "machine": before,
        "loadavg_after": machine()["loadavg_1_5_15"],
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "markdown": markdown_table([*sources, total]),
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the benchmark, print the table and write the JSON figures."""
    from egov.runtime_env import configure_runtime
    from egov.simulator.generate import default_workers

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
    configure_runtime(debug=False)
    from egov.quality.load import CHUNK_BATCHES

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
        for source in SOURCES:
            path = args.profile / f"validate_{source}.pstats"
            print(f"\n## cProfile of validate_batches, {source} (top 15 by cumulative time)")
            pstats.Stats(str(path)).sort_stats("cumulative").print_stats(15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
