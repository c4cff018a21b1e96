"""Behaviour of the municipality file reader: validation, history, population estimates."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from egov.errors import ReferenceFileError
from egov.reference.bundle import read_reference_bundle
from egov.reference.municipalities import COLUMNS, RegionFacts, read_municipalities

FACTS = RegionFacts(
    census_population=1000,
    census_year=2021,
    expected_municipalities=3,
    expected_municipalities_on=(date(2023, 1, 1),),
    source_file="region.yaml",
)


def _row(code: str, **overrides: str) -> dict[str, str]:
    row = {
        "oktmo": code,
        "name": f"МО {code}",
        "kind": "МР",
        "kind_change": "",
        "admin_center": "с. Центр",
        "population": "",
        "population_year": "",
        "oktmo_verified": "yes",
        "valid_from": "2014-01-01",
        "valid_to": "",
        "successor_oktmo": "",
    }
    row.update(overrides)
    return row


def _write(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_repository_file_has_42_municipalities_with_unverified_ones_marked() -> None:
    bundle = read_reference_bundle(Path("reference"))
    rows = bundle.municipalities.rows
    assert len(rows) == 42
    assert {r["oktmo"] for r in rows if not r["is_oktmo_verified"]} == {
        "25618000",
        "25622000",
        "25657000",
    }
    assert sum(r["population_for_rates"] for r in rows) == 2_370_102


def test_blank_populations_share_the_census_remainder_equally_and_are_flagged(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path / "m.csv",
        [
            _row("25000001", population="400", population_year="2021"),
            _row("25000002"),
            _row("25000003"),
        ],
    )
    by_code = {m.oktmo: m for m in read_municipalities(path, FACTS, "m.csv")}
    assert by_code["25000001"].population_for_rates == 400
    assert not by_code["25000001"].is_population_estimated
    assert by_code["25000002"].population_for_rates == 300
    assert by_code["25000003"].is_population_estimated
    assert by_code["25000003"].population is None  # the census figure stays blank


def test_estimates_add_up_to_the_census_total_when_the_remainder_does_not_divide(
    tmp_path: Path,
) -> None:
    facts = RegionFacts(1001, 2021, 3, (date(2023, 1, 1),), "region.yaml")
    path = _write(tmp_path / "m.csv", [_row("25000001"), _row("25000002"), _row("25000003")])
    items = read_municipalities(path, facts, "m.csv")
    assert sorted(m.population_for_rates or 0 for m in items) == [333, 334, 334]


def test_a_successor_code_keeps_history_and_inherits_an_estimated_population(
    tmp_path: Path,
) -> None:
    rows = [
        _row("25000001", population="400", population_year="2021"),
        _row("25000002", valid_to="2024-12-31", successor_oktmo="25000009"),
        _row("25000003"),
        _row("25000009", kind="МО", valid_from="2025-01-01"),
    ]
    items = read_municipalities(_write(tmp_path / "m.csv", rows), FACTS, "m.csv")
    by_code = {m.oktmo: m for m in items}
    assert by_code["25000009"].population_for_rates == by_code["25000002"].population_for_rates
    assert by_code["25000009"].is_population_estimated
    assert by_code["25000002"].valid_to == date(2024, 12, 31)


def test_duplicate_oktmo_names_file_row_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.csv", [_row("25000001"), _row("25000002"), _row("25000001")])
    with pytest.raises(ReferenceFileError) as caught:
        read_municipalities(path, FACTS, "m.csv")
    assert str(caught.value) == (
        "m.csv, row 4, column 'oktmo': duplicate OKTMO 25000001: its validity overlaps row 2"
    )


def test_missing_column_is_reported_with_its_name(tmp_path: Path) -> None:
    columns = tuple(c for c in COLUMNS if c != "admin_center")
    path = _write(tmp_path / "m.csv", [_row("25000001")], columns)
    with pytest.raises(
        ReferenceFileError,
        match=r"m\.csv, row 1, column 'admin_center': required column is missing",
    ):
        read_municipalities(path, FACTS, "m.csv")


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [
        ({"oktmo": "2570100"}, "oktmo", "is not an 8-digit OKTMO code"),
        ({"kind": "район"}, "kind", "is not one of ГО, МР, МО"),
        (
            {"population": "12 000", "population_year": "2021"},
            "population",
            "is not a whole number",
        ),
        (
            {"population": "100"},
            "population_year",
            "must be given exactly when population is given",
        ),
        ({"oktmo_verified": "maybe"}, "oktmo_verified", "is not one of yes, no"),
        ({"valid_from": "01.01.2014"}, "valid_from", "is not a date in YYYY-MM-DD form"),
        ({"valid_to": "2013-12-31"}, "valid_to", "is not after valid_from"),
        ({"successor_oktmo": "25000002"}, "successor_oktmo", "needs valid_to"),
        ({"name": "  "}, "name", "value is empty"),
    ],
)
def test_bad_values_are_rejected_naming_row_and_column(
    tmp_path: Path, overrides: dict[str, str], column: str, reason: str
) -> None:
    path = _write(
        tmp_path / "m.csv", [_row("25000001"), _row("25000002", **overrides), _row("25000003")]
    )
    with pytest.raises(ReferenceFileError) as caught:
        read_municipalities(path, FACTS, "m.csv")
    assert caught.value.row == 3
    assert caught.value.column == column
    assert reason in caught.value.reason


def test_a_missing_municipality_breaks_the_expected_count(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.csv", [_row("25000001"), _row("25000002")])
    with pytest.raises(
        ReferenceFileError,
        match=r"2 municipalities are valid on 2023-01-01, region\.yaml expects 3",
    ):
        read_municipalities(path, FACTS, "m.csv")


def test_a_successor_without_a_later_row_is_rejected(tmp_path: Path) -> None:
    rows = [
        _row("25000001", valid_to="2024-12-31", successor_oktmo="25000002"),
        _row("25000002"),
        _row("25000003"),
    ]
    with pytest.raises(
        ReferenceFileError, match="successor 25000002 has no row valid after 2024-12-31"
    ):
        read_municipalities(_write(tmp_path / "m.csv", rows), FACTS, "m.csv")
