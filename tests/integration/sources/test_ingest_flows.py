"""The four ingest flows against a generated world: real HTTP, real files, real PostgreSQL."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from egov.settings import (
    SIMULATOR_EKC_PASSWORD,
    SIMULATOR_EKC_USER,
    SIMULATOR_EPGU_TOKEN,
    get_settings,
)
from egov.simulator import (
    EkcStore,
    EpguStore,
    SimClock,
    SimulatorServers,
    generate_world,
    to_unix,
)
from egov.sources.contract import IRKUTSK
from egov.sources.http import SourceRejectedError
from egov.sources.ingest_summary import IngestReport, ingest_summary_markdown
from egov.sources.landing import DeliveryOutcome, read_watermark
from flows.ingest import (
    ingest_ekc_calls,
    ingest_epgu_applications,
    ingest_mfc_exports,
    ingest_omsu_reports,
)
from tests.integration.helpers import prepare_warehouse, table_checksums, warehouse_engine

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]

EPGU_FROM = datetime(2024, 3, 1, tzinfo=IRKUTSK)
EPGU_UNTIL = datetime(2024, 3, 4, tzinfo=IRKUTSK)
SERVER_NOW = datetime(2024, 4, 2, 12, 0, tzinfo=IRKUTSK)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    generate_world(folder, "2024-02", "2024-03", scale=0.01, seed=11, defects="realistic")
    return folder


@pytest.fixture
def sources(
    world: Path, tmp_path: Path, warehouse_env: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, SimulatorServers]]:
    """A migrated warehouse, a private copy of the world's inboxes, both servers running."""
    local_world = tmp_path / "world"
    shutil.copytree(world / "inbox", local_world / "inbox")
    prepare_warehouse(warehouse_env)
    servers = SimulatorServers(
        EpguStore.load(world), EkcStore.load(world), clock=SimClock(as_of=SERVER_NOW)
    )
    with servers:
        for key, value in {
            "EGOV_WORLD_DIR": str(local_world),
            "EGOV_RAW_DIR": str(tmp_path / "raw"),
            "EGOV_DATA_DOCS_DIR": str(tmp_path / "data-docs"),
            "EGOV_EPGU_URL": servers.epgu_url,
            "EGOV_EKC_URL": servers.ekc_url,
            "EGOV_EPGU_START_AT": EPGU_FROM.isoformat(),
            "EGOV_EKC_START_DAY": "2024-03-25",
        }.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        yield local_world, servers
    get_settings.cache_clear()


def first_day_rows(result: IngestReport, key: str) -> int:
    return next(b.rows_in for b in result.batches if b.batch_key == key)


def _deliveries(url: str) -> list[tuple[str, str]]:
    with warehouse_engine(url) as engine, engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT source, delivery_key FROM raw.deliveries ORDER BY delivery_id")
        )
        return [(r.source, r.delivery_key) for r in rows]


def test_epgu_lands_every_application_version_of_the_windows_exactly_once(
    world: Path, sources: tuple[Path, SimulatorServers], warehouse_env: str
) -> None:
    store = EpguStore.load(world)
    in_windows = (store.updated_at >= to_unix(EPGU_FROM)) & (store.updated_at < to_unix(EPGU_UNTIL))

    result = ingest_epgu_applications(until=EPGU_UNTIL)
    before = table_checksums(warehouse_env)
    again = ingest_epgu_applications(until=EPGU_UNTIL)

    batches = result.batches
    assert sum(b.rows_in for b in batches) == int(np.count_nonzero(in_windows)) > 0
    assert sum(b.rows_loaded for b in batches) == sum(b.rows_in for b in batches)
    assert {b.status for b in batches} == {"loaded"}
    assert all(o.status == "new" for o in result.deliveries)
    window_keys = {key for source, key in _deliveries(warehouse_env) if "page" not in key}
    assert len(window_keys) == 3  # one manifest per day window, 1..4 March
    # The high-water mark stands at the end: a second run has nothing to fetch or write.
    assert again == IngestReport(deliveries=(), batches=())
    assert table_checksums(warehouse_env) == before


def test_ekc_refetches_the_last_two_days_and_finds_them_unchanged(
    sources: tuple[Path, SimulatorServers], warehouse_env: str
) -> None:
    first = ingest_ekc_calls(today=date(2024, 3, 30))
    before = table_checksums(warehouse_env)
    second = ingest_ekc_calls(today=date(2024, 3, 30))

    days = [f"calls 2024-03-{d}" for d in range(25, 30)]
    assert [o.delivery_key for o in first.deliveries] == days
    assert [b.batch_key for b in first.batches] == days
    assert all(b.rows_in == b.rows_loaded > 300 for b in first.batches)
    assert {o.status for o in second.deliveries} == {"unchanged"}
    assert "calls 2024-03-29" in {o.delivery_key for o in second.deliveries}
    assert second.batches == ()
    assert table_checksums(warehouse_env) == before


def test_a_redelivered_mfc_day_is_landed_as_a_change_of_that_day_only(
    sources: tuple[Path, SimulatorServers], warehouse_env: str
) -> None:
    world, _ = sources
    first = ingest_mfc_exports()
    corrected = world / "inbox" / "mfc" / "mfc_20240305.csv"
    corrected.write_bytes(corrected.read_bytes().rstrip(b"\r\n").rsplit(b"\n", 1)[0] + b"\r\n")
    second = ingest_mfc_exports()

    assert len(first.batches) == 29 + 31  # every day of February and March 2024
    assert all(
        b.rows_in == b.rows_loaded + b.rows_quarantined + b.rows_rejected for b in first.batches
    )
    changed = [o.delivery_key for o in second.deliveries if o.status != "unchanged"]
    assert changed == ["mfc_20240305.csv"]
    assert [b.batch_key for b in second.batches] == ["mfc_20240305.csv"]
    assert second.batches[0].rows_in == first_day_rows(first, "mfc_20240305.csv") - 1


def test_omsu_workbooks_land_and_parse_and_a_badly_named_file_is_reported_not_skipped(
    world: Path, sources: tuple[Path, SimulatorServers], warehouse_env: str
) -> None:
    local_world, _ = sources
    (local_world / "inbox" / "omsu" / "report March.xlsx").write_bytes(b"not a report")
    result = ingest_omsu_reports()

    landed = [o for o in result.deliveries if o.status == "new"]
    ignored = [o for o in result.deliveries if isinstance(o, DeliveryOutcome)]
    expected_files = len(list((world / "inbox" / "omsu").glob("omsu_*.xlsx")))
    assert len(landed) == len(result.batches) == expected_files > 0
    assert all(
        b.rows_in == b.rows_loaded + b.rows_quarantined + b.rows_rejected for b in result.batches
    )
    assert [o.delivery_key for o in ignored] == ["report March.xlsx"]
    assert [o.status for o in ignored] == ["ignored"]
    assert "does not match omsu_<8-digit OKTMO>_<YYYY-MM>.xlsx" in str(ignored[0].error)


def test_a_missing_past_ekc_day_stops_the_run_before_it_so_no_gap_is_left(
    sources: tuple[Path, SimulatorServers], warehouse_env: str
) -> None:
    _, servers = sources
    servers.set_faults("ekc", script=[200, 404])  # 2024-03-25 answers, 2024-03-26 has none

    with pytest.raises(SourceRejectedError, match=r"ekc day 2024-03-26: HTTP 404"):
        ingest_ekc_calls(today=date(2024, 3, 30))
    with warehouse_engine(warehouse_env) as engine, engine.connect() as conn:
        mark = read_watermark(conn, "ekc")
    resumed = ingest_ekc_calls(today=date(2024, 3, 30))

    assert mark is not None and mark.astimezone(IRKUTSK).date() == date(2024, 3, 25)
    # The next run starts again at the landed day (it may still have grown) and the missing one.
    keys = [o.delivery_key for o in resumed.deliveries]
    assert keys[:2] == ["calls 2024-03-25", "calls 2024-03-26"]
    assert resumed.deliveries[1].status == "new"


def test_the_source_credentials_reach_neither_the_warehouse_nor_the_raw_store(
    sources: tuple[Path, SimulatorServers], warehouse_env: str, tmp_path: Path
) -> None:
    epgu = ingest_epgu_applications(until=EPGU_UNTIL)
    ekc = ingest_ekc_calls(today=date(2024, 3, 28))
    secrets = [SIMULATOR_EPGU_TOKEN, SIMULATOR_EKC_USER, SIMULATOR_EKC_PASSWORD]

    with warehouse_engine(warehouse_env) as engine, engine.connect() as conn:
        manifest = conn.execute(sa.text("SELECT d::text FROM raw.deliveries AS d"))
        rows = "\n".join(manifest.scalars())
    blobs = b"".join(gzip.decompress(p.read_bytes()) for p in (tmp_path / "raw").rglob("*.gz"))
    summary = ingest_summary_markdown(
        "epgu", epgu.deliveries + ekc.deliveries, epgu.batches + ekc.batches
    )

    docs = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "data-docs").rglob("*.html"))
    with warehouse_engine(warehouse_env) as engine, engine.connect() as conn:
        quality = "\n".join(
            conn.execute(
                sa.text(
                    "SELECT b::text FROM audit.load_batches AS b UNION ALL "
                    "SELECT r::text FROM audit.expectation_results AS r"
                )
            ).scalars()
        )

    assert rows and blobs and docs and quality
    for secret in secrets:
        assert secret not in docs
        assert secret not in quality
        assert secret not in rows
        assert secret.encode() not in blobs
        assert secret not in summary
