"""Loading throughput against a raw COPY of the same rows: `python -m bench.throughput`.

Issue 5 asks for end-to-end records per second for a full month and for the two-year backfill
at scale 1.0, next to a raw `COPY` of the same rows into the same database in the same run, with
end to end at least half the raw COPY rate and peak memory flat as the scale grows.

For each run the script generates a world in a child process, starts a throw-away embedded
PostgreSQL, serves ЕПГУ/ЕКЦ from a simulator in a second child process and loads in a third,
so that each process's peak RSS is its own. The loader lands each month source by source (the
lead's month-scoped landing if `egov.loading.chunks` has it, else the plain ingest functions),
then runs the steps of `validate_and_load` with each step timed: parse, validation, write (one
transaction per batch, stale months marked in it as `validate_and_load` does). End to end =
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
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import multiprocessing
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

SOURCES: tuple[str, ...] = ("epgu", "mfc", "omsu", "ekc")
TARGET_RATIO = 0.5
"""Issue 5: end to end at least half the raw COPY rate."""
EPGU_WINDOW = timedelta(hours=24)
"""The ingest flow's default window (`window_hours=24`)."""
RAW_SCHEMA = "bench_raw"
"""Where the raw COPY tables go (dropped with the throw-away database)."""
DEFAULT_MEMORY_SCALES = (0.25, 1.0, 4.0)

AfterLoad = Callable[[dict[str, str], Path, list[dict[str, Any]]], dict[str, Any]]
"""measure_run's hook on the loaded warehouse: (loader env, work folder, kept spool parts)."""

# --- pure parts (tested without a database) ------------------------------------------------


def parse_month(text: str) -> date:
    """The first day of `YYYY-MM`."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, got {text!r}") from None


def next_month(month: date) -> date:
    """The first day of the following month."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_label(month: date) -> str:
    """'YYYY-MM'."""
    return f"{month.year:04d}-{month.month:02d}"


def month_range(text: str) -> list[str]:
    """'2023-01..2024-12' (or one month) as the list of months, oldest first."""
    first_text, sep, last_text = text.partition("..")
    first = parse_month(first_text)
    last = parse_month(last_text) if sep else first
    if last < first:
        raise ValueError(f"range {text!r} ends before it starts")
    months: list[str] = []
    current = first
    while current <= last:
        months.append(month_label(current))
        current = next_month(current)
    return months


def parse_scales(text: str) -> list[float]:
    """'0.25,1,4' as positive floats, in the given order, without repeats."""
    scales: list[float] = []
    for part in text.split(","):
        if not part.strip():
            continue
        value = float(part)
        if not value > 0:
            raise ValueError(f"scales must be positive, got {part!r}")
        if value not in scales:
            scales.append(value)
    return scales


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


def format_seconds(seconds: float) -> str:
    """Two decimals under 10 s, one above."""
    return f"{seconds:.2f}" if seconds < 10 else f"{seconds:.1f}"


def format_rate(value: float) -> str:
    """Rows per second with thousands separators."""
    return f"{value:,.0f}" if math.isfinite(value) else "–"


def format_ratio(value: float) -> str:
    """A fraction as a percentage."""
    return f"{value * 100:.0f} %" if math.isfinite(value) else "–"


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


def megabytes(kilobytes: int) -> float:
    """ru_maxrss in MB (kilobytes on Linux, bytes on macOS)."""
    divisor = 1024 * 1024 if sys.platform == "darwin" else 1024
    return round(kilobytes / divisor, 1)


def raw_index_sql(indexdef: str, schema: str, table: str) -> str:
    """A core index definition re-pointed at the raw copy of its table, never unique."""
    target = f" ON core.{table} "
    if target not in indexdef:
        raise ValueError(f"not an index of core.{table}: {indexdef!r}")
    return indexdef.replace("CREATE UNIQUE INDEX ", "CREATE INDEX ", 1).replace(
        target, f" ON {schema}.{table} ", 1
    )


def raw_copy_sql(copy_stage_sql: str, schema: str, table: str) -> str:
    """The gate's staging COPY statement re-pointed at the raw copy of the table."""
    stage = f"COPY stage_{table} ("
    if stage not in copy_stage_sql:
        raise ValueError(f"not the staging COPY of {table}: {copy_stage_sql!r}")
    return copy_stage_sql.replace(stage, f"COPY {schema}.{table} (", 1)


# --- child processes -----------------------------------------------------------------------


def _peak_rss_kb(children: bool = False) -> int:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if not children:
        return own
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def _child_main(target: Callable[..., Any], args: tuple[Any, ...], conn: Any) -> None:
    try:
        conn.send(("ok", target(*args)))
    except BaseException:
        conn.send(("error", traceback.format_exc()))
        raise
    finally:
        conn.close()


def run_apart(target: Callable[..., Any], *args: Any) -> Any:
    """Run target(*args) in a fresh spawned process; its result (or its traceback as error)."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child_main, args=(target, args, child))
    process.start()
    child.close()
    try:
        status, value = parent.recv()
    except EOFError:
        status, value = "error", "the child process died without an answer"
    process.join()
    if status != "ok":
        raise RuntimeError(f"{getattr(target, '__name__', target)} failed:\n{value}")
    return value


def generate(
    world: str, first: str, last: str, scale: float, seed: int, workers: int
) -> dict[str, Any]:
    """Generate the world (in a child process); seconds and peak RSS."""
    from egov.simulator.generate import generate_world

    started = time.perf_counter()
    generate_world(
        Path(world), first, last, scale=scale, seed=seed, defects="realistic", workers=workers
    )
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mb": megabytes(_peak_rss_kb(children=True)),
    }


def serve_simulator(world: str, as_of: str, conn: Any) -> None:
    """Serve the world's ЕПГУ and ЕКЦ stores until told to stop (a child process)."""
    from egov.simulator.server import SimClock, SimulatorServers
    from egov.simulator.store import EkcStore, EpguStore

    try:
        servers = SimulatorServers(
            EpguStore.load(Path(world)),
            EkcStore.load(Path(world)),
            clock=SimClock(as_of=datetime.fromisoformat(as_of)),
        )
        with servers:
            conn.send({"epgu_url": servers.epgu_url, "ekc_url": servers.ekc_url})
            conn.recv()  # the stop signal
        conn.send({"peak_rss_mb": megabytes(_peak_rss_kb())})
    except BaseException:
        conn.send({"error": traceback.format_exc()})
        raise
    finally:
        conn.close()


@contextmanager
def simulator_apart(world: Path, as_of: datetime) -> Iterator[tuple[dict[str, str], list[float]]]:
    """The simulator servers in a child process: their URLs, and (after) the child's peak RSS."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=serve_simulator, args=(str(world), as_of.isoformat(), child))
    process.start()
    child.close()
    peak: list[float] = []
    try:
        urls = parent.recv()
        if "error" in urls:
            raise RuntimeError(f"the simulator failed:\n{urls['error']}")
        yield urls, peak
        parent.send("stop")
        peak.append(float(parent.recv()["peak_rss_mb"]))
    finally:
        parent.close()  # a child still waiting for the stop signal sees the pipe close
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()
            process.join()


# --- the loader (runs in its own process) -------------------------------------------------


def _land(source: str, engine: Any, store: Any, month: date) -> None:
    """Land one source's month: the lead's month-scoped landing if present, else ingest's."""
    from egov.settings import get_settings
    from egov.sources import ingest
    from egov.sources.contract import IRKUTSK

    settings = get_settings()
    following = next_month(month)
    until = datetime.combine(following, clock_time(), IRKUTSK)
    try:
        from egov.loading import chunks
    except ImportError:
        chunks = None  # type: ignore[assignment]
    scoped = getattr(chunks, "land_source_month", None) or getattr(chunks, "land_source", None)
    if scoped is not None:
        # The month-scoped landing was being written alongside this script: pass the raw store
        # only if its signature asks for it.
        if "store" in inspect.signature(scoped).parameters:
            scoped(engine, store, settings, source, month, until=until, today=following)
        else:
            scoped(engine, settings, source, month, until=until, today=following)
        return
    if source == "epgu":
        with ingest.epgu_client(settings) as client:
            for start, end in ingest.plan_epgu_fetch(engine, settings, until, EPGU_WINDOW):
                ingest.land_epgu_window(engine, store, client, start, end)
    elif source == "ekc":
        with ingest.ekc_client(settings) as client:
            for day in ingest.plan_ekc_fetch(engine, settings, following):
                ingest.land_ekc_day(engine, store, client, day)
    else:
        ingest.land_inbox(engine, store, source, settings)  # type: ignore[arg-type]


class _Spool:
    """Each core table's staged rows of the month as COPY text on disk (memory stays flat)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.rows: dict[str, int] = {}

    def path(self, table: str) -> Path:
        return self.folder / f"{table}.csv"

    def add(self, verdict: Any, batch_id: int) -> None:
        from egov.quality.conform import CORE_COLUMNS, CORE_TABLES
        from egov.warehouse.sql import csv_text

        if verdict.status == "rejected":
            return
        for dataset, rows in verdict.accepted.items():
            if rows.empty:
                continue
            table = CORE_TABLES[(verdict.batch.source, dataset)]
            staged = rows[list(CORE_COLUMNS[(verdict.batch.source, dataset)])].copy()
            staged["load_batch_id"] = batch_id
            with self.path(table).open("a", encoding="utf-8") as out:
                out.write(csv_text(staged))
            self.rows[table] = self.rows.get(table, 0) + len(staged)

    def keep(self, folder: Path, month: str, budget: int) -> list[dict[str, Any]]:
        """Move whole tables (by name) out of the spool until `budget` rows are kept."""
        kept: list[dict[str, Any]] = []
        for table in sorted(self.rows):
            if budget <= 0:
                break
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{table}.csv"
            shutil.move(self.path(table), target)
            rows = self.rows.pop(table)
            kept.append({"month": month, "table": table, "rows": rows, "path": str(target)})
            budget -= rows
        return kept

    def clear(self) -> None:
        for table in self.rows:
            self.path(table).unlink(missing_ok=True)
        self.rows = {}


def create_raw_tables(engine: Any, schema: str = RAW_SCHEMA) -> None:
    """Empty tables shaped like the core facts, with the same indexes, none unique."""
    from psycopg2 import sql as pgsql

    from egov.quality.conform import CORE_TABLES

    with engine.begin() as conn:
        cursor = conn.connection.cursor()
        cursor.execute(pgsql.SQL("CREATE SCHEMA {}").format(pgsql.Identifier(schema)))
        for table in sorted(set(CORE_TABLES.values())):
            cursor.execute(
                pgsql.SQL(
                    "CREATE TABLE {}.{} (LIKE core.{} INCLUDING ALL EXCLUDING INDEXES)"
                ).format(pgsql.Identifier(schema), pgsql.Identifier(table), pgsql.Identifier(table))
            )
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = 'core' AND tablename = %s",
                (table,),
            )
            for (indexdef,) in cursor.fetchall():
                cursor.execute(raw_index_sql(indexdef, schema, table))
        cursor.close()


def raw_copy(engine: Any, spool: _Spool) -> dict[str, tuple[int, float]]:
    """COPY each spooled table into its raw copy, one statement per table; rows and seconds."""
    from egov.warehouse.sql import load_sql

    out: dict[str, tuple[int, float]] = {}
    for table, rows in spool.rows.items():
        statement = raw_copy_sql(load_sql(f"core/copy_stage_{table}"), RAW_SCHEMA, table)
        started = time.perf_counter()
        with engine.begin() as conn, spool.path(table).open(encoding="utf-8") as data:
            cursor = conn.connection.cursor()
            try:
                cursor.copy_expert(statement, data, size=1 << 20)
            finally:
                cursor.close()
        out[table] = (rows, time.perf_counter() - started)
    return out


def _gate(
    source: str, engine: Any, store: Any, figures: StepFigures, spool: _Spool, max_batches: int
) -> None:
    """The loop of validate_and_load with each step timed; staged rows spooled untimed."""
    from egov.quality import load
    from egov.quality.gate import validate_batches

    lock = getattr(load, "lock_period", None)
    started = time.perf_counter()
    with engine.connect() as conn:
        pending = load.select_pending(conn, source)
    figures.parse_s += time.perf_counter() - started
    for chunk in load.chunk_pending(pending, max_batches or load.CHUNK_BATCHES):
        started_at = datetime.now(UTC)
        t0 = time.perf_counter()
        with engine.connect() as conn:
            reference = load.select_reference(conn, source, load.history_since(chunk))
            inputs = [load.read_batch_input(conn, store, source, p) for p in chunk]
        t1 = time.perf_counter()
        verdicts, runs = validate_batches(source, inputs, reference)
        t2 = time.perf_counter()
        del inputs, runs
        write_s = 0.0
        for verdict in verdicts:
            w0 = time.perf_counter()
            with engine.begin() as conn:
                if lock is not None and not lock(conn, verdict.batch):
                    continue
                batch_id = load.write_verdict(conn, verdict, started_at, None)
                if verdict.status != "rejected":
                    # validate_and_load hands the months to the snapshot step in this transaction
                    load.mark_stale_months(conn, load.stale_months(verdict))
            write_s += time.perf_counter() - w0
            spool.add(verdict, batch_id)
            figures.batches += 1
            figures.rows += verdict.rows_in
            figures.rows_loaded += verdict.rows_loaded
            figures.rows_quarantined += verdict.rows_quarantined
            figures.rows_rejected += verdict.rows_rejected
        figures.parse_s += t1 - t0
        figures.validation_s += t2 - t1
        figures.write_s += write_s
        del verdicts


def _current_rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return math.nan
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024, 1)


def _prepare_warehouse(url: str) -> None:
    from egov.paths import REFERENCE_DIR
    from egov.reference.bundle import read_reference_bundle
    from egov.reference.load import write_reference_bundle
    from egov.warehouse.connection import create_warehouse_engine
    from egov.warehouse.migrations import upgrade_warehouse

    engine = create_warehouse_engine(url)
    try:
        upgrade_warehouse(engine)
        write_reference_bundle(engine, read_reference_bundle(REFERENCE_DIR))
        create_raw_tables(engine)
    finally:
        engine.dispose()


def load_months(
    env: dict[str, str], months: list[str], work: str, max_batches: int, keep_rows: int = 0
) -> dict[str, Any]:
    """Land, gate and raw-COPY each month in turn (in a child process); the figures.

    With `keep_rows`, the first spooled tables (months in order, tables by name) are kept on
    disk until that many rows are, for a reference load after this process ends.
    """
    os.environ.update(env)
    from egov.runtime_env import configure_runtime

    configure_runtime(debug=False)
    from egov.quality.conform import CORE_TABLES
    from egov.quality.suites import gx_runtime
    from egov.settings import get_settings
    from egov.sources.ingest import raw_store
    from egov.warehouse.connection import create_warehouse_engine

    get_settings.cache_clear()
    _prepare_warehouse(env["EGOV_WAREHOUSE_URL"])
    started = time.perf_counter()
    gx_runtime()
    gx_startup_s = time.perf_counter() - started
    table_source = {table: source for (source, _), table in CORE_TABLES.items()}
    engine = create_warehouse_engine(env["EGOV_WAREHOUSE_URL"])
    store = raw_store(get_settings())
    spool = _Spool(Path(work) / "spool")
    per_month: list[dict[str, Any]] = []
    rss_after: list[float] = []
    kept: list[dict[str, Any]] = []
    try:
        for label in months:
            month = parse_month(label)
            figures = {source: StepFigures(source) for source in SOURCES}
            for source in SOURCES:
                t0 = time.perf_counter()
                _land(source, engine, store, month)
                figures[source].landing_s += time.perf_counter() - t0
                _gate(source, engine, store, figures[source], spool, max_batches)
                # Peak so far after each source: which source's deliveries set the peak.
                peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"    {label} {source}: peak RSS so far {peak_mb:.0f} MB", file=sys.stderr)
            for table, (rows, seconds) in raw_copy(engine, spool).items():
                figures[table_source[table]].raw_rows += rows
                figures[table_source[table]].raw_s += seconds
            budget = keep_rows - sum(part["rows"] for part in kept)
            kept += spool.keep(Path(work) / "keep" / label, label, budget)
            spool.clear()
            rss_after.append(_current_rss_mb())
            per_month.append({"month": label, "sources": [step_dict(figures[s]) for s in SOURCES]})
            total = combine(list(figures.values()))
            print(
                f"  {label}: {total.rows:,} rows, end to end {total.end_to_end_s:.1f} s "
                f"({format_rate(total.rate)} rows/s), raw COPY {format_rate(total.raw_rate)} "
                f"rows/s, RSS {rss_after[-1]} MB",
                file=sys.stderr,
                flush=True,
            )
    finally:
        engine.dispose()
    return {
        "months": per_month,
        "gx_startup_s": round(gx_startup_s, 3),
        "peak_rss_mb": megabytes(_peak_rss_kb()),
        "rss_after_month_mb": rss_after,
        "kept": kept,
    }


# --- the driver ----------------------------------------------------------------------------


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
    from bench.validation_share import embedded_database
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
    sources = {s: StepFigures(s) for s in SOURCES}
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
    months = [m for text in args.months.split(",") if text.strip() for m in month_range(text)]
    memory_scales = parse_scales(args.memory_scales)
    backfill = month_range(args.backfill) if args.backfill else None
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
