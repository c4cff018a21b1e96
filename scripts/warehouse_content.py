"""Dump a warehouse's business content, ids mapped to natural keys, to compare two builds.

Usage: python scripts/warehouse_content.py URL OUT_DIR, then `diff -r` two OUT_DIRs. Every base
table of raw, core and audit becomes one sorted text file. Surrogate ids are replaced by what
identifies the row they point to (a batch by source, key and checksum; a delivery by source,
key and checksum; a snapshot by date, versions and rows fingerprint; a reference load by
dataset, version and checksum), and wall-clock stamps and run ids are left out: they differ
between two builds by construction. A refactoring that keeps behaviour leaves no difference.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import sqlalchemy as sa

SCHEMAS = ("raw", "core", "audit")
WALL_CLOCK = {
    "raw.deliveries": {"fetched_at", "delivery_id"},
    "raw.source_watermarks": {"advanced_at"},
    "audit.load_batches": {"batch_id", "flow_run_id", "started_at", "finished_at"},
    "audit.reference_loads": {"reference_load_id", "flow_run_id", "loaded_at"},
    "audit.reporting_calendar": {"updated_at"},
    "core.snapshot": {"snapshot_id", "created_at", "inputs_sha256", "max_load_batch_id"},
}
"""Columns that identify a row by a sequence or a clock, not by content."""
BATCH_COLUMNS = {"batch_id", "load_batch_id", "max_load_batch_id"}


def _keys(conn: sa.Connection, query: str) -> dict[int, str]:
    return {int(r[0]): "|".join(str(v) for v in r[1:]) for r in conn.execute(sa.text(query))}


def dump(url: str, folder: Path) -> None:
    """Write one sorted file per table into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        maps = {
            "batch": _keys(
                conn, "SELECT batch_id, source, batch_key, checksum_sha256 FROM audit.load_batches"
            ),
            "delivery_id": _keys(
                conn,
                "SELECT delivery_id, source, delivery_key, checksum_sha256 FROM raw.deliveries",
            ),
            "snapshot_id": _keys(
                conn,
                "SELECT snapshot_id, as_of_date, methodology_version, plan_version, rows_sha256 "
                "FROM core.snapshot",
            ),
            "reference_load_id": _keys(
                conn,
                "SELECT reference_load_id, dataset, dataset_version, checksum_sha256 "
                "FROM audit.reference_loads",
            ),
        }
        tables = conn.execute(
            sa.text(
                "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE' AND table_schema = ANY(:schemas) ORDER BY 1"
            ),
            {"schemas": list(SCHEMAS)},
        ).scalars()
        for table in list(tables):
            result = conn.execute(sa.text(f"SELECT * FROM {table}"))  # noqa: S608 (catalogue names)
            columns = list(result.keys())
            skip = WALL_CLOCK.get(table, set())
            lines = []
            for row in result:
                values = []
                for column, value in zip(columns, row, strict=True):
                    if column in skip:
                        continue
                    kind = "batch" if column in BATCH_COLUMNS else column
                    if kind in maps and value is not None:
                        value = maps[kind].get(int(value), f"?{value}")
                    values.append(f"{column}={json.dumps(value, default=str, sort_keys=True)}")
                lines.append("\t".join(values))
            lines.sort()
            (folder / f"{table}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            print(f"{table}: {len(lines)} rows")
    engine.dispose()


if __name__ == "__main__":
    dump(sys.argv[1], Path(sys.argv[2]))
