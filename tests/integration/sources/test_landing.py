"""Raw landing on a real PostgreSQL: content-addressed bytes, unchanged deliveries, watermarks."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from egov.sources.landing import (
    RawStore,
    RawStoreError,
    advance_watermark,
    land_delivery,
    read_landed,
    read_watermark,
)
from egov.warehouse.migrations import upgrade_warehouse
from tests.integration.helpers import table_checksums, warehouse_engine

pytestmark = pytest.mark.integration


@pytest.fixture
def engine(fresh_database_url: str) -> Iterator[Engine]:
    with warehouse_engine(fresh_database_url) as engine:
        upgrade_warehouse(engine)
        yield engine


def _land(engine: Engine, store: RawStore, content: bytes, key: str = "mfc_20240105.csv"):
    with engine.begin() as conn:
        return land_delivery(
            conn,
            store,
            source="mfc",
            delivery_key=key,
            period_start=date(2024, 1, 5),
            period_end=date(2024, 1, 5),
            content=content,
            media_type="text/csv",
            metadata={"file": key},
        )


def test_a_delivery_is_stored_by_checksum_and_reads_back_verified(
    engine: Engine, tmp_path: Path
) -> None:
    store = RawStore(tmp_path / "raw")
    landed = _land(engine, store, "Номер дела;ОКТМО\n".encode("cp1251"))

    with engine.connect() as conn:
        row, content = read_landed(conn, store, landed.delivery_id)

    assert landed.status == "new"
    assert content == "Номер дела;ОКТМО\n".encode("cp1251")
    assert row["checksum_sha256"] == landed.checksum_sha256
    assert (tmp_path / "raw" / landed.blob_path).name == f"{landed.checksum_sha256}.gz"
    assert row["metadata"] == {"file": "mfc_20240105.csv"}


def test_landing_the_same_bytes_again_is_unchanged_and_leaves_the_warehouse_identical(
    engine: Engine, fresh_database_url: str, tmp_path: Path
) -> None:
    store = RawStore(tmp_path / "raw")
    first = _land(engine, store, b"a;b\n")
    before = table_checksums(fresh_database_url)
    again = _land(engine, store, b"a;b\n")

    assert again.status == "unchanged"
    assert again.delivery_id == first.delivery_id
    assert table_checksums(fresh_database_url) == before


def test_a_corrected_redelivery_is_a_new_delivery_under_the_same_key(
    engine: Engine, tmp_path: Path
) -> None:
    store = RawStore(tmp_path / "raw")
    first = _land(engine, store, b"a;b\n")
    corrected = _land(engine, store, b"a;b\nc;d\n")
    reverted = _land(engine, store, b"a;b\n")

    assert corrected.status == "changed"
    assert corrected.delivery_id > first.delivery_id
    # Going back to the first content is a change relative to the latest delivery.
    assert reverted.status == "changed"
    assert reverted.blob_path == first.blob_path


def test_a_tampered_blob_is_refused_instead_of_parsed(engine: Engine, tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw")
    landed = _land(engine, store, b"a;b\n")
    (tmp_path / "raw" / landed.blob_path).write_bytes(gzip.compress(b"x;y\n"))

    with engine.connect() as conn, pytest.raises(RawStoreError, match="does not match"):
        read_landed(conn, store, landed.delivery_id)


def test_the_watermark_only_moves_forward(engine: Engine) -> None:
    later = datetime(2024, 3, 2, tzinfo=UTC)
    earlier = datetime(2024, 3, 1, tzinfo=UTC)
    with engine.begin() as conn:
        assert read_watermark(conn, "epgu") is None
        advance_watermark(conn, "epgu", later)
        advance_watermark(conn, "epgu", earlier)
    with engine.connect() as conn:
        assert read_watermark(conn, "epgu") == later
        assert read_watermark(conn, "ekc") is None
