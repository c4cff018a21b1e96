"""The throughput run's loader process: land, gate and raw-COPY each month, every step timed."""

from __future__ import annotations

import os
import resource
import sys
import time
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from bench.database import prepare_warehouse
from bench.formatting import format_rate
from bench.processes import current_rss_mb, megabytes, peak_rss_kb
from bench.raw_copy import Spool, create_raw_tables, raw_copy
from bench.step_figures import StepFigures, combine, step_dict
from egov.calendar import next_month, parse_month
from egov.sources import SOURCE_KEYS


def land(source: str, engine: Any, month: date) -> None:
    """Land one source's month as a backfill chunk does (`land_source`, month-scoped)."""
    from egov.loading.chunks import land_source
    from egov.settings import get_settings
    from egov.sources.contract import IRKUTSK

    following = next_month(month)
    until = datetime.combine(following, clock_time(), IRKUTSK)
    land_source(engine, get_settings(), source, month, until=until, today=following)


def gate(
    source: str, engine: Any, store: Any, figures: StepFigures, spool: Spool, max_batches: int
) -> None:
    """The loop of validate_and_load with each step timed; staged rows spooled untimed."""
    from egov.quality.gate import validate_batches
    from egov.quality.load import check_in_transaction, read_batch_input
    from egov.quality.pending import (
        CHUNK_BATCHES,
        chunk_pending,
        history_since,
        select_pending,
        select_reference,
    )
    from egov.quality.unchanged import lock_period
    from egov.quality.write import mark_stale_months, stale_months, write_verdict

    started = time.perf_counter()
    with engine.connect() as conn:
        pending = select_pending(conn, source)
    figures.parse_s += time.perf_counter() - started
    for chunk in chunk_pending(pending, max_batches or CHUNK_BATCHES):
        started_at = datetime.now(UTC)
        t0 = time.perf_counter()
        with engine.connect() as conn:
            reference = select_reference(conn, source, history_since(chunk))
            inputs = [read_batch_input(conn, store, source, p) for p in chunk]
        t1 = time.perf_counter()
        verdicts, runs = validate_batches(source, inputs, reference)
        t2 = time.perf_counter()
        del inputs, runs
        write_s = 0.0
        for verdict in verdicts:
            w0 = time.perf_counter()
            with engine.begin() as conn:
                if not lock_period(conn, verdict.batch):
                    continue  # another run holds the period, as validate_and_load skips it
                verdict = check_in_transaction(conn, verdict)
                batch_id = write_verdict(conn, verdict, started_at, None)
                if verdict.status != "rejected":
                    # validate_and_load hands the months to the snapshot step in this transaction
                    mark_stale_months(conn, stale_months(verdict))
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


def load_months(
    env: dict[str, str], months: list[str], work: str, max_batches: int, keep_rows: int = 0
) -> dict[str, Any]:
    """Land, gate and raw-COPY each month in turn (in a child process); the figures.

    With `keep_rows`, the first spooled tables (months in order, tables by name) are kept on
    disk until that many rows are, for a reference load after this process ends.
    """
    # The settings and the runtime read the environment: set it before importing them.
    os.environ.update(env)
    from egov.runtime_env import configure_runtime

    configure_runtime(debug=False)
    from egov.quality.conform import CORE_TABLES
    from egov.quality.suites import gx_runtime
    from egov.settings import get_settings
    from egov.sources.ingest import raw_store
    from egov.warehouse.connection import create_warehouse_engine

    get_settings.cache_clear()
    prepare_warehouse(env["EGOV_WAREHOUSE_URL"])
    started = time.perf_counter()
    gx_runtime()
    gx_startup_s = time.perf_counter() - started
    table_source = {table: source for (source, _), table in CORE_TABLES.items()}
    engine = create_warehouse_engine(env["EGOV_WAREHOUSE_URL"])
    store = raw_store(get_settings())
    spool = Spool(Path(work) / "spool")
    per_month: list[dict[str, Any]] = []
    rss_after: list[float] = []
    kept: list[dict[str, Any]] = []
    try:
        create_raw_tables(engine)
        for label in months:
            month = parse_month(label)
            figures: dict[str, StepFigures] = {s: StepFigures(s) for s in SOURCE_KEYS}
            for source in SOURCE_KEYS:
                t0 = time.perf_counter()
                land(source, engine, month)
                figures[source].landing_s += time.perf_counter() - t0
                gate(source, engine, store, figures[source], spool, max_batches)
                # Peak so far after each source: which source's deliveries set the peak.
                peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"    {label} {source}: peak RSS so far {peak_mb:.0f} MB", file=sys.stderr)
            for table, (rows, seconds) in raw_copy(engine, spool).items():
                figures[table_source[table]].raw_rows += rows
                figures[table_source[table]].raw_s += seconds
            budget = keep_rows - sum(part["rows"] for part in kept)
            kept += spool.keep(Path(work) / "keep" / label, label, budget)
            spool.clear()
            rss_after.append(current_rss_mb())
            per_month.append(
                {"month": label, "sources": [step_dict(figures[s]) for s in SOURCE_KEYS]}
            )
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
        "peak_rss_mb": megabytes(peak_rss_kb()),
        "rss_after_month_mb": rss_after,
        "kept": kept,
    }
