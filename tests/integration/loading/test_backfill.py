"""Backfills on a real warehouse: idempotent, exact on corrections, crash-safe, race-safe.

A small simulated world (2024-01..2024-02, realistic defects) is generated once and served by
the real HTTP simulator (ЕПГУ, ЕКЦ); every warehouse is a new database on the session's real
PostgreSQL with its own copy of the world's inbox (МФЦ, ОМСУ), and every flow run goes through
the session's temporary Prefect server, in this process or in a child `egov backfill` process.

- A second backfill of the same range writes nothing: every table is byte-identical and every
  chunk reports `skipped_unchanged`.
- A re-delivered МФЦ day, a replaced ОМСУ workbook and ЕПГУ status changes change exactly the
  facts they concern (every other row keeps its load batch), and the snapshot step recomputes
  the month they belong to.
- A backfill killed with SIGKILL inside a batch transaction leaves no half-written batch, and a
  re-run ends with the same business content as a run that was never interrupted; a backfill
  killed in its snapshot step leaves monthly counts that the re-run must bring up to date.
- Two backfills started together validate the same deliveries, and each batch key is still
  loaded exactly once.
- A backfill whose chunks are spread over a Dask cluster of two worker processes
  (`EGOV_DASK_ADDRESS`) leaves the same warehouse as the default in-process runner.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
import sqlalchemy as sa
from prefect.client.schemas.objects import State
from prefect.settings import PREFECT_API_URL
from sqlalchemy.engine import Connection, Engine

from egov.indicators.methodology import current_methodology
from egov.loading.backfill import RunReport, plan_month_chunks
from egov.paths import PROJECT_ROOT
from egov.simulator import EkcStore, EpguStore, SimClock, SimulatorServers, generate_world
from egov.sources import SourceKey
from egov.sources.contract import EPGU_STATUSES, IRKUTSK
from egov.sources.epgu.landing import EPGU_SAFETY_LAG
from egov.sources.omsu import CHANNELS
from flows.pipeline import backfill, pipeline
from flows.snapshots import compute_snapshots
from tests.integration.helpers import (
    egov_settings,
    prepare_warehouse,
    scratch_database,
    table_checksums,
    warehouse_engine,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]

FIRST, LAST = "2024-01", "2024-02"
SCALE = 0.01
SEED = 20240310
AS_OF = datetime(2024, 3, 10, tzinfo=IRKUTSK)
"""The simulator's clock, the backfills' `until` and ЕКЦ's today: every export is final."""
TODAY = AS_OF.date()
EPGU_START = datetime(2024, 1, 1, tzinfo=IRKUTSK)
FIRST_FETCH = datetime(2024, 2, 15, tzinfo=IRKUTSK)
"""`until` of the first backfill in the corrections tests: later ЕПГУ changes come afterwards."""
MARCH = datetime(2024, 3, 1, tzinfo=IRKUTSK)
CHILD_TIMEOUT_SEC = 300.0
COUNT_COLUMNS = ("n_epgu_online", "n_epgu", "n_mfc", "n_omsu_direct", "n_total")
COUNTED_MFC_TEXT = {"Принято": "accepted", "Выдан результат": "issued"}
WITHDRAWN_TEXT = "Отозвано заявителем"


# --- warehouses --------------------------------------------------------------------------


@dataclass(frozen=True)
class Warehouse:
    """A fresh database with the reference data, and its own inbox copy, raw store, Data Docs."""

    url: str
    world: Path
    raw: Path
    data_docs: Path


def make_warehouse(url: str, world: Path, folder: Path) -> Warehouse:
    local = folder / "world"
    shutil.copytree(world / "inbox", local / "inbox")
    prepare_warehouse(url)
    return Warehouse(url, local, folder / "raw", folder / "data-docs")


def egov_env(warehouse: Warehouse, servers: SimulatorServers) -> dict[str, str]:
    return {
        "EGOV_WAREHOUSE_URL": warehouse.url,
        "EGOV_WORLD_DIR": str(warehouse.world),
        "EGOV_RAW_DIR": str(warehouse.raw),
        "EGOV_DATA_DOCS_DIR": str(warehouse.data_docs),
        "EGOV_EPGU_URL": servers.epgu_url,
        "EGOV_EKC_URL": servers.ekc_url,
        "EGOV_EPGU_START_AT": EPGU_START.isoformat(),
        "EGOV_EKC_START_DAY": EPGU_START.date().isoformat(),
    }


@contextmanager
def pointed_at(warehouse: Warehouse, servers: SimulatorServers) -> Iterator[None]:
    """Point this process's settings at a warehouse and the simulator."""
    with egov_settings(egov_env(warehouse, servers)):
        yield


def flow_report(state: State[Any]) -> RunReport:
    report = state.result(raise_on_failure=False)
    assert isinstance(report, RunReport), f"flow ended {state.type.value}: {state.message}"
    return report


def run_backfill(sources: list[SourceKey] | None = None, until: datetime = AS_OF) -> RunReport:
    return flow_report(
        backfill(
            from_month=FIRST,
            to_month=LAST,
            sources=sources,
            until=until,
            today=TODAY,
            return_state=True,
        )
    )


def run_pipeline(period: str, source: SourceKey, until: datetime) -> RunReport:
    return flow_report(
        pipeline(
            period=period,
            sources=[source],
            until=until,
            today=TODAY,
            return_state=True,
        )
    )


def query(url: str, text: str, **params: Any) -> list[dict[str, Any]]:
    with warehouse_engine(url) as engine, engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(text), params).mappings()]


def mszu_codes(url: str) -> set[str]:
    return {r["service_code"] for r in query(url, "SELECT service_code FROM core.dim_service")}


def defect_files(world: Path) -> set[str]:
    manifest = json.loads((world / "world.json").read_text(encoding="utf-8"))
    return {str(d["file"]) for d in manifest["injected_defects"]}


# --- comparing two warehouses ------------------------------------------------------------

Row = tuple[object, ...]
Content = dict[str, Counter[Row]]

COMPARED_SCHEMAS = ("raw", "audit", "core")
# created_at: when a snapshot was computed (core.snapshot), not a source time.
RUN_COLUMNS = frozenset({"flow_run_id", "created_at"})
WALL_CLOCK_SCHEMAS = frozenset({"raw", "audit"})
BATCH_REFERENCES = frozenset({"batch_id", "load_batch_id", "max_load_batch_id"})
DELIVERY_REFERENCES = frozenset({"delivery_id"})
REFERENCE_LOAD_REFERENCES = frozenset({"reference_load_id"})


def _natural_keys(conn: Connection) -> dict[str, dict[str, Row]]:
    batches = conn.execute(
        sa.text(
            "SELECT batch_id, source, batch_key, checksum_sha256, status FROM audit.load_batches"
        )
    )
    deliveries = conn.execute(
        sa.text("SELECT delivery_id, source, delivery_key, checksum_sha256 FROM raw.deliveries")
    )
    loads = conn.execute(
        sa.text("SELECT reference_load_id, dataset, checksum_sha256 FROM audit.reference_loads")
    )
    return {
        "batch": {str(r[0]): ("batch", *r[1:]) for r in batches},
        "delivery": {str(r[0]): ("delivery", *r[1:]) for r in deliveries},
        "reference_load": {str(r[0]): ("reference_load", *r[1:]) for r in loads},
    }


def business_content(url: str, left_out: frozenset[str] = frozenset()) -> Content:
    """Every row of every base table in raw, audit and core, minus what two equal loads differ in.

    Two runs that loaded the same deliveries do not leave byte-identical tables, for reasons that
    say nothing about the data:

    - surrogate keys come from identity sequences, and a transaction that was killed (or lost a
      race) still consumed values, so the numbers of batch_id, delivery_id and
      reference_load_id shift. A column referring to one of them (batch_id, load_batch_id,
      max_load_batch_id, delivery_id, reference_load_id) is therefore replaced by the natural
      key of the row it points to ((source, batch key, checksum, status) of a load batch,
      (source, key, checksum) of a delivery, (dataset, checksum) of a reference load), so the
      comparison still checks which delivery and which batch every row came from;
    - the runs happened at different wall-clock times: in raw and audit every `*_at` column
      records when something ran (fetched_at, advanced_at, started_at, finished_at, loaded_at,
      updated_at), so those are left out. core's `*_at` columns (submitted_at, updated_at,
      accepted_at, started_at) are the sources' own times and are compared;
    - each run is another Prefect flow run: flow_run_id is left out, and so is the time a
      snapshot was computed (core.snapshot.created_at).

    Every other column of every table is compared (as its text form), except the `left_out`
    ones. The tables are listed from information_schema, so a table added later is compared too.
    Returns {schema.table: multiset of rows}.
    """
    content: Content = {}
    with warehouse_engine(url) as engine, engine.connect() as conn:
        keys = _natural_keys(conn)
        columns = conn.execute(
            sa.text(
                "SELECT c.table_schema, c.table_name, c.column_name "
                "FROM information_schema.columns AS c "
                "JOIN information_schema.tables AS t USING (table_schema, table_name) "
                "WHERE t.table_type = 'BASE TABLE' AND c.table_schema = ANY(:schemas) "
                "ORDER BY c.table_schema, c.table_name, c.ordinal_position"
            ),
            {"schemas": list(COMPARED_SCHEMAS)},
        ).all()
        tables: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in columns:
            tables.setdefault((schema, table), []).append(column)
        for (schema, table), names in tables.items():
            kept = [
                n
                for n in names
                if n not in RUN_COLUMNS | left_out
                and not (schema in WALL_CLOCK_SCHEMAS and n.endswith("_at"))
            ]
            mappers: list[Callable[[str | None], object]] = []
            for name in kept:
                if name in BATCH_REFERENCES:
                    mappers.append(_mapper(keys["batch"]))
                elif name in DELIVERY_REFERENCES:
                    mappers.append(_mapper(keys["delivery"]))
                elif name in REFERENCE_LOAD_REFERENCES:
                    mappers.append(_mapper(keys["reference_load"]))
                else:
                    mappers.append(_as_is)
            select = ", ".join(f'"{n}"::text' for n in kept)
            rows = conn.execute(sa.text(f'SELECT {select} FROM "{schema}"."{table}"'))
            content[f"{schema}.{table}"] = Counter(
                tuple(m(v) for m, v in zip(mappers, row, strict=True)) for row in rows
            )
    return content


def _as_is(value: str | None) -> object:
    return value


def _mapper(keys: dict[str, Row]) -> Callable[[str | None], object]:
    def natural(value: str | None) -> object:
        return None if value is None else keys.get(value, ("dangling", value))

    return natural


def content_differences(actual: Content, expected: Content) -> dict[str, dict[str, Any]]:
    """{table: a sample of its unexpected and missing rows} for every table that differs."""
    differences: dict[str, dict[str, Any]] = {}
    for table in sorted(set(actual) | set(expected)):
        got, want = actual.get(table, Counter()), expected.get(table, Counter())
        if got != want:
            differences[table] = {
                "unexpected": list((got - want).elements())[:3],
                "missing": list((want - got).elements())[:3],
                "rows": (sum(got.values()), sum(want.values())),
            }
    return differences


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("backfill-world")
    generate_world(folder, FIRST, LAST, scale=SCALE, seed=SEED, defects="realistic")
    return folder


@pytest.fixture(scope="module")
def servers(world: Path) -> Iterator[SimulatorServers]:
    with SimulatorServers(
        EpguStore.load(world), EkcStore.load(world), clock=SimClock(as_of=AS_OF)
    ) as running:
        yield running


@dataclass(frozen=True)
class Reference:
    """A warehouse after one uninterrupted backfill of the world, and what it held then."""

    warehouse: Warehouse
    report: RunReport
    content: Content
    batches: list[dict[str, Any]]


@pytest.fixture(scope="module")
def reference(
    world: Path,
    servers: SimulatorServers,
    postgres_server_url: str,
    prefect_harness: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Reference]:
    with scratch_database(postgres_server_url) as url:
        warehouse = make_warehouse(url, world, tmp_path_factory.mktemp("reference"))
        with pointed_at(warehouse, servers):
            report = run_backfill()
        batches = query(url, "SELECT * FROM audit.load_batches ORDER BY batch_id")
        yield Reference(warehouse, report, business_content(url), batches)


# --- 1. twice ----------------------------------------------------------------------------


def test_a_second_backfill_finds_every_chunk_unchanged_and_changes_no_byte(
    reference: Reference, servers: SimulatorServers
) -> None:
    first = reference.report
    planned = plan_month_chunks(FIRST, LAST, None)
    assert [(c.source, c.month) for c in first.chunks] == planned
    assert [c for c in first.chunks if c.status in ("failed", "skipped_unchanged")] == []
    for chunk in first.chunks:
        label = (chunk.source, chunk.month)
        assert chunk.rows_in > 0, label
        assert chunk.rows_in == (
            chunk.rows_loaded + chunk.rows_quarantined + chunk.rows_rejected
        ), label
        for batch in chunk.batch_summaries:
            assert batch.rows_in == (
                batch.rows_loaded + batch.rows_quarantined + batch.rows_rejected
            ), batch.batch_key
    # The report accounts for exactly what the warehouse recorded.
    assert sorted(i for c in first.chunks for i in c.batch_ids) == [
        b["batch_id"] for b in reference.batches
    ]
    for column in ("rows_in", "rows_loaded", "rows_quarantined", "rows_rejected"):
        assert sum(getattr(c, column) for c in first.chunks) == sum(
            b[column] for b in reference.batches
        ), column
    assert first.touched_months == (FIRST, LAST)
    url = reference.warehouse.url
    before = table_checksums(url)

    with pointed_at(reference.warehouse, servers):
        second = run_backfill()

    after = table_checksums(url)
    assert {t for t in before.keys() | after.keys() if before.get(t) != after.get(t)} == set()
    assert before["core.fact_mfc_application"][0] > 0
    assert [(c.source, c.month, c.status, c.batches) for c in second.chunks] == [
        (source, month, "skipped_unchanged", 0) for source, month in planned
    ]
    assert second.touched_months == ()


# --- 2. corrections ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def first_fetch(
    world: Path,
    servers: SimulatorServers,
    postgres_server_url: str,
    prefect_harness: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Warehouse]:
    """A warehouse backfilled (ЕПГУ, МФЦ, ОМСУ) with ЕПГУ changes up to FIRST_FETCH only.

    Each corrections test changes one source and compares the warehouse right before and right
    after its own run, so the tests do not depend on each other's order.
    """
    with scratch_database(postgres_server_url) as url:
        warehouse = make_warehouse(url, world, tmp_path_factory.mktemp("corrections"))
        with pointed_at(warehouse, servers):
            report = run_backfill(sources=["epgu", "mfc", "omsu"], until=FIRST_FETCH)
        assert [c for c in report.chunks if c.status == "failed"] == []
        yield warehouse


def rows_by(url: str, table: str, *key: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(r[k] for k in key): r for r in query(url, f"SELECT * FROM {table}")}


def aggregate(url: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    return rows_by(url, "core.agg_application_monthly", "month", "oktmo", "service_code")


def month_of(label: str) -> date:
    return date(int(label[:4]), int(label[5:]), 1)


def count_changes(
    before: dict[tuple[Any, ...], dict[str, Any]], after: dict[tuple[Any, ...], dict[str, Any]]
) -> dict[tuple[Any, ...], dict[str, int]]:
    """{aggregate key: {count column: after − before}} where some count moved (no row = 0)."""
    changes: dict[tuple[Any, ...], dict[str, int]] = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key, {}), after.get(key, {})
        delta = {c: int(new.get(c, 0)) - int(old.get(c, 0)) for c in COUNT_COLUMNS}
        if any(delta.values()):
            changes[key] = {c: d for c, d in delta.items() if d}
    return changes


def add_count(
    changes: dict[tuple[Any, ...], dict[str, int]], key: tuple[Any, ...], **delta: int
) -> None:
    slot = changes.setdefault(key, {})
    for column, value in delta.items():
        slot[column] = slot.get(column, 0) + value
        if slot[column] == 0:
            del slot[column]
    if not slot:
        del changes[key]


def assert_snapshot_recomputed(
    report: RunReport,
    agg_before: dict[tuple[Any, ...], dict[str, Any]],
    agg_after: dict[tuple[Any, ...], dict[str, Any]],
    expected_changes: dict[tuple[Any, ...], dict[str, int]],
) -> None:
    """The snapshot step refreshed the touched months: their counts moved exactly as the facts
    did, and every aggregate row of another month is untouched (lineage column included)."""
    touched = {month_of(m) for m in report.touched_months}
    assert report.snapshots is not None
    assert report.snapshots["months_refreshed"] == list(report.touched_months)
    assert {k[0] for k in expected_changes} <= touched
    assert count_changes(agg_before, agg_after) == expected_changes
    untouched_before = {k: v for k, v in agg_before.items() if k[0] not in touched}
    untouched_after = {k: v for k, v in agg_after.items() if k[0] not in touched}
    assert untouched_after == untouched_before


def test_a_redelivered_mfc_day_replaces_exactly_that_day(
    world: Path, first_fetch: Warehouse, servers: SimulatorServers
) -> None:
    url, mszu = first_fetch.url, mszu_codes(first_fetch.url)
    candidates = query(
        url,
        "SELECT * FROM audit.load_batches WHERE source = 'mfc' AND status = 'loaded' "
        "AND rows_quarantined = 0 AND period_start < :feb ORDER BY rows_loaded DESC, batch_key",
        feb=month_of(LAST),
    )
    old_batch = next(b for b in candidates if b["batch_key"] not in defect_files(world))
    day = old_batch["period_start"]
    path = first_fetch.world / "inbox" / "mfc" / old_batch["batch_key"]
    lines = path.read_bytes().decode("cp1251").split("\r\n")
    before = rows_by(url, "core.fact_mfc_application", "export_day", "case_id")
    agg_before = aggregate(url)
    editable = [
        i
        for i, line in enumerate(lines[1:], start=1)
        if line.rsplit(";", 1)[-1] in COUNTED_MFC_TEXT
        and (day, line.split(";", 1)[0]) in before
        and before[(day, line.split(";", 1)[0])]["service_code"] in mszu
    ]
    changed_line, removed_line = editable[len(editable) // 3], editable[2 * len(editable) // 3]
    changed = (day, lines[changed_line].split(";", 1)[0])
    removed = (day, lines[removed_line].split(";", 1)[0])
    lines[changed_line] = lines[changed_line].rsplit(";", 1)[0] + ";" + WITHDRAWN_TEXT
    del lines[removed_line]
    path.write_bytes("\r\n".join(lines).encode("cp1251"))

    with pointed_at(first_fetch, servers):
        report = run_pipeline(FIRST, "mfc", FIRST_FETCH)

    after = rows_by(url, "core.fact_mfc_application", "export_day", "case_id")
    (chunk,) = report.chunks
    assert (chunk.status, chunk.batches, chunk.deliveries_new) == ("loaded", 1, 1)
    ((new_batch_id, new_key),) = [(b.batch_id, b.batch_key) for b in chunk.batch_summaries]
    assert new_key == old_batch["batch_key"]
    # Every other day: the very same rows, load batch included.
    assert {k: v for k, v in after.items() if k[0] != day} == {
        k: v for k, v in before.items() if k[0] != day
    }
    # The day: replaced by the new file, which differs in one status and one missing row.
    ignored = {"load_batch_id", "source_row"}
    expected_day = {
        k: {c: ("withdrawn" if k == changed and c == "status" else v) for c, v in row.items()}
        for k, row in before.items()
        if k[0] == day and k != removed
    }
    assert before[changed]["status"] != "withdrawn"
    assert removed not in after
    assert {
        k: {c: v for c, v in r.items() if c not in ignored} for k, r in after.items() if k[0] == day
    } == {k: {c: v for c, v in r.items() if c not in ignored} for k, r in expected_day.items()}
    assert {r["load_batch_id"] for k, r in after.items() if k[0] == day} == {new_batch_id}
    # The snapshot: the month's МФЦ counts lose the withdrawn and the removed application.
    expected: dict[tuple[Any, ...], dict[str, int]] = {}
    for key in (changed, removed):
        fact = before[key]
        agg_key = (fact["accepted_month"], fact["oktmo"], fact["service_code"])
        add_count(expected, agg_key, n_mfc=-1, n_total=-1)
    months = {month_of(FIRST)} | {r["accepted_month"] for k, r in before.items() if k[0] == day}
    assert report.touched_months == tuple(sorted(f"{m:%Y-%m}" for m in months))
    assert_snapshot_recomputed(report, agg_before, aggregate(url), expected)


def _header_columns(sheet: Any, first: str) -> tuple[int, dict[str, int]]:
    for row in sheet.iter_rows():
        texts = {str(c.value).strip(): c.column for c in row if c.value is not None}
        if first in texts:
            return row[0].row, texts
    raise AssertionError(f"no header row with {first!r} in sheet {sheet.title}")


def test_a_replaced_omsu_workbook_replaces_exactly_that_municipality_month(
    world: Path, first_fetch: Warehouse, servers: SimulatorServers
) -> None:
    url = first_fetch.url
    candidates = query(
        url,
        "SELECT * FROM audit.load_batches WHERE source = 'omsu' AND status = 'loaded' "
        "AND rows_quarantined = 0 AND period_start = :month ORDER BY batch_key",
        month=month_of(FIRST),
    )
    old_batch = next(b for b in candidates if b["batch_key"] not in defect_files(world))
    oktmo, month = old_batch["oktmo"], old_batch["period_start"]
    figures_before = rows_by(
        url, "core.fact_omsu_service_figures", "oktmo", "report_month", "service_code"
    )
    campaign_before = rows_by(url, "core.fact_omsu_campaign", "oktmo", "report_month", "channel")
    agg_before = aggregate(url)
    # The municipality sends a corrected workbook under the same name: one more application
    # received in person for one service (its total and the Итого row follow), and one more
    # placement on the official site.
    path = first_fetch.world / "inbox" / "omsu" / old_batch["batch_key"]
    book = openpyxl.load_workbook(path)
    sheet = book["Обращения"]
    header_row, columns = _header_columns(sheet, "Код услуги (ФРГУ)")
    code_col, total_col, person_col = (
        columns["Код услуги (ФРГУ)"],
        columns["Всего обращений"],
        columns["лично в ОМСУ"],
    )
    service = None
    for row in range(header_row + 1, sheet.max_row + 1):
        label = sheet.cell(row, 1).value
        code = sheet.cell(row, code_col).value
        if service is None and code is not None and str(label).strip() != "Итого":
            service = str(code).strip()
        if service is not None and (str(code).strip() == service or str(label).strip() == "Итого"):
            for col in (total_col, person_col):
                sheet.cell(row, col).value = int(sheet.cell(row, col).value) + 1
    assert service is not None
    campaign = book["Информирование"]
    channel_row, channel_columns = _header_columns(campaign, "Канал размещения")
    channel = "официальный сайт"
    for row in range(channel_row + 1, campaign.max_row + 1):
        if campaign.cell(row, channel_columns["Канал размещения"]).value == channel:
            cell = campaign.cell(row, channel_columns["Количество размещений"])
            cell.value = int(cell.value) + 1
    book.save(path)

    with pointed_at(first_fetch, servers):
        report = run_pipeline(FIRST, "omsu", FIRST_FETCH)

    (chunk,) = report.chunks
    assert (chunk.status, chunk.batches, chunk.deliveries_new) == ("loaded", 1, 1)
    ((new_batch_id, new_key),) = [(b.batch_id, b.batch_key) for b in chunk.batch_summaries]
    assert new_key == old_batch["batch_key"]
    scope = (oktmo, month)
    edits = {
        "core.fact_omsu_service_figures": (
            figures_before,
            rows_by(url, "core.fact_omsu_service_figures", "oktmo", "report_month", "service_code"),
            (oktmo, month, service),
            ("total_count", "in_person_count"),
        ),
        "core.fact_omsu_campaign": (
            campaign_before,
            rows_by(url, "core.fact_omsu_campaign", "oktmo", "report_month", "channel"),
            (oktmo, month, CHANNELS[channel]),
            ("placements",),
        ),
    }
    for table, (before, after, edited, columns_edited) in edits.items():
        assert {k: v for k, v in after.items() if k[:2] != scope} == {
            k: v for k, v in before.items() if k[:2] != scope
        }, table
        expected = {
            k: {
                **row,
                **{c: row[c] + 1 for c in columns_edited if k == edited},
                "load_batch_id": new_batch_id,
            }
            for k, row in before.items()
            if k[:2] == scope
        }
        assert edited in expected, table
        assert {k: v for k, v in after.items() if k[:2] == scope} == expected, table
    expected_changes: dict[tuple[Any, ...], dict[str, int]] = {}
    add_count(expected_changes, (month, oktmo, service), n_omsu_direct=1, n_total=1)
    assert report.touched_months == (FIRST,)
    assert_snapshot_recomputed(report, agg_before, aggregate(url), expected_changes)


def latest_versions(store: EpguStore, until: datetime) -> dict[str, tuple[int, str]]:
    """{application id: (updated_at, status) of its latest version fetched before `until`}."""
    latest: dict[str, tuple[int, str]] = {}
    start, end = EPGU_START.timestamp(), until.timestamp()
    for i in range(len(store)):
        updated = int(store.updated_at[i])
        if start <= updated < end:
            app = store.application_id(i)
            if app not in latest or latest[app][0] < updated:
                latest[app] = (updated, EPGU_STATUSES[int(store.status[i])])
    return latest


def epgu_counts(
    facts: dict[tuple[Any, ...], dict[str, Any]], mszu: set[str]
) -> dict[tuple[Any, ...], dict[str, int]]:
    counts: dict[tuple[Any, ...], dict[str, int]] = {}
    for fact in facts.values():
        if fact["service_code"] in mszu and (
            fact["status"] not in current_methodology().epgu_excluded_statuses
        ):
            key = (fact["submitted_month"], fact["oktmo"], fact["service_code"])
            online = 0 if fact["requires_visit"] else 1
            add_count(counts, key, n_epgu=1, n_epgu_online=online, n_total=1)
    return counts


def test_epgu_status_changes_update_exactly_the_changed_applications(
    world: Path, first_fetch: Warehouse, servers: SimulatorServers
) -> None:
    url, mszu = first_fetch.url, mszu_codes(first_fetch.url)
    before = rows_by(url, "core.fact_epgu_application", "application_id")
    agg_before = aggregate(url)

    with pointed_at(first_fetch, servers):
        report = run_pipeline(LAST, "epgu", AS_OF)

    after = rows_by(url, "core.fact_epgu_application", "application_id")
    (chunk,) = report.chunks
    assert chunk.status == "loaded"
    # The first backfill fetched changes up to FIRST_FETCH (minus the safety lag), this run the
    # rest of February: exactly the applications whose latest version differs between the two
    # moments changed (new ones and status changes), with the later version's status.
    store = EpguStore.load(world)
    earlier = latest_versions(store, FIRST_FETCH - EPGU_SAFETY_LAG)
    later = latest_versions(store, MARCH)
    expected = {app for app in later if earlier.get(app) != later[app]}
    differing = {k[0] for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert differing == expected
    assert set(before) == {(a,) for a in earlier}
    status_changes = {a for a in expected if a in earlier and earlier[a][1] != later[a][1]}
    assert status_changes, "the world has no status change after FIRST_FETCH"
    assert {a for a in expected if a not in earlier}, "no application submitted after FIRST_FETCH"
    for app in expected:
        fact = after[(app,)]
        assert (int(fact["updated_at"].timestamp()), fact["status"]) == later[app], app
        assert fact["load_batch_id"] in chunk.batch_ids, app
    # The snapshot: every month with a changed application is recomputed, by exactly the change.
    months = {month_of(LAST)} | {after[(a,)]["submitted_month"] for a in expected}
    assert report.touched_months == tuple(sorted(f"{m:%Y-%m}" for m in months))
    changes = epgu_counts(after, mszu)
    for key, counts in epgu_counts(before, mszu).items():
        add_count(changes, key, **{c: -v for c, v in counts.items()})
    assert_snapshot_recomputed(report, agg_before, aggregate(url), changes)


# --- 3. killed and resumed ---------------------------------------------------------------


@dataclass
class Child:
    """An `egov backfill` in its own process, writing its output to a log file."""

    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


def child_env(warehouse: Warehouse, servers: SimulatorServers, folder: Path) -> dict[str, str]:
    """This process's environment without EGOV_/PREFECT_ keys, pointed at the warehouse, the
    simulator and this session's Prefect server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EGOV_", "PREFECT_"))}
    env.update(egov_env(warehouse, servers))
    env.update(
        EGOV_DATA_DOCS_DIR=str(folder / "data-docs"),
        PREFECT_HOME=str(folder / "prefect-home"),
        PREFECT_API_URL=str(PREFECT_API_URL.value()),
    )
    return env


def start_backfill(
    warehouse: Warehouse,
    servers: SimulatorServers,
    folder: Path,
    name: str,
    months: tuple[str, str] = (FIRST, LAST),
    sources: tuple[str, ...] = (),
    extra_env: dict[str, str] | None = None,
) -> Child:
    """`python -m cli.main backfill` with a clean environment, reporting to this session's
    Prefect server (so no child starts a server of its own)."""
    folder.mkdir(parents=True, exist_ok=True)
    env = child_env(warehouse, servers, folder)
    env.update(extra_env or {})
    command = [
        *(sys.executable, "-m", "cli.main", "backfill", "--from", months[0], "--to", months[1]),
        *("--until", AS_OF.strftime("%Y-%m-%dT%H:%M:%S%z"), "--today", TODAY.isoformat()),
        *(option for source in sources for option in ("--source", source)),
    ]
    log = folder / f"{name}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, env=env, cwd=PROJECT_ROOT, stdout=sink, stderr=subprocess.STDOUT
        )
    return Child(process, log)


def wait_for(
    what: str, check: Callable[[], Any], children: list[Child], timeout: float = CHILD_TIMEOUT_SEC
) -> Any:
    """Poll `check` until it returns something truthy; fail early if a child exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        for child in children:
            if child.process.poll() is not None:
                pytest.fail(
                    f"child exited ({child.process.returncode}) before {what}:\n" + child.output()
                )
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}:\n" + "\n".join(c.output() for c in children))


@contextmanager
def watching(engine: Engine) -> Iterator[Connection]:
    """A connection in autocommit: each poll sees fresh activity and committed rows (inside one
    transaction pg_stat_activity would keep showing its first snapshot)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        yield conn


def blocked_by(conn: Connection, pid: int) -> list[dict[str, Any]]:
    """Backends waiting for a lock `pid` holds, with what they hold themselves."""
    rows = conn.execute(
        sa.text(
            "SELECT a.pid, a.backend_xid IS NOT NULL AS has_written, a.query, "
            "EXISTS (SELECT 1 FROM pg_locks AS l WHERE l.pid = a.pid "
            "AND l.locktype = 'advisory' AND l.granted) AS holds_advisory_lock "
            "FROM pg_stat_activity AS a WHERE :pid = ANY(pg_blocking_pids(a.pid))"
        ),
        {"pid": pid},
    ).mappings()
    return [dict(r) for r in rows]


def backend_exists(conn: Connection, pid: int) -> bool:
    return bool(
        conn.execute(
            sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        ).scalar()
    )


def half_written_batches(url: str) -> list[dict[str, Any]]:
    """Committed batches whose facts are not all there (or that validated no delivery)."""
    return query(
        url,
        "SELECT b.batch_id, b.source, b.batch_key, b.status, b.rows_loaded, "
        "  (SELECT count(*) FROM audit.batch_deliveries AS d WHERE d.batch_id = b.batch_id) "
        "    AS deliveries, "
        "  (SELECT count(*) FROM core.fact_mfc_application AS f "
        "    WHERE f.load_batch_id = b.batch_id) "
        "  + (SELECT count(*) FROM core.fact_omsu_service_figures AS f "
        "    WHERE f.load_batch_id = b.batch_id) "
        "  + (SELECT count(*) FROM core.fact_omsu_campaign AS f "
        "    WHERE f.load_batch_id = b.batch_id) "
        "  + (SELECT count(*) FROM core.fact_ekc_call AS f WHERE f.load_batch_id = b.batch_id) "
        "  + (SELECT count(*) FROM core.fact_epgu_application AS f "
        "    WHERE f.load_batch_id = b.batch_id) AS facts "
        "FROM audit.load_batches AS b ORDER BY b.batch_id",
    )


def assert_no_half_written_batch(url: str) -> None:
    broken = []
    for b in half_written_batches(url):
        loads = b["status"] in ("loaded", "partial")
        if b["deliveries"] == 0:
            broken.append(b)
        elif b["source"] == "epgu":
            # A later window may carry a newer version of an application: its fact moves on.
            if b["facts"] > b["rows_loaded"] or (not loads and b["facts"]):
                broken.append(b)
        elif b["facts"] != (b["rows_loaded"] if loads else 0):
            broken.append(b)
    assert broken == []


def test_a_backfill_killed_inside_a_batch_resumes_to_the_uninterrupted_result(
    world: Path,
    servers: SimulatorServers,
    reference: Reference,
    fresh_database_url: str,
    tmp_path: Path,
) -> None:
    url = fresh_database_url
    warehouse = make_warehouse(url, world, tmp_path)
    # The blocker: an uncommitted fact row with the key of one row of a mid-January МФЦ day.
    # The child writes that day's batch (batch row, deliveries, results, quarantine) and then
    # waits on the key inside its transaction: that is where it is killed.
    mfc_days = [
        b["period_start"]
        for b in reference.batches
        if b["source"] == "mfc" and b["status"] == "loaded" and b["period_start"].month == 1
    ]
    day = sorted(mfc_days)[len(mfc_days) // 2]
    (blocker_fact,) = query(
        reference.warehouse.url,
        "SELECT * FROM core.fact_mfc_application WHERE export_day = :day "
        "ORDER BY source_row LIMIT 1",
        day=day,
    )
    with warehouse_engine(url) as engine, engine.connect() as blocker, watching(engine) as watch:
        # (Autobegun: the blocker's transaction stays open until the rollback below.)
        blocker_pid = blocker.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        dummy_batch = blocker.execute(
            sa.text(
                "INSERT INTO audit.load_batches (source, batch_key, period_start, period_end, "
                "status, rows_in, rows_loaded, rows_quarantined, rows_rejected, volume, "
                "checksum_sha256, message, started_at, finished_at) VALUES ('mfc', 'blocker', "
                ":day, :day, 'loaded', 0, 0, 0, 0, 0, repeat('0', 64), 'test', now(), now()) "
                "RETURNING batch_id"
            ),
            {"day": day},
        ).scalar_one()
        blocker.execute(
            sa.text(
                "INSERT INTO core.fact_mfc_application (export_day, case_id, accepted_at, "
                "accepted_month, service_code, oktmo, office, status, load_batch_id, source_row) "
                "VALUES (:export_day, :case_id, :accepted_at, :accepted_month, :service_code, "
                ":oktmo, :office, :status, :batch, :source_row)"
            ),
            {**blocker_fact, "batch": dummy_batch},
        )
        child = start_backfill(warehouse, servers, tmp_path / "killed", "killed")
        try:
            (waiting,) = wait_for(
                f"the child to block inside the МФЦ {day} batch",
                lambda: blocked_by(watch, blocker_pid),
                [child],
            )
            committed = watch.execute(sa.text("SELECT count(*) FROM audit.load_batches"))
            committed_batches = committed.scalar_one()
            # Inside a batch transaction: the period lock taken, rows already written.
            assert waiting["holds_advisory_lock"], waiting
            assert waiting["has_written"], waiting
            assert "fact_mfc_application" in waiting["query"], waiting
            os.kill(child.process.pid, signal.SIGKILL)
            assert child.process.wait(timeout=30) == -signal.SIGKILL
        finally:
            child.stop()
            blocker.rollback()
        wait_for(
            "the killed child's backend to end",
            lambda: not backend_exists(watch, waiting["pid"]),
            [],
            timeout=60,
        )

    batches = query(url, "SELECT * FROM audit.load_batches ORDER BY batch_id")
    assert 0 < len(batches) == committed_batches < len(reference.batches)
    assert {b["source"] for b in batches} == {"epgu", "mfc"}
    assert [b for b in batches if b["source"] == "mfc" and b["period_start"] >= day] == []
    assert_no_half_written_batch(url)
    assert query(
        url, "SELECT count(*) AS n FROM core.fact_mfc_application WHERE export_day = :day", day=day
    ) == [{"n": 0}]

    with pointed_at(warehouse, servers):
        resumed = run_backfill()

    assert [c for c in resumed.chunks if c.status == "failed"] == []
    assert_no_half_written_batch(url)
    assert content_differences(business_content(url), reference.content) == {}


def test_a_backfill_killed_in_its_snapshot_step_is_snapshotted_by_the_rerun(
    world: Path,
    servers: SimulatorServers,
    fresh_database_url: str,
    tmp_path: Path,
) -> None:
    """Every batch committed, the run killed before its snapshot step finished: the re-run must
    still bring the monthly counts up to date with the facts."""
    url = fresh_database_url
    warehouse = make_warehouse(url, world, tmp_path)
    with warehouse_engine(url) as engine, engine.connect() as gate, watching(engine) as watch:
        gate_pid = gate.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        gate.execute(sa.text("LOCK TABLE core.agg_application_monthly IN EXCLUSIVE MODE"))
        child = start_backfill(
            warehouse, servers, tmp_path / "killed", "killed", (FIRST, FIRST), ("mfc",)
        )
        try:
            wait_for(
                "the child to reach its snapshot step", lambda: blocked_by(watch, gate_pid), [child]
            )
            os.kill(child.process.pid, signal.SIGKILL)
            assert child.process.wait(timeout=30) == -signal.SIGKILL
        finally:
            child.stop()
            gate.rollback()
    # Killed after its last batch: every January МФЦ file has its batch and facts.
    january_files = sorted(p.name for p in (warehouse.world / "inbox" / "mfc").glob("*_202401*"))
    batches = query(url, "SELECT batch_key FROM audit.load_batches ORDER BY batch_key")
    assert [b["batch_key"] for b in batches] == january_files
    assert_no_half_written_batch(url)
    assert query(url, "SELECT count(*) AS n FROM core.agg_application_monthly") == [{"n": 0}]

    with pointed_at(warehouse, servers):
        resumed = flow_report(
            backfill(
                from_month=FIRST,
                to_month=FIRST,
                sources=["mfc"],
                until=AS_OF,
                today=TODAY,
                return_state=True,
            )
        )
        after_rerun = aggregate(url)
        compute_snapshots(months=[FIRST], as_of=TODAY)
    recomputed = aggregate(url)

    assert [c.status for c in resumed.chunks] == ["skipped_unchanged"]
    assert sum(r["n_mfc"] for r in recomputed.values()) > 0
    # The killed run left its months marked stale in the transactions of its batches.
    assert resumed.touched_months == (FIRST,)
    assert after_rerun == recomputed


# --- 4. two at once ----------------------------------------------------------------------


def test_two_concurrent_backfills_load_every_batch_key_once(
    world: Path,
    servers: SimulatorServers,
    reference: Reference,
    fresh_database_url: str,
    tmp_path: Path,
) -> None:
    url = fresh_database_url
    warehouse = make_warehouse(url, world, tmp_path)
    with warehouse_engine(url) as engine, engine.connect() as gate, watching(engine) as watch:
        # Hold back the first batch write until both runs have validated the same deliveries:
        # the first waits on the table with the period lock taken, the second on that lock.
        gate_pid = gate.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        gate.execute(sa.text("LOCK TABLE audit.load_batches IN EXCLUSIVE MODE"))
        children = [
            start_backfill(warehouse, servers, tmp_path / name, name) for name in ("a", "b")
        ]
        try:

            def both_waiting() -> list[dict[str, Any]]:
                first = blocked_by(watch, gate_pid)
                second = [w for f in first for w in blocked_by(watch, f["pid"])]
                return [*first, *second] if first and second else []

            first, second = wait_for("both runs to wait on the first batch", both_waiting, children)
            assert first["holds_advisory_lock"] and not second["holds_advisory_lock"]
            assert "pg_advisory_xact_lock" in second["query"]
            gate.rollback()
            for child in children:
                assert child.process.wait(timeout=CHILD_TIMEOUT_SEC) == 0, child.output()
        finally:
            for child in children:
                child.stop()

    batches = query(url, "SELECT * FROM audit.load_batches ORDER BY batch_id")
    per_key = Counter((b["source"], b["batch_key"]) for b in batches)
    assert {k: n for k, n in per_key.items() if n != 1} == {}
    assert {b["status"] for b in batches} <= {"loaded", "partial", "rejected"}
    assert len(batches) == len(reference.batches)
    assert_no_half_written_batch(url)
    assert content_differences(business_content(url), reference.content) == {}


# --- 6. scale-out ------------------------------------------------------------------------


@contextmanager
def local_dask_cluster(env: dict[str, str]) -> Iterator[Any]:
    """A Dask scheduler with two worker processes (one thread each) started with `env`."""
    from distributed import LocalCluster

    with pytest.MonkeyPatch.context() as patch:
        # Worker processes take the environment of the moment they are spawned.
        for key in [k for k in os.environ if k.startswith(("EGOV_", "PREFECT_"))]:
            patch.delenv(key)
        for key, value in env.items():
            patch.setenv(key, value)
        cluster = LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        )
    try:
        yield cluster
    finally:
        cluster.close()


def test_a_backfill_spread_over_a_dask_cluster_leaves_the_same_warehouse(
    world: Path,
    servers: SimulatorServers,
    reference: Reference,
    fresh_database_url: str,
    tmp_path: Path,
) -> None:
    from distributed import Client, get_task_stream

    url = fresh_database_url
    warehouse = make_warehouse(url, world, tmp_path)
    env = child_env(warehouse, servers, tmp_path / "dask")
    with local_dask_cluster(env) as cluster, Client(cluster) as client:
        with get_task_stream(client) as stream:
            child = start_backfill(
                warehouse,
                servers,
                tmp_path / "dask",
                "dask",
                extra_env={"EGOV_DASK_ADDRESS": cluster.scheduler_address},
            )
            try:
                assert child.process.wait(timeout=CHILD_TIMEOUT_SEC) == 0, child.output()
            finally:
                child.stop()
        workers = {t["worker"] for t in stream.data if str(t["key"]).startswith("load_chunk")}
        ran = [str(t["key"]) for t in stream.data]

    # Every chunk and reconciliation ran on the cluster, and both worker processes took chunks.
    chunks = plan_month_chunks(FIRST, LAST, None)
    assert sum(key.startswith("load_chunk") for key in ran) == len(chunks), ran
    assert sum(key.startswith("reconcile_chunks") for key in ran) == 2, ran
    assert len(workers) == 2, workers
    batches = query(url, "SELECT source, batch_key FROM audit.load_batches")
    assert len(batches) == len(reference.batches)
    assert_no_half_written_batch(url)
    # Which batch is the newest behind a count (a lineage pointer) depends on the order in
    # which concurrent chunks of different sources commit; every other value must be equal.
    newest = frozenset({"max_load_batch_id"})
    assert (
        content_differences(
            business_content(url, newest), business_content(reference.warehouse.url, newest)
        )
        == {}
    )
