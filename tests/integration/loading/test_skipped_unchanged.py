"""A delivery equal to the batch in force is recorded `skipped_unchanged` and writes no fact."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from egov.quality.load import validate_and_load
from egov.quality.summary import BatchSummary
from egov.settings import get_settings
from egov.simulator import generate_world
from egov.sources.ingest import land_inbox, raw_store
from egov.warehouse.sql import run_sql
from tests.integration.helpers import prepare_warehouse, table_checksums, warehouse_engine

pytestmark = pytest.mark.integration


@pytest.fixture
def mfc_inbox(
    tmp_path: Path, warehouse_env: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """An МФЦ inbox holding one real export day, with the settings pointed at it."""
    world = tmp_path / "world"
    generate_world(world, "2024-03", "2024-03", scale=0.005, defects="none", workers=1)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(world / "inbox" / "mfc" / "mfc_20240305.csv", inbox)
    monkeypatch.setenv("EGOV_MFC_INBOX", str(inbox))
    monkeypatch.setenv("EGOV_RAW_DIR", str(tmp_path / "raw"))
    get_settings.cache_clear()
    prepare_warehouse(warehouse_env)
    yield inbox
    get_settings.cache_clear()


def test_the_previous_file_put_back_after_a_rejected_correction_is_skipped_unchanged(
    mfc_inbox: Path, warehouse_env: str
) -> None:
    settings = get_settings()
    export = mfc_inbox / "mfc_20240305.csv"
    original = export.read_bytes()
    with warehouse_engine(warehouse_env) as engine:

        def deliver(content: bytes) -> list[BatchSummary]:
            export.write_bytes(content)
            land_inbox(engine, raw_store(settings), "mfc", settings)
            batches, _ = validate_and_load(engine, raw_store(settings), "mfc")
            return batches

        (first,) = deliver(original)
        assert first.status == "loaded"
        header = original.split(b"\r\n", 1)[0] + b"\r\n"
        (empty,) = deliver(header)  # a correction that empties the day is rejected
        assert empty.status == "rejected"
        before = table_checksums(warehouse_env)

        (again,) = deliver(original)

        assert again.status == "skipped_unchanged"
        assert again.message == f"same checksum as batch {first.batch_id}"
        after = table_checksums(warehouse_env)
        assert after["core.fact_mfc_application"] == before["core.fact_mfc_application"]
        with engine.connect() as conn:
            (last,) = run_sql(conn, "loading/select_last_batches", {"limit_rows": 1}).mappings()
            facts_batch = conn.exec_driver_sql(
                "SELECT DISTINCT load_batch_id FROM core.fact_mfc_application"
            ).scalars()
            assert list(facts_batch) == [first.batch_id]  # the facts still cite the original
        assert (last["batch_id"], last["status"]) == (again.batch_id, "skipped_unchanged")
