"""The bad-input corpus (tests/corpus) against the parsers, the inbox and the quality gate.

Every case of cases.yaml is parsed under the name it is delivered as and must come out exactly
as the case says: parsed with its counts, quarantined with its rule, column and rows, or
rejected with a message naming the file (and the row and column where the case gives them).
What parses goes through the gate with the repository's reference data, each source's batches
in one chunk as a real run validates them. No database: tests/integration/quality/
test_bad_input_corpus_load.py loads the same corpus into a warehouse.
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from egov.paths import PROJECT_ROOT
from egov.quality.gate import validate_batches
from egov.quality.suites import gx_runtime
from egov.quality.verdicts import PARSER_RULE, BatchVerdict
from egov.sources.epgu import EpguClient
from egov.sources.http import RetryPolicy
from egov.sources.inbox import InboxFile, InboxKey, InboxNameError, inbox_path, read_inbox_file
from egov.sources.mfc.naming import parse_mfc_name, scan_mfc_inbox
from egov.sources.omsu.naming import parse_omsu_name, scan_omsu_inbox
from egov.sources.records import DeliveryError, RowReject
from tests.corpus.build_corpus import build
from tests.corpus.cases import (
    CORPUS,
    SOURCES,
    Case,
    OnePageSession,
    batch_input,
    cases,
    gate_reference,
    load_cases,
    parse_case,
)

ALL = load_cases()
ISSUE_ITEMS: dict[str, tuple[str, ...]] = {
    "encodings": (
        "mfc/utf8_with_bom.csv",
        "mfc/undefined_byte_0x98.csv",
        "mfc/utf16_export.csv",
        "mfc/one_row_in_utf8.csv",
        "epgu/windows1251_encoded.json",
        "ekc/windows1251_topic.csv",
    ),
    "truncated files": (
        "mfc/truncated_mid_row.csv",
        "mfc/truncated_inside_quotes.csv",
        "epgu/truncated_page.json",
        "omsu/truncated_workbook.xlsx",
        "ekc/truncated_last_row.csv",
    ),
    "missing columns": ("mfc/missing_column.csv", "omsu/missing_column.xlsx"),
    "renamed columns": ("mfc/renamed_column.csv", "epgu/field_renamed_on_every_item.json"),
    "duplicated columns": ("mfc/duplicated_column.csv", "omsu/duplicated_column.xlsx"),
    "wrong types": (
        "epgu/requires_visit_as_string.json",
        "epgu/oktmo_as_number.json",
        "omsu/text_in_count.xlsx",
        "ekc/answered_yes.csv",
    ),
    "negative numbers": ("omsu/negative_count.xlsx", "ekc/negative_wait_sec.csv"),
    "huge numbers": ("omsu/huge_count.xlsx", "ekc/huge_talk_sec.csv"),
    "unknown OKTMO": ("mfc/unknown_oktmo_one_in_twenty.csv", "omsu/unknown_oktmo.xlsx"),
    "unknown service codes": (
        "epgu/unknown_service_one_in_twenty.json",
        "omsu/unknown_services_four_in_twenty.xlsx",
    ),
    "future dates": (
        "mfc/accepted_in_the_future.csv",
        "epgu/submitted_in_the_future.json",
        "ekc/call_in_the_future.csv",
        "omsu/period_in_the_future.xlsx",
    ),
    "duplicate ids": (
        "mfc/duplicate_case_id.csv",
        "epgu/duplicate_application_version.json",
        "ekc/duplicate_call_id.csv",
    ),
    "Итого mismatches": ("omsu/totals_mismatch.xlsx",),
    "empty workbooks": ("omsu/empty_workbook.xlsx", "omsu/empty_sheets.xlsx"),
    "an XLSX with a huge declared dimension": ("omsu/huge_declared_dimension.xlsx",),
    "a file name with path traversal": (
        "mfc/path_traversal_name.csv",
        "omsu/path_traversal_name.xlsx",
    ),
    "text that looks like SQL": (
        "mfc/sql_text_in_cells.csv",
        "epgu/sql_text_in_application_id.json",
        "omsu/sql_text_in_cells.xlsx",
        "ekc/sql_text_in_topic.csv",
    ),
    "invalid JSON pages": ("epgu/truncated_page.json", "epgu/html_error_body.json"),
    "a page missing next_cursor": ("epgu/missing_next_cursor.json",),
}
"""Each kind of defect issue 8 asks for, and cases of the corpus that carry it."""


def ids(selected: list[Case]) -> list[str]:
    """Test ids: the corpus file of each case."""
    return [c.file for c in selected]


def assert_names_the_place(message: str, case: Case, row: int | None, column: str | None) -> None:
    """The message names the delivered file and, where given, the row and the column."""
    assert case.delivered_as in message, message
    if row is not None:
        assert f"row {row}" in message, message
    if column is not None:
        assert f"column '{column}'" in message, message


# --- the corpus itself -------------------------------------------------------------------------


def test_the_corpus_has_forty_cases_or_more_with_every_outcome_for_every_source() -> None:
    assert len(ALL) >= 40
    for source in SOURCES:
        mine = [c for c in ALL if c.source == source]
        assert {c.outcome for c in mine} == {"parsed", "quarantined", "rejected"}, source


def test_every_corpus_file_has_a_case_and_every_case_a_file() -> None:
    on_disk = {f"{p.parent.name}/{p.name}" for s in SOURCES for p in (CORPUS / s).iterdir()}
    listed = [c.file for c in ALL]
    assert len(listed) == len(set(listed))
    assert set(listed) == on_disk
    assert all(c.file.startswith(f"{c.source}/") for c in ALL)


def test_the_reliability_doc_lists_every_case_once() -> None:
    doc = (PROJECT_ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    rows = [line for line in doc.splitlines() if line.startswith("| `")]
    assert sorted(row.split("`")[1] for row in rows) == sorted(c.file for c in ALL)


def test_each_delivered_name_is_one_delivery_key_of_its_source() -> None:
    names = [(c.source, c.delivered_as) for c in ALL]
    assert len(names) == len(set(names))


def test_every_case_states_a_complete_expected_outcome() -> None:
    for case in ALL:
        assert case.wrong and "\n" not in case.wrong, case.file
        if case.outcome == "rejected":
            assert case.rejected_by in ("parser", "gate", "inbox"), case.file
            if case.rejected_by == "gate":
                assert case.rule and case.rows_in is not None, case.file
            else:
                assert case.error_says, case.file
        else:
            assert case.rejected_by is None and case.rows_in is not None, case.file
            assert case.records is not None, case.file
        if case.outcome != "rejected":
            assert bool(case.quarantine) == (case.outcome == "quarantined"), case.file
        elif case.quarantine:
            # A rejected batch may list only what its parser rejected row by row.
            assert {h.rule for h in case.quarantine} == {PARSER_RULE}, case.file


@pytest.mark.parametrize("item", list(ISSUE_ITEMS))
def test_the_corpus_covers_each_defect_the_issue_lists(item: str) -> None:
    listed = {c.file for c in ALL}
    assert set(ISSUE_ITEMS[item]) <= listed


def test_the_committed_files_are_what_the_build_script_writes() -> None:
    built = build()
    assert set(built) == {c.file for c in ALL}
    for relative, content in built.items():
        assert (CORPUS / relative).read_bytes() == content, relative
    assert sum(len(content) for content in built.values()) < 1_000_000


def test_the_huge_dimension_workbook_declares_every_cell_of_a_sheet_in_a_few_kilobytes() -> None:
    content = (CORPUS / "omsu/huge_declared_dimension.xlsx").read_bytes()
    assert len(content) < 10_000
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert b'<dimension ref="A1:XFD1048576"/>' in sheet


# --- parser level ------------------------------------------------------------------------------


def rejects_as_quarantine(case: Case) -> set[tuple[str, int, str | None]]:
    """(dataset, row, column) of the quarantine rows the case expects from the parser."""
    return {
        (held.dataset, row, held.column)
        for held in case.quarantine
        if held.rule == PARSER_RULE
        for row in held.rows
    }


PARSER_REFUSED = cases(rejected_by="parser")


@pytest.mark.parametrize("case", PARSER_REFUSED, ids=ids(PARSER_REFUSED))
def test_an_unreadable_delivery_is_a_delivery_error_naming_file_row_and_column(
    case: Case,
) -> None:
    with pytest.raises(DeliveryError) as caught:
        parse_case(case)
    error = caught.value
    assert (error.source, error.file) == (case.source, case.delivered_as)
    assert (error.row, error.column) == (case.error_row, case.error_column)
    assert case.error_says is not None and case.error_says in str(error)
    assert_names_the_place(str(error), case, case.error_row, case.error_column)


READABLE = [c for c in ALL if c.rejected_by not in ("parser", "inbox")]


@pytest.mark.parametrize("case", READABLE, ids=ids(READABLE))
def test_a_readable_delivery_parses_to_its_counts_with_every_row_accounted_for(
    case: Case,
) -> None:
    parts = parse_case(case)
    assert all(p.parsed.is_accounted for p in parts)
    assert sum(p.parsed.rows_in for p in parts) == case.rows_in
    assert sum(len(p.parsed.records) for p in parts) == case.records
    assert {f.code for p in parts for f in p.parsed.findings} == case.findings
    rejects: list[tuple[str, RowReject]] = [(p.dataset, r) for p in parts for r in p.parsed.rejects]
    assert {(d, r.row, r.column) for d, r in rejects} == rejects_as_quarantine(case)
    for _, reject in rejects:
        assert reject.file == case.delivered_as
        assert_names_the_place(reject.message, case, reject.row, reject.column)
        # the quarantine keeps the value as jsonb text: no NUL may reach it
        assert reject.value is None or "\x00" not in reject.value


SQL_CELLS = {
    "mfc/sql_text_in_cells.csv": [
        ("office", "'); DROP TABLE core.fact_mfc_application; --"),
        ("service_name", "'); DROP TABLE core.dim_service; --"),
        ("case_id", "МФЦ-38-2024-'); DROP TABLE core.fact_mfc_application; --"),
    ],
    "epgu/sql_text_in_application_id.json": [
        ("application_id", "'); DROP TABLE core.fact_epgu_application; --")
    ],
    "omsu/sql_text_in_cells.xlsx": [("service_name", "'); DROP TABLE core.dim_service; --")],
}


@pytest.mark.parametrize("file", list(SQL_CELLS))
def test_text_that_looks_like_sql_is_read_as_plain_data(file: str) -> None:
    (case,) = [c for c in ALL if c.file == file]
    records = parse_case(case)[0].parsed.records
    for column, text in SQL_CELLS[file]:
        assert text in set(records[column]), column


# --- the inbox ---------------------------------------------------------------------------------

INBOX_CASES = cases(rejected_by="inbox")
SCANS = {"mfc": scan_mfc_inbox, "omsu": scan_omsu_inbox}
NAME_KEYS: dict[str, Callable[[str], InboxKey]] = {"mfc": parse_mfc_name, "omsu": parse_omsu_name}


@pytest.mark.parametrize("case", INBOX_CASES, ids=ids(INBOX_CASES))
def test_a_name_the_inbox_refuses_is_reported_and_never_read(case: Case, tmp_path: Path) -> None:
    inbox = tmp_path / "deep" / "er" / "inbox"
    inbox.mkdir(parents=True)
    name = case.delivered_as
    if "/" in name:
        # No file can carry a '/' in its name: the traversal comes as a crafted name or a link.
        with pytest.raises(InboxNameError) as refused:
            inbox_path(inbox, name)
        assert case.error_says is not None and case.error_says in str(refused.value)
        assert repr(name) in str(refused.value)
        outside = (inbox / name).resolve()
        outside.parent.mkdir(parents=True)
        outside.write_bytes(case.content)
        key = NAME_KEYS[case.source](outside.name)
        crafted = InboxFile(case.source, inbox / name, name, 1, datetime.now(UTC), key)
        with pytest.raises(DeliveryError) as unread:
            read_inbox_file(crafted)
        assert unread.value.file == name and case.error_says in str(unread.value)
        (inbox / outside.name).symlink_to(outside)
        scan = SCANS[case.source](inbox)
        assert scan.files == []
        assert [(i.name, i.reason) for i in scan.ignored] == [
            (outside.name, "symbolic link (not followed)")
        ]
    else:
        (inbox / name).write_bytes(case.content)
        scan = SCANS[case.source](inbox)
        assert scan.files == []
        [ignored] = scan.ignored
        assert ignored.name == name
        assert case.error_says is not None and case.error_says in ignored.reason
    # The parser refuses the name too: a file that bypassed the inbox would still not load.
    with pytest.raises(DeliveryError) as caught:
        parse_case(case)
    assert caught.value.file == name


# --- ЕПГУ pages through the fetch ---------------------------------------------------------------


EPGU_REFUSED = [c for c in PARSER_REFUSED if c.source == "epgu"]


@pytest.mark.parametrize("case", EPGU_REFUSED, ids=ids(EPGU_REFUSED))
def test_an_epgu_page_the_parser_refuses_stops_the_fetch_of_its_window(case: Case) -> None:
    client = EpguClient(
        "http://epgu.invalid",
        SecretStr("token"),
        policy=RetryPolicy(max_attempts=1),
        session=OnePageSession(case.content),
    )
    with pytest.raises(DeliveryError) as caught:
        client.fetch_window(*case.window)
    assert case.error_says is not None and case.error_says in str(caught.value)
    assert caught.value.file.endswith(" page 1")


# --- the gate ----------------------------------------------------------------------------------


GATED = [c for c in ALL if c.rejected_by != "inbox"]
"""Every case with a batch: an unreadable one too, as the batch of a landed file it cannot
parse (an ЕПГУ page the parser refuses never lands, but would be rejected the same way)."""


@pytest.fixture(scope="module")
def verdicts() -> Iterator[dict[str, BatchVerdict]]:
    """The gate's verdict on every case, each source's batches in one chunk in period order."""
    gx_runtime()
    by_source: dict[str, list[Case]] = defaultdict(list)
    for case in sorted(GATED, key=lambda c: (c.period()[0], c.delivered_as)):
        by_source[case.source].append(case)
    found: dict[str, BatchVerdict] = {}
    for source, mine in by_source.items():
        inputs = [batch_input(c, n) for n, c in enumerate(mine, start=1)]
        results, _ = validate_batches(source, inputs, gate_reference())
        found |= {c.file: v for c, v in zip(mine, results, strict=True)}
    yield found


@pytest.mark.parametrize("case", GATED, ids=ids(GATED))
def test_the_gate_loads_quarantines_or_rejects_the_batch_as_written(
    case: Case, verdicts: dict[str, BatchVerdict]
) -> None:
    verdict = verdicts[case.file]
    assert verdict.status == case.status
    assert verdict.is_accounted
    failed = {(r.expectation, r.severity) for r in verdict.failed_rules}
    if case.rejected_by == "parser":
        assert (verdict.rows_in, verdict.rows_loaded, verdict.rows_rejected) == (0, 0, 0)
        assert failed == {("delivery_is_readable", "blocking")}
        assert verdict.message.startswith(f"rejected: {case.source} {case.delivered_as}")
        return
    assert verdict.rows_in == case.rows_in
    assert {rule for rule, severity in failed if severity == "warning"} == case.warnings
    blocking = {rule for rule, severity in failed if severity == "blocking"}
    if case.rejected_by == "gate":
        assert blocking == {case.rule}
        assert (verdict.rows_rejected, verdict.rows_loaded, verdict.rows_quarantined) == (
            case.rows_in,
            0,
            0,
        )
        return
    assert blocking == set()
    assert verdict.rows_quarantined == case.rows_quarantined
    assert verdict.rows_loaded == case.rows_loaded
    held: dict[tuple[str, str, str | None], list[int]] = defaultdict(list)
    for row in verdict.quarantine.to_dict("records"):
        column = row["column_name"] if isinstance(row["column_name"], str) else None
        held[(row["dataset"], row["rule"], column)].append(int(row["source_row"]))
        assert row["source_file"] == case.delivered_as
    assert {key: sorted(rows) for key, rows in held.items()} == {
        (h.dataset, h.rule, h.column): sorted(h.rows) for h in case.quarantine
    }
