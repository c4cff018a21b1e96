"""The municipality reference file: validation, history checks and population gap filling."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from egov.errors import ReferenceFileError
from egov.reference.csv_table import CsvRow, read_csv_rows

COLUMNS = (
    "oktmo",
    "name",
    "kind",
    "kind_change",
    "admin_center",
    "population",
    "population_year",
    "oktmo_verified",
    "valid_from",
    "valid_to",
    "successor_oktmo",
)
# ГО городской округ, МР муниципальный район, МО муниципальный округ.
KINDS = ("ГО", "МР", "МО")
OKTMO_PATTERN = r"[0-9]{8}"


@dataclass(frozen=True)
class Municipality:
    """One validity interval of one OKTMO code (grain of core.dim_municipality)."""

    oktmo: str
    valid_from: date
    valid_to: date | None
    name: str
    kind: str
    kind_change_note: str | None
    admin_center: str
    population: int | None
    population_year: int | None
    population_for_rates: int | None
    is_population_estimated: bool
    is_oktmo_verified: bool
    successor_oktmo: str | None
    row: int

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class RegionFacts:
    """Facts about the region as a whole (reference/region.yaml)."""

    census_population: int
    census_year: int
    expected_municipalities: int
    expected_municipalities_on: tuple[date, ...]
    source_file: str

    @property
    def census_date(self) -> date:
        return date(self.census_year, 10, 1)  # the 2021 census ran in October


def _parse_row(row: CsvRow) -> Municipality:
    population = row.integer("population", minimum=1, required=False)
    population_year = row.integer("population_year", minimum=1897, required=False)
    if (population is None) != (population_year is None):
        raise row.error("population_year", "must be given exactly when population is given")
    valid_from = row.iso_date("valid_from")
    assert valid_from is not None
    valid_to = row.iso_date("valid_to", required=False)
    if valid_to is not None and valid_to <= valid_from:
        raise row.error("valid_to", f"{valid_to} is not after valid_from {valid_from}")
    successor = row.matching(
        "successor_oktmo", OKTMO_PATTERN, "an 8-digit OKTMO code", required=False
    )
    if successor is not None and valid_to is None:
        raise row.error("successor_oktmo", "a successor needs valid_to (the code's last day)")
    oktmo = row.matching("oktmo", OKTMO_PATTERN, "an 8-digit OKTMO code")
    assert oktmo is not None
    return Municipality(
        oktmo=oktmo,
        valid_from=valid_from,
        valid_to=valid_to,
        name=row.required_text("name"),
        kind=row.choice("kind", KINDS),
        kind_change_note=row.text("kind_change", required=False),
        admin_center=row.required_text("admin_center"),
        population=population,
        population_year=population_year,
        population_for_rates=population,
        is_population_estimated=False,
        is_oktmo_verified=row.yes_no("oktmo_verified"),
        successor_oktmo=successor,
        row=row.row,
    )


def _check_history(items: list[Municipality], file: str) -> None:
    by_code: dict[str, list[Municipality]] = defaultdict(list)
    for item in items:
        for other in by_code[item.oktmo]:
            overlap_end_a = item.valid_to or date.max
            overlap_end_b = other.valid_to or date.max
            if item.valid_from <= overlap_end_b and other.valid_from <= overlap_end_a:
                raise ReferenceFileError(
                    file,
                    f"duplicate OKTMO {item.oktmo}: its validity overlaps row {other.row}",
                    row=item.row,
                    column="oktmo",
                )
        by_code[item.oktmo].append(item)
    for item in items:
        if item.successor_oktmo is None:
            continue
        assert item.valid_to is not None
        successors = by_code.get(item.successor_oktmo, [])
        if not any(s.valid_from > item.valid_to for s in successors):
            raise ReferenceFileError(
                file,
                f"successor {item.successor_oktmo} has no row valid after {item.valid_to}",
                row=item.row,
                column="successor_oktmo",
            )


def _check_counts(items: list[Municipality], facts: RegionFacts, file: str) -> None:
    for day in facts.expected_municipalities_on:
        valid = sum(item.is_valid_on(day) for item in items)
        if valid != facts.expected_municipalities:
            raise ReferenceFileError(
                file,
                f"{valid} municipalities are valid on {day}, "
                f"region.yaml expects {facts.expected_municipalities}",
            )


def fill_population_gaps(
    items: list[Municipality], facts: RegionFacts, file: str
) -> list[Municipality]:
    """Fill blank populations so rates per 100,000 residents can be computed, flagged as estimated.

    Rule: the census total of the region minus the known populations of the municipalities
    valid on the census date is split equally among those with a blank population (largest
    remainder rounding, so the parts add up to the total exactly). A code created after the
    census with a blank population takes its predecessor's figure.
    """
    at_census = [m for m in items if m.is_valid_on(facts.census_date)]
    blanks = [m for m in at_census if m.population is None]
    known = sum(m.population or 0 for m in at_census)
    remainder = facts.census_population - known
    if blanks and remainder < len(blanks):
        raise ReferenceFileError(
            facts.source_file,
            f"census_population {facts.census_population} leaves {remainder} residents for "
            f"{len(blanks)} municipalities without a population",
            column="census_population",
        )
    share, extra = divmod(remainder, len(blanks)) if blanks else (0, 0)
    estimates = {
        (m.oktmo, m.valid_from): share + (1 if i < extra else 0) for i, m in enumerate(blanks)
    }

    filled: dict[tuple[str, date], Municipality] = {}
    for item in sorted(items, key=lambda m: m.valid_from):
        key = (item.oktmo, item.valid_from)
        if item.population is not None:
            filled[key] = item
        elif key in estimates:
            filled[key] = replace(
                item, population_for_rates=estimates[key], is_population_estimated=True
            )
        else:
            predecessor = next(
                (p for p in filled.values() if p.successor_oktmo == item.oktmo), None
            )
            if predecessor is None:
                raise ReferenceFileError(
                    file,
                    "population is blank and no predecessor code gives one",
                    row=item.row,
                    column="population",
                )
            filled[key] = replace(
                item,
                population_for_rates=predecessor.population_for_rates,
                is_population_estimated=True,
            )
    return [filled[(m.oktmo, m.valid_from)] for m in items]


def read_municipalities(path: Path, facts: RegionFacts, display_name: str) -> list[Municipality]:
    """Validated municipality rows with populations completed (see fill_population_gaps)."""
    items = [_parse_row(row) for row in read_csv_rows(path, display_name, COLUMNS)]
    _check_history(items, display_name)
    _check_counts(items, facts, display_name)
    return fill_population_gaps(items, facts, display_name)
