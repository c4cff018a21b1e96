"""The load-reference-data flow against a real PostgreSQL and a real Prefect server."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from egov.errors import ReferenceFileError, WarehouseError
from egov.warehouse.migrations import upgrade_warehouse
from flows.reference import load_reference_data
from tests.integration.helpers import table_checksums, warehouse_engine

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]


@pytest.fixture
def migrated_warehouse(warehouse_env: str) -> str:
    with warehouse_engine(warehouse_env) as engine:
        upgrade_warehouse(engine)
    return warehouse_env


def _scalar(url: str, query: str) -> object:
    with warehouse_engine(url) as engine, engine.connect() as conn:
        return conn.execute(sa.text(query)).scalar_one()


def test_loading_twice_leaves_every_table_identical(
    migrated_warehouse: str, reference_copy: Path
) -> None:
    first = load_reference_data(reference_dir=str(reference_copy))
    after_first = table_checksums(migrated_warehouse)
    second = load_reference_data(reference_dir=str(reference_copy))

    assert {r["dataset"]: r["status"] for r in first} == {
        "channels": "loaded",
        "services": "loaded",
        "municipalities": "loaded",
        "plan_schedule": "loaded",
    }
    assert {r["status"] for r in second} == {"unchanged"}
    assert table_checksums(migrated_warehouse) == after_first
    assert after_first["core.dim_municipality"][0] == 42
    assert after_first["core.dim_service"][0] == 40
    assert after_first["core.plan_milestone"][0] == 2


def _drop_column(path: Path, column: str) -> None:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    kept = [c for c in rows[0] if c != column]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=kept, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("break_file", "message"),
    [
        (
            lambda ref: _drop_column(ref / "municipalities.csv", "admin_center"),
            "reference/municipalities.csv, row 1, column 'admin_center': "
            "required column is missing",
        ),
        (
            lambda ref: _replace(ref / "municipalities.csv", "25703000,", "25701000,"),
            "reference/municipalities.csv, row 3, column 'oktmo': duplicate OKTMO 25701000",
        ),
        (
            lambda ref: _replace(
                ref / "plan_schedules" / "2023.1.yaml", "date: 2024-12-31", "date: 2024-12-32"
            ),
            "reference/plan_schedules/2023.1.yaml, row 23, "
            "column 'indicators.epgu_share.milestones[1].date'",
        ),
        (
            lambda ref: _replace(ref / "services.csv", "municipal,", "municipal,,"),
            "reference/services.csv, row 2: has 8 fields, the header has 7",
        ),
    ],
    ids=["missing-column", "duplicate-oktmo", "bad-plan-date", "extra-field"],
)
def test_a_broken_file_fails_naming_it_and_leaves_the_previous_data_intact(
    migrated_warehouse: str,
    reference_copy: Path,
    break_file: Callable[[Path], None],
    message: str,
) -> None:
    load_reference_data(reference_dir=str(reference_copy))
    before = table_checksums(migrated_warehouse)
    # A valid change elsewhere must not land either: the load is all or nothing.
    _replace(reference_copy / "channels.csv", "МФЦ «Мои документы»", "МФЦ")
    break_file(reference_copy)

    with pytest.raises(ReferenceFileError) as caught:
        load_reference_data(reference_dir=str(reference_copy))
    assert str(caught.value).startswith(message)
    assert table_checksums(migrated_warehouse) == before


def test_a_corrected_catalogue_changes_exactly_the_corrected_rows(
    migrated_warehouse: str, reference_copy: Path
) -> None:
    load_reference_data(reference_dir=str(reference_copy))
    services = reference_copy / "services.csv"
    lines = services.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace("Постановка на учет", "Постановка на учёт")
    del lines[-1]
    services.write_text("".join(lines), encoding="utf-8")

    results = load_reference_data(reference_dir=str(reference_copy))

    by_dataset = {r["dataset"]: r for r in results}
    assert by_dataset["services"]["status"] == "loaded"
    assert (
        by_dataset["services"]["rows_inserted"],
        by_dataset["services"]["rows_updated"],
        by_dataset["services"]["rows_deleted"],
    ) == (0, 1, 1)
    assert by_dataset["municipalities"]["status"] == "unchanged"
    assert _scalar(migrated_warehouse, "SELECT count(*) FROM core.dim_service") == 39
    assert (
        _scalar(
            migrated_warehouse,
            "SELECT count(DISTINCT reference_load_id) FROM core.dim_service",
        )
        == 2
    )  # only the corrected row carries the new load


def test_a_loaded_plan_version_is_never_rewritten_and_nothing_else_lands_with_the_attempt(
    migrated_warehouse: str, reference_copy: Path
) -> None:
    load_reference_data(reference_dir=str(reference_copy))
    before = table_checksums(migrated_warehouse)
    plan = reference_copy / "plan_schedules" / "2023.1.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("target_pct: 50", "target_pct: 55"))
    channels = reference_copy / "channels.csv"
    channels.write_text(channels.read_text(encoding="utf-8").replace("МФЦ «Мои документы»", "МФЦ"))

    with pytest.raises(
        ReferenceFileError, match=r"version 2023\.1 is already loaded with different content"
    ):
        load_reference_data(reference_dir=str(reference_copy))
    assert table_checksums(migrated_warehouse) == before  # the channel change rolled back too


def test_a_new_plan_version_is_added_next_to_the_old_one(
    migrated_warehouse: str, reference_copy: Path
) -> None:
    load_reference_data(reference_dir=str(reference_copy))
    old = (reference_copy / "plan_schedules" / "2023.1.yaml").read_text(encoding="utf-8")
    new = old.replace('version: "2023.1"', 'version: "2024.1"').replace(
        "effective_from: 2023-01-01", "effective_from: 2024-01-01"
    )
    (reference_copy / "plan_schedules" / "2024.1.yaml").write_text(new, encoding="utf-8")

    results = load_reference_data(reference_dir=str(reference_copy))

    assert [(r["version"], r["status"]) for r in results if r["dataset"] == "plan_schedule"] == [
        ("2023.1", "unchanged"),
        ("2024.1", "loaded"),
    ]
    assert _scalar(migrated_warehouse, "SELECT count(*) FROM core.plan_schedule") == 2


def test_an_unmigrated_warehouse_is_refused_before_anything_is_read(
    warehouse_env: str, reference_copy: Path
) -> None:
    with pytest.raises(WarehouseError, match="run `egov warehouse upgrade`"):
        load_reference_data(reference_dir=str(reference_copy))
