"""`quarantine_rows`: a row rule checked after the gate (against the warehouse) moves accepted
rows to quarantine, or rejects the batch past its tolerance, and keeps the verdict consistent."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from datetime import date

import pytest

from egov.quality.gate import validate_batches
from egov.quality.inputs import BatchInput, DeliveryPart, GateReference
from egov.quality.quarantine import quarantine_rows
from egov.quality.suites import RowRule, gx_runtime
from egov.quality.verdicts import PARSER_RULE, QUARANTINE_COLUMNS, BatchVerdict
from egov.sources.ekc import parse_ekc_csv

DAY = date(2024, 3, 12)
HEADER = "call_id,started_at,line,ivr_topic,caller_oktmo,answered,wait_sec,talk_sec,outcome"
REFERENCE = GateReference(known_oktmo=["25701000"], mszu_service_codes=[])
RULE = RowRule(
    rule="call_id_is_unique_across_days",
    severity="blocking",
    reason="the call id is already loaded from another day's export",
    expectation_type="lookup",
    mostly=0.95,
    column="call_id",
)
SUITE = "core_fact_ekc_call"


@pytest.fixture(scope="module", autouse=True)
def _gx_context() -> Iterator[None]:
    """Build the process's GX context once, before the first test needs it."""
    gx_runtime()
    yield


def call_id(n: int) -> str:
    return f"00000c12-0000-4000-8000-{n:012d}"


def call_line(n: int, *, wait: str = "10") -> str:
    started = f"{DAY.isoformat()}T{8 + n % 12:02d}:{n % 60:02d}:00+08:00"
    return f"{call_id(n)},{started},122,local_government,25701000,true,{wait},60,answered_on_spot"


def ekc_verdict(count: int, *, bad_wait_at: int | None = None) -> BatchVerdict:
    """The gate's verdict on a day of `count` calls (line n + 2 holds call n)."""
    lines = [call_line(n, wait="-5" if n == bad_wait_at else "10") for n in range(count)]
    name = f"calls {DAY.isoformat()}"
    parsed = parse_ekc_csv("\n".join([HEADER, *lines, ""]).encode(), name, day=DAY)
    batch = BatchInput(
        "ekc", name, DAY, DAY, "sha", (5,), parts=(DeliveryPart("calls", 5, parsed),)
    )
    [verdict], _ = validate_batches("ekc", [batch], REFERENCE)
    return verdict


def held_back(
    verdict: BatchVerdict, reasons: Mapping[int, str], rule: RowRule = RULE
) -> BatchVerdict:
    changed = quarantine_rows(verdict, "calls", rule, SUITE, reasons)
    assert changed.is_accounted
    assert len(changed.quarantine) == changed.rows_quarantined
    assert sum(len(rows) for rows in changed.accepted.values()) == changed.rows_loaded
    return changed


def test_named_rows_move_from_accepted_to_quarantine_with_their_reason() -> None:
    verdict = ekc_verdict(40)
    assert verdict.status == "loaded"
    changed = held_back(verdict, {3: "call_id x is already loaded from the export of 2024-03-11"})
    assert (changed.status, changed.rows_loaded, changed.rows_quarantined) == ("partial", 39, 1)
    assert 3 not in changed.accepted["calls"]["source_row"].tolist()
    [row] = changed.quarantine.to_dict("records")
    assert list(changed.quarantine.columns) == list(QUARANTINE_COLUMNS)
    assert (row["dataset"], row["source_row"], row["delivery_id"]) == ("calls", 3, 5)
    assert (row["source_file"], row["rule"], row["failed_rules"]) == (
        f"calls {DAY.isoformat()}",
        RULE.rule,
        [RULE.rule],
    )
    assert row["column_name"] == "call_id"
    assert row["reason"] == "call_id x is already loaded from the export of 2024-03-11"
    assert json.loads(row["raw_values"])["call_id"] == call_id(1)
    [result] = [r for r in changed.results if r.expectation == RULE.rule]
    # Within the 5 % tolerance: the rule passes, as a suite rule with `mostly` does.
    assert (result.success, result.severity, result.suite) == (True, "blocking", SUITE)
    assert (result.element_count, result.unexpected_count) == (40, 1)
    assert result.details["examples"] == [f"ekc calls {DAY.isoformat()}, row 3, column 'call_id'"]
    assert changed.message == "partial"
    assert verdict.rows_loaded == 40 and len(verdict.accepted["calls"]) == 40


def test_rows_already_quarantined_by_the_parser_stay_and_the_counts_add_up() -> None:
    verdict = ekc_verdict(40, bad_wait_at=0)
    assert (verdict.rows_loaded, verdict.rows_quarantined) == (39, 1)
    changed = held_back(verdict, {5: "again"})
    assert (changed.rows_in, changed.rows_loaded, changed.rows_quarantined) == (40, 38, 2)
    assert changed.quarantine["rule"].tolist() == [PARSER_RULE, RULE.rule]
    assert changed.quarantine["source_row"].tolist() == [2, 5]


def test_no_named_rows_adds_a_passing_result_and_changes_nothing_else() -> None:
    verdict = ekc_verdict(10)
    changed = held_back(verdict, {})
    assert (changed.status, changed.rows_loaded, changed.rows_quarantined) == ("loaded", 10, 0)
    assert changed.quarantine.empty
    [result] = [r for r in changed.results if r.expectation == RULE.rule]
    assert (result.success, result.element_count, result.unexpected_count) == (True, 10, 0)
    assert "examples" not in result.details
    assert changed.results[:-1] == verdict.results


def test_a_blocking_rule_past_its_tolerance_rejects_the_whole_batch() -> None:
    verdict = ekc_verdict(20, bad_wait_at=0)
    changed = held_back(verdict, {row: "repeat" for row in range(3, 8)})
    assert changed.status == "rejected"
    assert (changed.rows_in, changed.rows_loaded, changed.rows_quarantined) == (20, 0, 0)
    assert changed.rows_rejected == 20
    assert changed.quarantine.empty and changed.accepted == {}
    [result] = changed.failed_rules
    assert (result.expectation, result.success, result.unexpected_count) == (RULE.rule, False, 5)
    assert changed.message == f"rejected: {RULE.rule} (blocking, 5)"


def test_a_warning_rule_past_its_tolerance_fails_but_only_quarantines() -> None:
    warning = dataclasses.replace(RULE, severity="warning")
    changed = held_back(ekc_verdict(20), {row: "repeat" for row in range(3, 8)}, warning)
    assert (changed.status, changed.rows_loaded, changed.rows_quarantined) == ("partial", 15, 5)
    assert [r.expectation for r in changed.failed_rules] == [RULE.rule]
    assert changed.message == f"partial: {RULE.rule} (warning, 5)"


def test_a_rejected_batch_is_left_as_it_is() -> None:
    verdict = dataclasses.replace(
        ekc_verdict(5), status="rejected", rows_loaded=0, rows_rejected=5, accepted={}
    )
    assert quarantine_rows(verdict, "calls", RULE, SUITE, {}) is verdict


def test_only_an_accepted_row_can_be_named() -> None:
    verdict = ekc_verdict(10, bad_wait_at=0)
    with pytest.raises(ValueError, match="only accepted rows of calls"):
        quarantine_rows(verdict, "calls", RULE, SUITE, {2: "already quarantined by the parser"})
    with pytest.raises(ValueError, match="only accepted rows of calls"):
        quarantine_rows(verdict, "calls", RULE, SUITE, {99: "no such row"})


def test_a_source_row_that_names_rows_of_two_parts_is_refused() -> None:
    verdict = ekc_verdict(10)
    part = verdict.batch.parts[0]
    batch = dataclasses.replace(
        verdict.batch, parts=(part, dataclasses.replace(part, delivery_id=6))
    )
    accepted = verdict.accepted["calls"].iloc[:3]
    twice = dataclasses.replace(verdict, batch=batch, accepted={"calls": accepted})
    with pytest.raises(ValueError, match="do not name one record each"):
        quarantine_rows(twice, "calls", RULE, SUITE, {3: "ambiguous"})
