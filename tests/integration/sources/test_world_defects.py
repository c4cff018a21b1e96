"""The generated world against the parsers: every injected defect is handled or flagged.

Two worlds of the same seed, period and scale are generated: one with `defects="heavy"` and one
with `defects="none"`. The generator draws defects from their own random streams, so both
worlds carry the same truth and the clean world's file of the same name is the clean version
of a heavy file. Each heavy file must therefore parse to the clean file's records, changed only
where the manifest (`world.json`) says a defect changed a value, and must carry exactly the
findings its injected defects call for (EXPECTED_OUTCOME), nothing more and nothing less.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from egov.paths import REFERENCE_DIR
from egov.reference.bundle import read_reference_bundle
from egov.simulator import MFC_INBOX, OMSU_INBOX, generate_world, month_bounds, month_range
from egov.simulator import mfc as mfc_files
from egov.simulator import omsu as omsu_files
from egov.sources.mfc import parse_mfc_csv
from egov.sources.omsu import APPLICATION_COLUMNS, OmsuReport, parse_omsu_workbook
from egov.sources.omsu.naming import parse_omsu_name
from egov.sources.records import DeliveryError, Finding, ParsedDelivery

pytestmark = pytest.mark.integration

FIRST, LAST = "2024-03", "2024-04"
SCALE = 0.02
SEED = 20240607

Severity = Literal["info", "warning", "blocking"]

# --- what each injected defect must look like once parsed -------------------------------------

AS_CLEAN = "parsed identically to the clean version"
CELL_MISSING = "the emptied cell is <NA> (missing, not zero); the row's other values as clean"
TOTAL_AS_WRITTEN = "the row keeps the written 'Всего обращений'; its parts as clean"
FIGURE_AS_WRITTEN = (
    "the drifted figure is loaded as written ('Всего обращений' follows it): not the parser's "
    "business, cross-source reconciliation against epgu / mfc catches it"
)
COLUMN_IN_DETAIL = "<the column quoted in the defect's detail>"


@dataclass(frozen=True)
class Outcome:
    """How the parser must show one injected defect of a file."""

    finding: str | None
    """Code of the finding the parser raises on the file; None: there is nothing to flag."""
    severity: Severity | None = None
    row: Literal["finding", "record"] | None = None
    """What the defect's recorded `row` points at: the finding's row, or a loaded record."""
    column: str | None = None
    """The finding's column (COLUMN_IN_DETAIL: the one the defect's detail names)."""
    records: str = AS_CLEAN
    """How the file's records differ from the clean world's records of the same file."""


EXPECTED_OUTCOME: dict[str, Outcome] = {
    # mfc daily CSV (sources.md §2)
    "utf8_bom": Outcome("utf8_bom", "info"),
    "trailing_empty_lines": Outcome("trailing_blank_lines", "info"),
    "oktmo_with_spaces": Outcome("oktmo_normalised", "info", "record", "ОКТМО"),
    "oktmo_11_digits": Outcome("oktmo_normalised", "info", "record", "ОКТМО"),
    "header_extra_spaces": Outcome("header_whitespace", "info", "finding"),
    # omsu monthly XLSX (sources.md §3)
    "merged_header": Outcome(None),
    "header_text_variant": Outcome(None),
    "sheet_order": Outcome(None),
    "numbers_as_text": Outcome("numbers_as_text", "info", "record"),
    "blank_rows": Outcome("blank_rows_inside", "info", "finding"),
    "empty_cell": Outcome("empty_cells", "warning", "record", records=CELL_MISSING),
    "total_mismatch": Outcome("totals_mismatch", "warning", "finding", COLUMN_IN_DETAIL),
    "parts_mismatch": Outcome(
        "parts_do_not_add_up", "warning", "finding", "Всего обращений", TOTAL_AS_WRITTEN
    ),
    "oktmo_mismatch": Outcome("oktmo_name_mismatch", "blocking", "finding"),
    # generator-specific: ЕПГУ / МФЦ figures of the municipal form a few per cent off the truth
    "figures_drift": Outcome(None, records=FIGURE_AS_WRITTEN),
}
GENERATOR_KINDS = {*mfc_files.DEFECT_KINDS, *omsu_files.DEFECT_KINDS, "figures_drift"}
SOURCE_OF_KIND = dict.fromkeys(mfc_files.DEFECT_KINDS, "mfc") | dict.fromkeys(
    [*omsu_files.DEFECT_KINDS, "figures_drift"], "omsu"
)

CLEAN_INFO_ALLOWED: frozenset[str] = frozenset()
"""Info findings a clean world may show: none, every info code of the parsers reports a defect."""

FIELD_OF_COLUMN = {text: name for name, text in APPLICATION_COLUMNS.items()}
COUNT_FIELDS = ("total", "via_epgu", "via_mfc", "in_person", "by_post")

DETAIL_COLUMN = re.compile(r"'(?P<column>[^']+)'")
DETAIL_EMPTY = re.compile(r"'(?P<column>[^']+)' of service (?P<code>\S+) is empty")
DETAIL_PARTS = re.compile(
    r"Всего обращений (?P<written>\d+) but the parts add up to (?P<parts>\d+) "
    r"\(service (?P<code>\S+)\)"
)
DETAIL_DRIFT = re.compile(
    r"'(?P<column>[^']+)' of service (?P<code>\S+) is (?P<written>\d+), "
    r"the counted applications (?P<true>\d+)"
)


# --- the two worlds, parsed -------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    root: Path
    manifest: dict[str, Any]
    mfc: dict[str, ParsedDelivery]
    omsu: dict[str, OmsuReport]
    errors: dict[str, str]
    """File name -> DeliveryError message of the files that could not be parsed at all."""

    def defects(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [d for d in self.manifest["injected_defects"] if kind is None or d["kind"] == kind]

    def defects_of(self, file: str) -> list[dict[str, Any]]:
        return [d for d in self.manifest["injected_defects"] if d["file"] == file]

    def findings(self, file: str) -> list[Finding]:
        if file in self.mfc:
            return self.mfc[file].findings
        return self.omsu[file].findings

    def deliveries(self) -> list[ParsedDelivery]:
        omsu = [d for r in self.omsu.values() for d in (r.applications, r.campaign)]
        return [*self.mfc.values(), *omsu]


def _generate(out: Path, defects: Literal["none", "heavy"]) -> World:
    manifest = generate_world(out, FIRST, LAST, scale=SCALE, seed=SEED, defects=defects)
    mfc: dict[str, ParsedDelivery] = {}
    omsu: dict[str, OmsuReport] = {}
    errors: dict[str, str] = {}
    for path in sorted((out / MFC_INBOX).iterdir()):
        try:
            mfc[path.name] = parse_mfc_csv(path.read_bytes(), path.name)
        except DeliveryError as exc:
            errors[path.name] = str(exc)
    for path in sorted((out / OMSU_INBOX).iterdir()):
        try:
            omsu[path.name] = parse_omsu_workbook(path.read_bytes(), path.name)
        except DeliveryError as exc:
            errors[path.name] = str(exc)
    return World(out, manifest, mfc, omsu, errors)


@pytest.fixture(scope="module")
def heavy(tmp_path_factory: pytest.TempPathFactory) -> World:
    return _generate(tmp_path_factory.mktemp("heavy"), "heavy")


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> World:
    return _generate(tmp_path_factory.mktemp("clean"), "none")


# --- helpers ----------------------------------------------------------------------------------


def _codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}


def _expected_codes(defects: list[dict[str, Any]]) -> set[str]:
    return {c for d in defects if (c := EXPECTED_OUTCOME[d["kind"]].finding) is not None}


def _by_service(frame: pd.DataFrame) -> pd.DataFrame:
    """Applications keyed by service code, without the layout-dependent sheet row."""
    return frame.drop(columns="source_row").set_index("service_code")


def _expected_applications(clean: pd.DataFrame, defects: list[dict[str, Any]]) -> pd.DataFrame:
    """The clean records with the value changes the defects record, in the generator's order:
    drift first (the clerk's tally), then a written total, then an emptied cell."""
    frame = _by_service(clean).copy()
    effect = {d["kind"]: EXPECTED_OUTCOME[d["kind"]].records for d in defects}
    order = (FIGURE_AS_WRITTEN, TOTAL_AS_WRITTEN, CELL_MISSING)
    for step in order:
        for d in defects:
            if effect[d["kind"]] != step:
                continue
            if step == FIGURE_AS_WRITTEN:
                m = DETAIL_DRIFT.fullmatch(d["detail"])
                assert m is not None, d
                field = FIELD_OF_COLUMN[m["column"]]
                assert frame.loc[m["code"], field] == int(m["true"]), (d, "clean is not the truth")
                frame.loc[m["code"], field] = int(m["written"])
                total: int = frame.loc[m["code"], "total"]  # type: ignore[assignment]
                frame.loc[m["code"], "total"] = total + int(m["written"]) - int(m["true"])
            elif step == TOTAL_AS_WRITTEN:
                m = DETAIL_PARTS.fullmatch(d["detail"])
                assert m is not None, d
                assert frame.loc[m["code"], "total"] == int(m["parts"]), d
                frame.loc[m["code"], "total"] = int(m["written"])
            else:
                m = DETAIL_EMPTY.match(d["detail"])
                assert m is not None, d
                frame.loc[m["code"], FIELD_OF_COLUMN[m["column"]]] = pd.NA
    return frame


def _reporters(month: str) -> set[str]:
    """OKTMO codes of the reference valid on some day of the month: who must report."""
    first, last = month_bounds(*map(int, month.split("-")))
    rows = read_reference_bundle(REFERENCE_DIR).municipalities.rows
    return {
        str(r["oktmo"])
        for r in rows
        if r["valid_from"] <= last and (r["valid_to"] is None or r["valid_to"] >= first)
    }


# --- the outcome table is complete ------------------------------------------------------------


def test_the_outcome_table_covers_exactly_the_kinds_the_generator_can_inject() -> None:
    assert set(EXPECTED_OUTCOME) == GENERATOR_KINDS


@pytest.mark.parametrize("kind", sorted(EXPECTED_OUTCOME))
def test_every_defect_kind_is_injected_in_the_heavy_world(heavy: World, kind: str) -> None:
    injected = heavy.defects(kind)
    assert injected, f"no {kind} defect in the heavy world"
    assert {d["source"] for d in injected} == {SOURCE_OF_KIND[kind]}


def test_the_heavy_manifest_names_only_known_kinds_and_delivered_files(heavy: World) -> None:
    assert {d["kind"] for d in heavy.defects()} <= set(EXPECTED_OUTCOME)
    delivered = set(heavy.mfc) | set(heavy.omsu) | set(heavy.errors)
    assert {d["file"] for d in heavy.defects()} <= delivered


# --- the heavy world parses -------------------------------------------------------------------


def test_every_heavy_file_parses_without_a_delivery_error(heavy: World) -> None:
    assert heavy.errors == {}
    assert len(heavy.mfc) == heavy.manifest["counts"]["mfc_files"]
    assert len(heavy.omsu) == heavy.manifest["counts"]["omsu_files"]


def test_every_row_of_every_heavy_delivery_is_a_record_or_a_reject(heavy: World) -> None:
    unaccounted = [
        (d.file, d.rows_in, len(d.records), len(d.rejects))
        for d in heavy.deliveries()
        if not d.is_accounted
    ]
    assert unaccounted == []
    assert all(report.is_accounted for report in heavy.omsu.values())


def test_no_heavy_row_is_rejected(heavy: World) -> None:
    # every known defect is readable: none of them costs a row
    rejected = {d.file: [r.message for r in d.rejects] for d in heavy.deliveries() if d.rejects}
    assert rejected == {}


# --- each injected defect is handled or flagged -----------------------------------------------


def _assert_flagged(world: World, defect: dict[str, Any], expected: Outcome) -> None:
    file = defect["file"]
    flagged = [f for f in world.findings(file) if f.code == expected.finding]
    assert flagged, f"{file}: {defect['kind']} is not flagged as {expected.finding}"
    assert {f.severity for f in flagged} == {expected.severity}, (file, flagged)
    if expected.row == "finding":
        flagged = [f for f in flagged if f.row == defect["row"]]
        assert flagged, f"{file}: no {expected.finding} at row {defect['row']}"
    if expected.column is not None:
        column = expected.column
        if column == COLUMN_IN_DETAIL:
            m = DETAIL_COLUMN.search(defect["detail"])
            assert m is not None, defect
            column = m["column"]
        assert column in {f.column for f in flagged}, (defect, flagged)


def _assert_records_as_expected(heavy: World, clean: World, file: str) -> None:
    """The heavy file's records are the clean file's, changed only as its defects record."""
    if file in heavy.mfc:
        assert_frame_equal(heavy.mfc[file].records, clean.mfc[file].records, obj=file)
        assert heavy.mfc[file].rows_in == clean.mfc[file].rows_in, file
        return
    report, clean_report = heavy.omsu[file], clean.omsu[file]
    expected = _expected_applications(clean_report.applications.records, heavy.defects_of(file))
    assert_frame_equal(_by_service(report.applications.records), expected, obj=file)
    assert report.applications.rows_in == clean_report.applications.rows_in, file
    assert_frame_equal(report.campaign.records, clean_report.campaign.records, obj=file)


def _records_of(world: World, file: str) -> pd.DataFrame:
    if file in world.mfc:
        return world.mfc[file].records
    return world.omsu[file].applications.records


@pytest.mark.parametrize("kind", sorted(EXPECTED_OUTCOME))
def test_every_injected_defect_is_handled_by_the_parser_or_flagged(
    heavy: World, clean: World, kind: str
) -> None:
    expected = EXPECTED_OUTCOME[kind]
    injected = heavy.defects(kind)
    assert injected
    for defect in injected:
        if expected.finding is not None:
            _assert_flagged(heavy, defect, expected)
        if expected.row == "record":
            assert defect["row"] in set(_records_of(heavy, defect["file"])["source_row"]), defect
    for file in sorted({d["file"] for d in injected}):
        _assert_records_as_expected(heavy, clean, file)


def test_heavy_files_carry_exactly_the_findings_of_their_injected_defects(
    heavy: World,
) -> None:
    wrong = {}
    for file in [*heavy.mfc, *heavy.omsu]:
        expected = _expected_codes(heavy.defects_of(file))
        found = _codes(heavy.findings(file))
        if found != expected:
            wrong[file] = {"unexplained": found - expected, "not flagged": expected - found}
    assert wrong == {}


def test_every_heavy_file_parses_to_the_clean_records_up_to_the_recorded_changes(
    heavy: World, clean: World
) -> None:
    # also the files with no defect at all: they must be byte-for-byte the clean ones' records
    assert set(heavy.mfc) == set(clean.mfc)
    assert set(heavy.omsu) < set(clean.omsu)
    for file in [*heavy.mfc, *heavy.omsu]:
        _assert_records_as_expected(heavy, clean, file)


def test_an_emptied_cell_is_read_as_missing_at_its_row(heavy: World) -> None:
    for defect in heavy.defects("empty_cell"):
        m = DETAIL_EMPTY.match(defect["detail"])
        assert m is not None, defect
        records = heavy.omsu[defect["file"]].applications.records
        row = records[records["source_row"] == defect["row"]]
        assert list(row["service_code"]) == [m["code"]], defect
        assert row[FIELD_OF_COLUMN[m["column"]]].isna().all(), defect


def test_a_written_total_off_its_parts_is_kept_at_its_row(heavy: World) -> None:
    for defect in heavy.defects("parts_mismatch"):
        m = DETAIL_PARTS.fullmatch(defect["detail"])
        assert m is not None, defect
        records = heavy.omsu[defect["file"]].applications.records
        row = records[records["source_row"] == defect["row"]]
        assert list(row["service_code"]) == [m["code"]], defect
        assert list(row["total"]) == [int(m["written"])], defect


def test_a_sheet_naming_another_oktmo_keeps_the_file_names_key(heavy: World) -> None:
    for defect in heavy.defects("oktmo_mismatch"):
        report = heavy.omsu[defect["file"]]
        key = parse_omsu_name(defect["file"])
        assert report.oktmo_in_name == key.oktmo
        assert report.oktmo_in_sheet not in (None, key.oktmo), defect
        assert set(report.applications.records["oktmo"]) == {key.oktmo}


def _emptied(world: World, file: str) -> set[tuple[str, str]]:
    """(service code, column) of the cells the file's empty_cell defects left empty."""
    found = (DETAIL_EMPTY.match(d["detail"]) for d in world.defects_of(file))
    return {(m["code"], m["column"]) for m in found if m is not None}


def test_drifted_figures_are_loaded_as_written(heavy: World, clean: World) -> None:
    checked = 0
    for defect in heavy.defects("figures_drift"):
        file = defect["file"]
        m = DETAIL_DRIFT.fullmatch(defect["detail"])
        assert m is not None, defect
        assert m["written"] != m["true"], defect
        field = FIELD_OF_COLUMN[m["column"]]
        truth = _by_service(clean.omsu[file].applications.records).loc[m["code"], field]
        assert truth == int(m["true"]), defect
        if (m["code"], m["column"]) in _emptied(heavy, file):
            continue
        loaded = _by_service(heavy.omsu[file].applications.records).loc[m["code"], field]
        assert loaded == int(m["written"]), defect
        checked += 1
    assert checked


def _big_report(world: World) -> omsu_files.OmsuReport:
    """A municipal report of the world's first workbook with figures in the thousands: at the
    world's small scale no figure reaches 1000, so no thousands separator is ever written."""
    file = sorted(world.omsu)[0]
    key = parse_omsu_name(file)
    records = world.omsu[file].applications.records
    services = tuple(zip(records["service_code"], records["service_name"], strict=True))
    n = len(services)
    return omsu_files.OmsuReport(
        oktmo=key.oktmo,
        name=str(world.omsu[file].municipality_name),
        year=key.month.year,
        month=key.month.month,
        title_rows=4,
        services=services,
        epgu=tuple(1000 + 997 * i for i in range(n)),
        mfc=tuple(12_345 + 31 * i for i in range(n)),
        in_person=tuple(i * 7 for i in range(n)),
        post=tuple(1_000_000 - i for i in range(n)),
        placements=tuple((1500 + k, "") for k in range(len(omsu_files.INFORMING_CHANNELS))),
        publications=2024,
        neighbour_oktmo=key.oktmo,
    )


def test_numbers_with_thousands_separators_parse_as_the_clean_numbers(
    clean: World, tmp_path: Path
) -> None:
    report = _big_report(clean)
    path = tmp_path / report.file_name
    omsu_files.write_omsu_report(tmp_path, report)
    plain = parse_omsu_workbook(path.read_bytes(), path.name)
    assert plain.findings == []
    separators = set()
    for seed in range(12):
        records = omsu_files.write_omsu_report(tmp_path, report, ["numbers_as_text"], [seed])
        separators.add("non-breaking" if "non-breaking" in records[0]["detail"] else "space")
        assert ", e.g. " in records[0]["detail"], records
        parsed = parse_omsu_workbook(path.read_bytes(), path.name)
        assert _codes(parsed.findings) == {"numbers_as_text"}, records
        assert parsed.applications.rejects == []
        assert_frame_equal(parsed.applications.records, plain.applications.records)
    assert separators == {"non-breaking", "space"}


# --- missing reports --------------------------------------------------------------------------


def test_missing_reports_are_absent_and_every_other_report_is_delivered_once(
    heavy: World,
) -> None:
    missing = {(r["oktmo"], r["month"]) for r in heavy.manifest["missing_reports"]}
    assert missing, "the heavy world must skip some reports"
    due = {
        (oktmo, f"{y:04d}-{m:02d}")
        for y, m in month_range(FIRST, LAST)
        for oktmo in _reporters(f"{y:04d}-{m:02d}")
    }
    assert missing <= due
    files = sorted(p.name for p in (heavy.root / OMSU_INBOX).iterdir())
    keys = Counter((k.oktmo, f"{k.month:%Y-%m}") for k in (parse_omsu_name(name) for name in files))
    assert {key for key, n in keys.items() if n != 1} == set()
    assert set(keys) == due - missing
    for oktmo, month in missing:
        year, number = map(int, month.split("-"))
        assert not (heavy.root / OMSU_INBOX / omsu_files.file_name(oktmo, year, number)).exists()


# --- the clean world --------------------------------------------------------------------------


def test_the_clean_world_records_no_defects_and_no_missing_reports(clean: World) -> None:
    assert clean.manifest["injected_defects"] == []
    assert clean.manifest["missing_reports"] == []
    assert clean.errors == {}
    due = sum(len(_reporters(f"{y:04d}-{m:02d}")) for y, m in month_range(FIRST, LAST))
    assert len(clean.omsu) == due


def test_every_clean_file_parses_without_rejects_or_warnings(clean: World) -> None:
    assert clean.mfc and clean.omsu
    rejected = {d.file: len(d.rejects) for d in clean.deliveries() if d.rejects}
    assert rejected == {}
    assert [d.file for d in clean.deliveries() if not d.is_accounted] == []
    flagged = [
        (f.file, f.code, f.severity)
        for d in clean.deliveries()
        for f in d.findings
        if f.severity != "info" or f.code not in CLEAN_INFO_ALLOWED
    ]
    assert flagged == []


def test_every_clean_omsu_totals_row_equals_the_column_sums(clean: World) -> None:
    for file, report in clean.omsu.items():
        assert report.totals_row is not None, file
        records = report.applications.records
        sums = {f: int(records[f].sum()) for f in COUNT_FIELDS}
        assert report.totals_row.values == sums, file
        assert not records[list(COUNT_FIELDS)].isna().any().any(), file
        parts = records[["via_epgu", "via_mfc", "in_person", "by_post"]].sum(axis=1)
        assert (parts == records["total"]).all(), file
