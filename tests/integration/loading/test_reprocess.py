"""Re-processing from the raw store: a delivery rejected for a reference gap loads once the gap
is fixed, as a new batch beside the old one, and a second re-processing changes nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from egov.loading.reprocess import reprocess_source
from egov.quality.load import validate_and_load
from egov.settings import get_settings
from egov.simulator import generate_world
from egov.sources.ingest import land_inbox, raw_store
from flows.pipeline import reprocess
from tests.integration.helpers import prepare_warehouse, table_checksums, warehouse_engine

pytestmark = pytest.mark.integration

MARCH = date(2024, 3, 1)


@pytest.fixture
def omsu_inbox(
    tmp_path: Path, warehouse_env: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """An ОМСУ inbox holding one municipality's March form, the settings pointed at it."""
    world = tmp_path / "world"
    generate_world(world, "2024-03", "2024-03", scale=0.005, defects="none", workers=1)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    form = sorted((world / "inbox" / "omsu").glob("omsu_*_2024-03.xlsx"))[0]
    shutil.copy(form, inbox)
    monkeypatch.setenv("EGOV_OMSU_INBOX", str(inbox))
    monkeypatch.setenv("EGOV_RAW_DIR", str(tmp_path / "raw"))
    get_settings.cache_clear()
    prepare_warehouse(warehouse_env)
    yield inbox
    get_settings.cache_clear()


def _forget_municipality(engine: Engine, oktmo: str) -> list[dict[str, Any]]:
    """Take the municipality out of the dimension (a reference file that lacks it)."""
    with engine.begin() as conn:
        rows = conn.exec_driver_sql(
            "DELETE FROM core.dim_municipality WHERE oktmo = %(oktmo)s RETURNING *",
            {"oktmo": oktmo},
        )
        return [dict(r) for r in rows.mappings()]


def _restore_municipality(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for row in rows:
            columns = ", ".join(row)
            values = ", ".join(f"%({c})s" for c in row)
            conn.exec_driver_sql(
                f"INSERT INTO core.dim_municipality ({columns}) VALUES ({values})", row
            )


def _batches(engine: Engine) -> list[tuple[int, str, str | None]]:
    with engine.connect() as conn:
        return [
            (int(r[0]), str(r[1]), r[2])
            for r in conn.exec_driver_sql(
                "SELECT batch_id, status, verdict_sha256 FROM audit.load_batches ORDER BY 1"
            )
        ]


def test_a_form_rejected_for_an_unknown_oktmo_loads_after_the_reference_gains_it(
    omsu_inbox: Path, warehouse_env: str
) -> None:
    settings = get_settings()
    (form,) = omsu_inbox.iterdir()
    oktmo = form.name.split("_")[1]
    with warehouse_engine(warehouse_env) as engine:
        forgotten = _forget_municipality(engine, oktmo)
        land_inbox(engine, raw_store(settings), "omsu", settings)
        (rejected,), _ = validate_and_load(engine, raw_store(settings), "omsu")
        assert rejected.status == "rejected"
        assert any("oktmo" in failed.rule for failed in rejected.failed_rules)
        deliveries_before = table_checksums(warehouse_env)["raw.deliveries"]
        form.unlink()  # the source is not asked again: only the raw store is read

        _restore_municipality(engine, forgotten)
        (reloaded,) = reprocess_source(engine, raw_store(settings), "omsu", MARCH, MARCH)

        assert reloaded.status == "loaded"
        assert reloaded.rows_in == rejected.rows_in
        assert reloaded.rows_in == (
            reloaded.rows_loaded + reloaded.rows_quarantined + reloaded.rows_rejected
        )
        history = _batches(engine)
        assert [(b[0], b[1]) for b in history] == [
            (rejected.batch_id, "rejected"),
            (reloaded.batch_id, "loaded"),
        ]
        assert history[0][2] is None and history[1][2] is not None
        with engine.connect() as conn:
            cited = conn.exec_driver_sql(
                "SELECT DISTINCT load_batch_id FROM core.fact_omsu_service_figures"
            ).scalars()
            assert list(cited) == [reloaded.batch_id]
        assert table_checksums(warehouse_env)["raw.deliveries"] == deliveries_before


def test_re_processing_twice_changes_nothing(
    omsu_inbox: Path, warehouse_env: str, prefect_harness: None
) -> None:
    settings = get_settings()
    with warehouse_engine(warehouse_env) as engine:
        land_inbox(engine, raw_store(settings), "omsu", settings)
        (loaded,), _ = validate_and_load(engine, raw_store(settings), "omsu")
        assert loaded.status == "loaded"

    first = reprocess(source="omsu", from_month="2024-03", to_month="2024-03")
    after_first = table_checksums(warehouse_env)
    second = reprocess(source="omsu", from_month="2024-03", to_month="2024-03")

    assert [b.status for b in first.chunks[0].batch_summaries] == ["loaded"]
    (unchanged,) = second.chunks[0].batch_summaries
    assert unchanged.status == "skipped_unchanged"
    assert unchanged.message.startswith("same verdict as batch")
    assert table_checksums(warehouse_env) == after_first
