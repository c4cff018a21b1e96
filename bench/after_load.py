"""Steps timed on a loaded warehouse: an unchanged re-run of a month, and a snapshot.

Both run in a child process each (spawned by `bench.suite` through `measure_run`'s hook),
with the plain functions the flows call, no Prefect:

- re-run: per source, `egov.loading.chunks.land_source` for the month then
  `egov.quality.load.validate_and_load` (what a backfill chunk does), timed together; before and
  after, the fact row counts and the rows carrying a batch id newer than the last one, to show
  the re-run wrote no fact;
- snapshot: `refresh_monthly_counts` of every month with facts, then `take_snapshot` as of a
  date, then `take_snapshot` again (same inputs: recomputed and compared, nothing stored).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import date, datetime
from datetime import time as clock_time
from typing import Any

from bench.processes import megabytes, peak_rss_kb
from egov.calendar import next_month, parse_month
from egov.sources import SOURCE_KEYS

UNCHANGED = "skipped_unchanged"

# --- pure parts (tested without a database) ------------------------------------------------


def rerun_wrote_nothing(
    facts_before: dict[str, int],
    facts_after: dict[str, int],
    newer_rows: int,
    statuses: Counter[str],
) -> bool:
    """True if the fact counts are equal, no fact row has a newer batch id, and every batch the
    re-run wrote was skipped unchanged."""
    return (
        facts_before == facts_after
        and newer_rows == 0
        and all(status == UNCHANGED for status in statuses)
    )


# --- child processes -----------------------------------------------------------------------


def _setup(env: dict[str, str]) -> Any:
    os.environ.update(env)
    from egov.runtime_env import configure_runtime

    configure_runtime(debug=False)
    from egov.settings import get_settings
    from egov.warehouse.connection import create_warehouse_engine

    get_settings.cache_clear()
    return create_warehouse_engine(env["EGOV_WAREHOUSE_URL"])


def _fact_state(engine: Any, since_batch: int) -> tuple[dict[str, int], int]:
    """Rows per core fact table, and the fact rows whose batch id is above `since_batch`."""
    from psycopg2 import sql as pgsql

    from egov.quality.conform import CORE_TABLES

    counts: dict[str, int] = {}
    newer = 0
    with engine.connect() as conn:
        cursor = conn.connection.cursor()
        for table in sorted(set(CORE_TABLES.values())):
            cursor.execute(
                pgsql.SQL(
                    "SELECT count(*), count(*) FILTER (WHERE load_batch_id > %s) FROM core.{}"
                ).format(pgsql.Identifier(table)),
                (since_batch,),
            )
            total, above = cursor.fetchone()
            counts[table] = int(total)
            newer += int(above)
        cursor.close()
    return counts, newer


def _batch_state(engine: Any) -> tuple[int, int]:
    """(highest batch id, number of batches) of audit.load_batches."""
    from sqlalchemy import text

    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT coalesce(max(batch_id), 0), count(*) FROM audit.load_batches")
        ).one()
    return int(row[0]), int(row[1])


def rerun_unchanged(env: dict[str, str], month_text: str) -> dict[str, Any]:
    """Land and load every source's month again (in a child process); seconds and what changed."""
    engine = _setup(env)
    # Imported before any clock starts: a long-running worker has them loaded already.
    from egov.loading.chunks import land_source
    from egov.quality.load import validate_and_load
    from egov.settings import get_settings
    from egov.sources.contract import IRKUTSK
    from egov.sources.ingest import raw_store

    settings = get_settings()
    month = parse_month(month_text)
    following = next_month(month)
    until = datetime.combine(following, clock_time(), IRKUTSK)  # as the first load had it
    try:
        last_batch, batches_before = _batch_state(engine)
        facts_before, _ = _fact_state(engine, last_batch)
        sources: list[dict[str, Any]] = []
        statuses: Counter[str] = Counter()
        for source in SOURCE_KEYS:
            t0 = time.perf_counter()
            deliveries = land_source(engine, settings, source, month, until=until, today=following)
            t1 = time.perf_counter()
            summaries, _ = validate_and_load(
                engine, raw_store(settings), source, flow_run_id=None, keep_results="failed"
            )
            t2 = time.perf_counter()
            source_statuses = Counter(str(s.status) for s in summaries)
            statuses.update(source_statuses)
            sources.append(
                {
                    "source": source,
                    "seconds": round(t2 - t0, 3),
                    "land_s": round(t1 - t0, 3),
                    "load_s": round(t2 - t1, 3),
                    "deliveries": dict(Counter(str(d.status) for d in deliveries)),
                    "batches": dict(source_statuses),
                    "rows_loaded": sum(s.rows_loaded for s in summaries),
                }
            )
        _, batches_after = _batch_state(engine)
        facts_after, newer_rows = _fact_state(engine, last_batch)
    finally:
        engine.dispose()
    return {
        "month": month_text,
        "sources": sources,
        "facts_before": facts_before,
        "facts_after": facts_after,
        "fact_rows_with_newer_batch": newer_rows,
        "batches_added": batches_after - batches_before,
        "wrote_nothing": rerun_wrote_nothing(facts_before, facts_after, newer_rows, statuses),
        "peak_rss_mb": megabytes(peak_rss_kb()),
    }


def snapshot_timings(env: dict[str, str], as_of_text: str) -> dict[str, Any]:
    """Refresh the monthly counts, snapshot as of the date, snapshot again (a child process)."""
    engine = _setup(env)
    from egov.indicators.methodology import current_methodology
    from egov.indicators.monthly_counts import months_with_facts, refresh_monthly_counts
    from egov.indicators.snapshot import take_snapshot

    as_of = date.fromisoformat(as_of_text)
    methodology = current_methodology()  # read once, as the task does per run
    try:
        months = months_with_facts(engine)
        t0 = time.perf_counter()
        refreshed = refresh_monthly_counts(engine, months, methodology)
        t1 = time.perf_counter()
        first = take_snapshot(engine, as_of, methodology)
        t2 = time.perf_counter()
        again = take_snapshot(engine, as_of, methodology)
        t3 = time.perf_counter()
    finally:
        engine.dispose()
    return {
        "as_of": as_of_text,
        "months_refreshed": len(months),
        "refresh_s": round(t1 - t0, 3),
        "refresh": {
            key: sum(int(r[key]) for r in refreshed) for key in ("inserted", "updated", "deleted")
        },
        "snapshot_s": round(t2 - t1, 3),
        "snapshot": first,
        "again_s": round(t3 - t2, 3),
        "again_is_new": bool(again["is_new"]),
        "same_snapshot": again["snapshot_id"] == first["snapshot_id"] and not again["is_new"],
        "peak_rss_mb": megabytes(peak_rss_kb()),
    }
