"""The data-quality gate on small real deliveries: what loads, is quarantined or is rejected.

МФЦ exports are parsed from CSV bytes and ОМСУ workbooks are built by the simulator, so the gate
sees records exactly as the parsers produce them. No database, no Prefect; GX runs in-process.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any

import pytest

from egov.quality.batch_rules import check_volume
from egov.quality.conform import CORE_COLUMNS
from egov.quality.gate import validate_batches
from egov.quality.inputs import BatchInput, DeliveryPart, GateReference, VolumePoint
from egov.quality.suites import gx_runtime
from egov.quality.verdicts import (
    NOTHING_LOADABLE_RULE,
    PARSER_RULE,
    QUARANTINE_COLUMNS,
    AccountingError,
    BatchVerdict,
    RuleResult,
)
from egov.simulator import OmsuReport, build_workbook
from egov.sources.mfc import parse_mfc_csv
from egov.sources.omsu import parse_omsu_workbook
from egov.sources.records import DeliveryError, Finding, ParsedDelivery

HEADER = "Номер дела;Дата приема;Код услуги (ФРГУ);Наименование услуги;ОКТМО;Офис МФЦ;Статус"
DAY = date(2024, 3, 5)  # a Tuesday
IRKUTSK_OKTMO = "25701000"
ANGARSK_OKTMO = "25703000"
UNKNOWN_OKTMO = "99999999"
SERVICES = ("3800000000100000001", "3800000000100000002", "3800000000100000003")
REFERENCE = GateReference(
    known_oktmo=[IRKUTSK_OKTMO, ANGARSK_OKTMO], mszu_service_codes=list(SERVICES)
)


@pytest.fixture(scope="module", autouse=True)
def _gx_context() -> Iterator[None]:
    """Build the process's GX context once, before the first test needs it."""
    gx_runtime()
    yield


# --- МФЦ deliveries ----------------------------------------------------------------------------


def mfc_line(
    n: int,
    *,
    oktmo: str = IRKUTSK_OKTMO,
    accepted: str = "05.03.2024 10:22",
    case: str | None = None,
) -> str:
    case_id = case or f"МФЦ-38-2024-{n:07d}"
    return f"{case_id};{accepted};{SERVICES[n % 3]};Услуга;{oktmo};МФЦ Иркутск;Принято"


def mfc_lines(count: int, **changed: str) -> list[str]:
    """`count` clean rows of the export; `changed` replaces rows by index ("3": line)."""
    lines = [mfc_line(n) for n in range(count)]
    for index, line in changed.items():
        lines[int(index)] = line
    return lines


def mfc_batch(lines: Sequence[str], day: date = DAY, delivery_id: int = 1) -> BatchInput:
    name = f"mfc_{day:%Y%m%d}.csv"
    content = "\r\n".join([HEADER, *lines, ""]).encode("windows-1251")
    parsed = parse_mfc_csv(content, name)
    return BatchInput(
        "mfc",
        name,
        day,
        day,
        f"sha-{name}",
        (delivery_id,),
        parts=(DeliveryPart("applications", delivery_id, parsed),),
    )


def validate(
    batches: Sequence[BatchInput], source: str = "mfc", reference: GateReference = REFERENCE
) -> list[BatchVerdict]:
    verdicts, _ = validate_batches(source, batches, reference)
    assert len(verdicts) == len(batches)
    for verdict, batch in zip(verdicts, batches, strict=True):
        assert verdict.batch is batch
        assert verdict.is_accounted
        assert len(verdict.quarantine) == verdict.rows_quarantined
        assert sum(len(rows) for rows in verdict.accepted.values()) == verdict.rows_loaded
    return verdicts


def result(verdict: BatchVerdict, rule: str) -> RuleResult:
    found = [r for r in verdict.results if r.expectation == rule]
    assert found, f"no result for {rule}: {[r.expectation for r in verdict.results]}"
    return found[0]


def failed(verdict: BatchVerdict) -> list[str]:
    return [r.expectation for r in verdict.failed_rules]


def raw_values(verdict: BatchVerdict) -> list[dict[str, Any]]:
    return [json.loads(v) for v in verdict.quarantine["raw_values"]]


# --- clean, partial, rejected --------------------------------------------------------------------


def test_a_clean_export_loads_every_row() -> None:
    [verdict] = validate([mfc_batch(mfc_lines(20))])
    assert (verdict.status, verdict.message) == ("loaded", "loaded")
    assert (verdict.rows_in, verdict.rows_loaded, verdict.rows_quarantined) == (20, 20, 0)
    assert verdict.rows_rejected == 0 and verdict.quarantine.empty and verdict.failed_rules == []
    assert verdict.volume == 20
    accepted = verdict.accepted["applications"]
    assert tuple(accepted.columns) == CORE_COLUMNS[("mfc", "applications")]
    assert accepted["source_row"].tolist() == list(range(2, 22))
    assert set(accepted["export_day"]) == {DAY} and set(accepted["accepted_month"]) == {
        date(2024, 3, 1)
    }
    assert result(verdict, "oktmo_is_known").element_count == 20


def test_one_unknown_oktmo_among_many_is_quarantined_and_the_rest_loads() -> None:
    lines = mfc_lines(40, **{"3": mfc_line(3, oktmo=UNKNOWN_OKTMO)})
    [verdict] = validate([mfc_batch(lines, delivery_id=7)])
    assert verdict.status == "partial"
    assert (verdict.rows_in, verdict.rows_loaded, verdict.rows_quarantined) == (40, 39, 1)
    [row] = verdict.quarantine.to_dict("records")
    assert (row["rule"], row["failed_rules"], row["column_name"]) == (
        "oktmo_is_known",
        ["oktmo_is_known"],
        "oktmo",
    )
    assert (row["source_row"], row["delivery_id"], row["source_file"]) == (5, 7, "mfc_20240305.csv")
    [values] = raw_values(verdict)
    assert values["oktmo"] == UNKNOWN_OKTMO and values["case_id"] == "МФЦ-38-2024-0000003"
    assert "МФЦ-38-2024-0000003" not in set(verdict.accepted["applications"]["case_id"])
    rule = result(verdict, "oktmo_is_known")
    # within the 5 % the blocking rule tolerates: the rule holds, the row does not load
    assert (rule.success, rule.severity, rule.unexpected_count) == (True, "blocking", 1)
    assert rule.details["examples"] == ["mfc mfc_20240305.csv, row 5, column 'oktmo'"]


@pytest.mark.parametrize(
    ("unknown", "status"),
    [(1, "partial"), (2, "rejected"), (5, "rejected")],
    ids=["5 % tolerated", "10 % rejects", "25 % rejects"],
)
def test_unknown_oktmo_beyond_five_percent_rejects_the_whole_batch(
    unknown: int, status: str
) -> None:
    lines = mfc_lines(20, **{str(i): mfc_line(i, oktmo=UNKNOWN_OKTMO) for i in range(unknown)})
    [verdict] = validate([mfc_batch(lines)])
    assert verdict.status == status
    rule = result(verdict, "oktmo_is_known")
    assert (rule.unexpected_count, rule.element_count) == (unknown, 20)
    if status == "rejected":
        assert rule.success is False
        assert (verdict.rows_rejected, verdict.rows_loaded, verdict.rows_quarantined) == (20, 0, 0)
        assert verdict.accepted == {} and verdict.quarantine.empty
        assert verdict.message.startswith(f"rejected: oktmo_is_known (blocking, {unknown})")
    else:
        assert (verdict.rows_loaded, verdict.rows_quarantined) == (19, 1)


def test_an_unparseable_row_is_quarantined_with_its_column_and_value() -> None:
    bad = mfc_line(2, accepted="31.02.2024 10:22")
    [verdict] = validate([mfc_batch(mfc_lines(10, **{"2": bad}))])
    assert verdict.status == "partial"
    assert (verdict.rows_in, verdict.rows_loaded, verdict.rows_quarantined) == (10, 9, 1)
    [row] = verdict.quarantine.to_dict("records")
    assert (row["rule"], row["failed_rules"]) == (PARSER_RULE, [PARSER_RULE])
    assert (row["source_row"], row["column_name"]) == (4, "Дата приема")
    assert "31.02.2024 10:22" in row["reason"]
    assert json.loads(row["raw_values"]) == {"value": "31.02.2024 10:22"}


def test_an_export_whose_every_row_fails_is_rejected_instead_of_emptying_its_day() -> None:
    lines = [mfc_line(n, accepted="2024-03-05T10:22") for n in range(5)]
    [verdict] = validate([mfc_batch(lines)])
    assert verdict.status == "rejected"
    assert (verdict.rows_in, verdict.rows_loaded, verdict.rows_rejected) == (5, 0, 5)
    assert failed(verdict) == [NOTHING_LOADABLE_RULE]
    assert result(verdict, NOTHING_LOADABLE_RULE).details["datasets"] == ["applications"]
    assert verdict.accepted == {}


def test_a_record_accepted_on_another_day_is_a_quarantined_warning() -> None:
    lines = mfc_lines(
        10,
        **{
            "0": mfc_line(0, accepted="05.03.2024 00:00"),
            "1": mfc_line(1, accepted="05.03.2024 23:59"),
            "4": mfc_line(4, accepted="04.03.2024 23:59"),
        },
    )
    [verdict] = validate([mfc_batch(lines)])
    assert verdict.status == "partial"
    rule = result(verdict, "accepted_on_export_day")
    assert (rule.success, rule.severity, rule.unexpected_count) == (False, "warning", 1)
    assert verdict.quarantine["source_row"].tolist() == [6]
    assert verdict.quarantine["rule"].tolist() == ["accepted_on_export_day"]
    assert verdict.rows_loaded == 9
    # the parser's accepted_outside_file_date is evidence for this row rule, not a second result
    assert [r.expectation for r in verdict.results].count("accepted_on_export_day") == 1
    assert not any(r.expectation.startswith("parser:") for r in verdict.results)
    assert verdict.message == "partial: accepted_on_export_day (warning, 1)"


def test_both_rows_of_a_duplicate_case_id_are_quarantined() -> None:
    twin = mfc_line(6, case="МФЦ-38-2024-0000002")
    [verdict] = validate([mfc_batch(mfc_lines(10, **{"6": twin}))])
    assert verdict.status == "partial"
    assert sorted(verdict.quarantine["source_row"]) == [4, 8]
    assert set(verdict.quarantine["rule"]) == {"case_id_is_unique"}
    assert result(verdict, "case_id_is_unique").unexpected_count == 2
    assert verdict.rows_loaded == 8


def test_a_row_failing_two_rules_is_quarantined_once_with_both() -> None:
    both = mfc_line(6, case="МФЦ-38-2024-0000002", oktmo=UNKNOWN_OKTMO)
    [verdict] = validate([mfc_batch(mfc_lines(30, **{"6": both}))])
    by_row = verdict.quarantine.set_index("source_row")
    assert sorted(by_row.index) == [4, 8]
    assert by_row.loc[8, "failed_rules"] == ["case_id_is_unique", "oktmo_is_known"]
    assert by_row.loc[8, "rule"] == "case_id_is_unique"
    assert by_row.loc[4, "failed_rules"] == ["case_id_is_unique"]
    assert (verdict.rows_loaded, verdict.rows_quarantined) == (28, 2)


def test_an_unreadable_delivery_is_rejected_with_the_parse_error() -> None:
    with pytest.raises(DeliveryError) as caught:
        parse_mfc_csv(b"", "mfc_20240305.csv")
    error = str(caught.value)
    batch = BatchInput("mfc", "mfc_20240305.csv", DAY, DAY, "sha", (3,), error=error)
    [verdict] = validate([batch])
    assert verdict.status == "rejected" and verdict.message == f"rejected: {error}"
    assert (verdict.rows_in, verdict.rows_loaded, verdict.rows_rejected) == (0, 0, 0)
    assert failed(verdict) == ["delivery_is_readable"]
    readable = result(verdict, "delivery_is_readable")
    assert readable.details["error"] == error and readable.severity == "blocking"
    assert not any(r.expectation == "volume_within_expected_range" for r in verdict.results)


def test_a_header_only_export_is_rejected_as_empty() -> None:
    [verdict] = validate([mfc_batch([])])
    assert verdict.status == "rejected" and verdict.rows_in == 0
    assert failed(verdict)[0] == "delivery_is_not_empty"
    empty = result(verdict, "delivery_is_not_empty")
    assert (empty.success, empty.severity) == (False, "blocking")
    assert verdict.message.startswith("rejected: delivery_is_not_empty (blocking")


def test_each_rule_has_one_result_per_batch() -> None:
    [verdict] = validate([mfc_batch([])])
    names = [r.expectation for r in verdict.results]
    assert len(names) == len(set(names)), names


# --- chunks of several batches -----------------------------------------------------------------


def test_batches_of_one_chunk_keep_their_own_counts() -> None:
    first = mfc_batch(mfc_lines(30, **{"3": mfc_line(3, oktmo=UNKNOWN_OKTMO)}), DAY, 1)
    unreadable = BatchInput(
        "mfc", "mfc_20240306.csv", DAY + timedelta(1), DAY + timedelta(1), "sha", (2,), error="x"
    )
    # the same case ids as the first export: unique per batch, not across the chunk;
    # 1 unknown OKTMO in 10 rows is 10 % of this batch (2 of 40 pooled would be tolerated)
    third_day = DAY + timedelta(2)
    third = mfc_batch(
        [mfc_line(n, accepted=f"{third_day:%d.%m.%Y} 09:00") for n in range(9)]
        + [mfc_line(9, oktmo=UNKNOWN_OKTMO, accepted=f"{third_day:%d.%m.%Y} 09:00")],
        third_day,
        3,
    )
    one, two, three = validate([first, unreadable, third])
    assert (one.status, one.rows_in, one.rows_loaded, one.rows_quarantined) == (
        "partial",
        30,
        29,
        1,
    )
    assert one.quarantine["source_file"].tolist() == ["mfc_20240305.csv"]
    assert result(one, "case_id_is_unique").success
    assert result(one, "oktmo_is_known").element_count == 30
    assert two.status == "rejected" and two.message == "rejected: x"
    assert (three.status, three.rows_in, three.rows_rejected) == ("rejected", 10, 10)
    assert result(three, "case_id_is_unique").success
    assert (result(three, "oktmo_is_known").element_count, failed(three)) == (
        10,
        ["oktmo_is_known"],
    )
    assert set(one.accepted["applications"]["export_day"]) == {DAY}


def test_a_chunk_must_be_of_one_source() -> None:
    with pytest.raises(ValueError, match="must be from ekc"):
        validate_batches("ekc", [mfc_batch(mfc_lines(1))], REFERENCE)


# --- volume ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("volume", "history", "ok"),
    [
        (100, [100, 100, 100, 100], True),
        (400, [100, 100, 100, 100], True),
        (25, [100, 100, 100, 100], True),
        (401, [100, 100, 100, 100], False),
        (24, [100, 100, 100, 100], False),
        (0, [100, 100, 100, 100], False),
        (380, [80, 120, 100, 90], True),  # the median of an even count is 95
        (381, [80, 120, 100, 90], False),
        (10_000, [100, 100, 100], True),  # not enough history: nothing to compare with
        (0, [], True),
    ],
)
def test_check_volume_bounds(volume: int, history: list[int], ok: bool) -> None:
    within, facts = check_volume(volume, history, factor=4.0, min_history=4)
    assert within is ok
    if len(history) < 4:
        assert facts == {"history": len(history), "note": "not enough history to compare"}
    else:
        median = sorted(history)[1:3]
        assert facts["median"] == sum(median) / 2
        assert facts["low"] == round(facts["median"] / 4, 1)
        assert facts["high"] == round(facts["median"] * 4, 1)


def history(volume: int, weeks: int, *, shift_days: int = 0) -> list[VolumePoint]:
    return [
        VolumePoint("mfc", None, DAY - timedelta(weeks=w, days=shift_days), volume)
        for w in range(1, weeks + 1)
    ]


def volume_result(lines: int, points: Sequence[VolumePoint]) -> tuple[BatchVerdict, RuleResult]:
    reference = dataclasses.replace(REFERENCE, history=list(points))
    [verdict] = validate([mfc_batch(mfc_lines(lines))], reference=reference)
    return verdict, result(verdict, "volume_within_expected_range")


def test_a_tenfold_spike_against_same_weekday_history_is_a_warning() -> None:
    verdict, rule = volume_result(50, history(5, 4))
    assert (rule.success, rule.severity) == (False, "warning")
    assert (rule.details["volume"], rule.details["median"], rule.details["high"]) == (50, 5, 20)
    assert verdict.status == "loaded" and verdict.rows_loaded == 50
    assert verdict.message == "loaded: volume_within_expected_range (warning, 1)"


def test_a_volume_within_the_factor_passes() -> None:
    _, rule = volume_result(12, history(5, 4))
    assert rule.success and rule.details["median"] == 5


@pytest.mark.parametrize(
    "points",
    [
        history(5, 3),  # three Tuesdays, four needed
        history(5, 4, shift_days=1),  # Mondays: another weekday
        history(5, 12)[-4:],  # Tuesdays more than 56 days back
        [dataclasses.replace(p, source="ekc") for p in history(5, 4)],
        [dataclasses.replace(p, period_start=DAY + timedelta(weeks=1)) for p in history(5, 4)],
    ],
    ids=["too few", "other weekday", "too old", "other source", "later"],
)
def test_history_that_is_not_comparable_is_not_used(points: list[VolumePoint]) -> None:
    _, rule = volume_result(50, points)
    assert rule.success and rule.details["note"] == "not enough history to compare"


# --- ОМСУ workbooks ----------------------------------------------------------------------------


OMSU = OmsuReport(
    oktmo=IRKUTSK_OKTMO,
    name="г. Иркутск",
    year=2024,
    month=3,
    title_rows=4,
    services=tuple((code, f"Услуга {i}") for i, code in enumerate(SERVICES, 1)),
    epgu=(10, 20, 30),
    mfc=(5, 6, 7),
    in_person=(1, 2, 3),
    post=(0, 1, 0),
    placements=((3, ""), (2, "стенд"), (1, ""), (0, ""), (4, "")),
    publications=2,
    neighbour_oktmo=ANGARSK_OKTMO,
)
"""Rows 6-8 of sheet «Обращения» are the services, row 9 is «Итого»."""


def omsu_batch(
    kinds: Sequence[str] = (),
    edit: Callable[[Any], None] | None = None,
    findings: Sequence[Finding] = (),
) -> BatchInput:
    workbook, _ = build_workbook(OMSU, kinds, (0,))
    if edit is not None:
        edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = parse_omsu_workbook(buffer.getvalue(), OMSU.file_name)
    report.applications.findings.extend(findings)
    return BatchInput(
        "omsu",
        OMSU.file_name,
        date(2024, 3, 1),
        date(2024, 3, 31),
        "sha",
        (11,),
        parts=(
            DeliveryPart("applications", 11, report.applications),
            DeliveryPart("campaign", 11, report.campaign),
        ),
        oktmo=IRKUTSK_OKTMO,
    )


def test_a_clean_municipal_workbook_loads_both_sheets() -> None:
    [verdict] = validate([omsu_batch()], "omsu")
    assert (verdict.status, verdict.rows_in, verdict.rows_loaded) == ("loaded", 9, 9)
    figures = verdict.accepted["applications"]
    assert tuple(figures.columns) == CORE_COLUMNS[("omsu", "applications")]
    assert figures["total_count"].tolist() == [16, 29, 40]
    assert set(figures["oktmo"]) == {IRKUTSK_OKTMO}
    assert set(figures["report_month"]) == {date(2024, 3, 1)}
    assert len(verdict.accepted["campaign"]) == 6
    assert verdict.volume == 85  # the omsu volume is the sum of «Всего обращений»
    assert verdict.failed_rules == []


def test_a_part_above_the_total_quarantines_the_service_row() -> None:
    def too_many_via_epgu(workbook: Any) -> None:
        workbook["Обращения"]["E6"] = 100

    [verdict] = validate([omsu_batch(edit=too_many_via_epgu)], "omsu")
    assert verdict.status == "partial"
    [row] = verdict.quarantine.to_dict("records")
    assert (row["rule"], row["source_row"], row["dataset"]) == (
        "via_epgu_not_above_total",
        6,
        "applications",
    )
    assert json.loads(row["raw_values"])["via_epgu"] == "100"
    assert verdict.accepted["applications"]["source_row"].tolist() == [7, 8]
    assert len(verdict.accepted["campaign"]) == 6
    # the parser's own evidence fails the batch rules it maps to, as warnings
    parts = result(verdict, "parts_add_up_to_total")
    assert (parts.success, parts.severity) == (False, "warning")
    assert parts.details["findings"][0]["code"] == "parts_do_not_add_up"
    assert not result(verdict, "totals_row_matches_sum").success


def test_an_oktmo_differing_from_the_file_name_rejects_the_workbook() -> None:
    [verdict] = validate([omsu_batch(kinds=["oktmo_mismatch"])], "omsu")
    assert verdict.status == "rejected"
    assert (verdict.rows_rejected, verdict.rows_loaded) == (9, 0)
    assert failed(verdict) == ["oktmo_matches_file_name"]
    rule = result(verdict, "oktmo_matches_file_name")
    assert rule.severity == "blocking"
    [finding] = rule.details["findings"]
    assert finding["code"] == "oktmo_name_mismatch" and ANGARSK_OKTMO in finding["message"]


def test_an_unmapped_parser_finding_is_recorded_under_its_code() -> None:
    surprise = Finding("omsu", OMSU.file_name, "surprise", "something new", "warning", row=3)
    note = Finding("omsu", OMSU.file_name, "just_so", "nothing to weigh", "info")
    [verdict] = validate([omsu_batch(findings=[surprise, note])], "omsu")
    assert verdict.status == "loaded"
    rule = result(verdict, "parser:surprise")
    assert (rule.success, rule.severity, rule.unexpected_count) == (False, "warning", 1)
    assert rule.details["findings"] == [{"code": "surprise", "message": "something new", "row": 3}]
    assert verdict.notes == [{"code": "just_so", "message": "nothing to weigh", "row": None}]


def test_an_unmapped_blocking_parser_finding_rejects() -> None:
    stop = Finding("omsu", OMSU.file_name, "surprise", "cannot load this", "blocking")
    [verdict] = validate([omsu_batch(findings=[stop])], "omsu")
    assert verdict.status == "rejected" and failed(verdict) == ["parser:surprise"]


def test_a_signature_line_under_the_table_is_not_a_failure() -> None:
    def signature(workbook: Any) -> None:
        workbook["Обращения"]["B11"] = "Исполнитель: Иванова И.И., тел. 20-00-00"

    batch = omsu_batch(edit=signature)
    [finding] = [f for f in batch.findings if f.code == "rows_after_totals"]
    assert finding.severity == "info"
    [verdict] = validate([batch], "omsu")
    assert result(verdict, "nothing_outside_table").success


# --- accounting --------------------------------------------------------------------------------


def test_a_lost_row_breaks_the_accounting() -> None:
    batch = mfc_batch(mfc_lines(5))
    parsed = batch.parts[0].parsed
    lossy = ParsedDelivery("mfc", parsed.file, parsed.rows_in + 1, parsed.records)
    assert not lossy.is_accounted
    broken = dataclasses.replace(batch, parts=(DeliveryPart("applications", 1, lossy),))
    with pytest.raises(AccountingError, match=r"mfc mfc_20240305\.csv: rows in 6 != loaded 5"):
        validate_batches("mfc", [broken], REFERENCE)


def test_is_accounted_adds_loaded_quarantined_and_rejected() -> None:
    [verdict] = validate([mfc_batch(mfc_lines(3))])
    assert verdict.is_accounted
    verdict.rows_quarantined += 1
    assert not verdict.is_accounted
    verdict.rows_loaded -= 1
    assert verdict.is_accounted


def test_parser_rejects_and_rule_failures_share_one_quarantine() -> None:
    lines = mfc_lines(
        30, **{"1": mfc_line(1, accepted="xx"), "2": mfc_line(2, oktmo=UNKNOWN_OKTMO)}
    )
    [verdict] = validate([mfc_batch(lines)])
    quarantine = verdict.quarantine
    assert tuple(quarantine.columns) == QUARANTINE_COLUMNS
    assert quarantine["rule"].tolist() == [PARSER_RULE, "oktmo_is_known"]
    assert quarantine["source_row"].tolist() == [3, 4]
    assert (verdict.rows_loaded, verdict.rows_quarantined) == (28, 2)
