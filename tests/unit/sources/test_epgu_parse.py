"""Parsing one ЕПГУ API page: typed records, item-level rejects, page-level errors."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from egov.sources.contract import EPGU_STATUSES
from egov.sources.epgu import parse as epgu
from egov.sources.epgu import parse_epgu_page
from egov.sources.records import DeliveryError

PAGE = "window 2024-03-01T00:00+08:00..2024-03-02T00:00+08:00 page 1"


def item(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "application_id": "EPGU-2024-000123456",
        "service_code": "3800000000160000017",
        "target_oktmo": "25701000",
        "submitted_at": "2024-03-05T10:22:31+08:00",
        "updated_at": "2024-03-07T09:00:00+08:00",
        "status": "completed",
        "requires_visit": False,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def page(items: list[Any], next_cursor: str | None = None) -> bytes:
    return json.dumps({"items": items, "next_cursor": next_cursor, "total": len(items)}).encode()


def test_a_valid_page_gives_typed_records_with_item_numbers() -> None:
    parsed = parse_epgu_page(
        page([item(), item(application_id="EPGU-2023-000000001", requires_visit=True)]), PAGE
    )
    assert parsed.source == "epgu" and parsed.file == PAGE
    assert parsed.rows_in == 2 and parsed.rejects == [] and parsed.is_accounted
    records = parsed.records
    assert list(records.columns) == [
        "application_id",
        "service_code",
        "target_oktmo",
        "submitted_at",
        "updated_at",
        "status",
        "requires_visit",
        "source_row",
    ]
    assert records["application_id"].tolist() == ["EPGU-2024-000123456", "EPGU-2023-000000001"]
    assert records["requires_visit"].tolist() == [False, True]
    assert records["requires_visit"].dtype == bool
    assert records["source_row"].tolist() == [1, 2]
    submitted = records["submitted_at"].iloc[0]
    assert submitted == pd.Timestamp("2024-03-05T02:22:31Z")
    assert submitted.utcoffset() == pd.Timedelta(hours=8)
    assert str(records["updated_at"].iloc[0]) == "2024-03-07 09:00:00+08:00"


def test_offsets_other_than_local_are_converted_to_the_same_instant() -> None:
    parsed = parse_epgu_page(page([item(updated_at="2024-03-07T01:00:00Z")]), PAGE)
    assert str(parsed.records["updated_at"].iloc[0]) == "2024-03-07 09:00:00+08:00"


def test_an_empty_page_has_typed_empty_columns() -> None:
    parsed = parse_epgu_page(page([]), PAGE)
    assert parsed.rows_in == 0 and parsed.records.empty and parsed.is_accounted
    assert isinstance(parsed.records["updated_at"].dtype, pd.DatetimeTZDtype)
    assert parsed.records["requires_visit"].dtype == bool


@pytest.mark.parametrize(
    ("changes", "column", "value", "reason"),
    [
        ({"application_id": ...}, "application_id", None, "field is missing"),
        ({"application_id": ""}, "application_id", "", "is not a non-empty identifier"),
        (
            {"service_code": 3800000000160000017},
            "service_code",
            "3800000000160000017",
            "got a number",
        ),
        ({"service_code": "38000"}, "service_code", "38000", "is not a 19-digit service code"),
        ({"target_oktmo": "25 701 000"}, "target_oktmo", "25 701 000", "8-digit OKTMO"),
        ({"target_oktmo": None}, "target_oktmo", None, "expected a string, got null"),
        (
            {"submitted_at": "2024-03-05T10:22:31"},
            "submitted_at",
            "2024-03-05T10:22:31",
            "UTC offset",
        ),
        ({"submitted_at": "05.03.2024 10:22"}, "submitted_at", "05.03.2024 10:22", "ISO-8601"),
        (
            {"updated_at": "2024-02-30T10:00:00+08:00"},
            "updated_at",
            "2024-02-30T10:00:00+08:00",
            "ISO-8601",
        ),
        ({"updated_at": 1709800000}, "updated_at", "1709800000", "expected a string, got a number"),
        ({"status": "done"}, "status", "done", "'done' is not one of registered"),
        ({"status": ["completed"]}, "status", '["completed"]', "got a list"),
        (
            {"requires_visit": "false"},
            "requires_visit",
            "false",
            "expected true or false, got a string",
        ),
        ({"requires_visit": 0}, "requires_visit", "0", "got a number"),
        ({"requires_visit": ...}, "requires_visit", None, "field is missing"),
    ],
)
def test_a_bad_item_is_rejected_with_its_number_field_and_value(
    changes: dict[str, Any], column: str, value: str | None, reason: str
) -> None:
    parsed = parse_epgu_page(page([item(), item(**changes), item()]), PAGE)
    assert parsed.records["source_row"].tolist() == [1, 3]
    assert parsed.is_accounted
    [reject] = parsed.rejects
    assert (reject.source, reject.file, reject.row, reject.column) == ("epgu", PAGE, 2, column)
    assert reject.value == value
    assert reason in reject.reason
    assert reject.message.startswith(f"epgu {PAGE}, row 2, column '{column}': ")


def test_an_item_that_is_not_an_object_is_rejected_as_a_whole() -> None:
    parsed = parse_epgu_page(page([item(), "EPGU-1", None]), PAGE)
    assert [(r.row, r.column, r.value) for r in parsed.rejects] == [
        (2, None, "EPGU-1"),
        (3, None, None),
    ]
    assert "not an object" in parsed.rejects[0].reason


def test_an_item_with_several_bad_fields_is_rejected_once_for_the_first() -> None:
    parsed = parse_epgu_page(page([item(service_code="x", status="y", requires_visit=1)]), PAGE)
    assert [(r.row, r.column) for r in parsed.rejects] == [(1, "service_code")]
    assert parsed.records.empty and parsed.is_accounted


def test_unknown_extra_fields_are_ignored() -> None:
    parsed = parse_epgu_page(page([item(channel="mobile")]), PAGE)
    assert len(parsed.records) == 1 and "channel" not in parsed.records.columns


def test_bad_items_scattered_over_a_full_page_line_up_with_their_numbers() -> None:
    items = [item(application_id=f"EPGU-2024-{i:09d}") for i in range(5000)]
    bad = {17: "status", 2500: "target_oktmo", 4999: "updated_at"}
    for index, field in bad.items():
        items[index][field] = "broken"
    parsed = parse_epgu_page(page(items), PAGE)
    assert [(r.row, r.column) for r in parsed.rejects] == [(i + 1, f) for i, f in bad.items()]
    assert len(parsed.records) == 4997 and parsed.is_accounted
    kept = parsed.records.set_index("source_row")["application_id"]
    assert 2501 not in kept.index
    assert kept.loc[2502] == "EPGU-2024-000002501"
    assert kept.loc[5000 - 1] == "EPGU-2024-000004998"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not valid JSON"),
        (b'{"items": [', "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b"[]", "not a JSON object"),
        (b'{"next_cursor": null, "total": 0}', "has no 'items'"),
        (b'{"items": {}, "next_cursor": null}', "'items' is not a list"),
        (b'{"items": [], "total": 0}', "has no 'next_cursor'"),
    ],
)
def test_an_unreadable_page_is_a_delivery_error_naming_the_page(
    content: bytes, reason: str
) -> None:
    with pytest.raises(DeliveryError) as caught:
        parse_epgu_page(content, PAGE)
    assert reason in str(caught.value)
    assert str(caught.value).startswith(f"epgu {PAGE}: ")


def test_a_clean_page_parses_as_it_would_item_by_item(monkeypatch: pytest.MonkeyPatch) -> None:
    items = [
        item(
            application_id=f"EPGU-2024-{i:09d}",
            submitted_at=["2024-03-05T10:22:31+08:00", "2024-03-05T02:22:31Z"][i % 2],
            updated_at=["2024-03-07T09:00:00.123456+03:00", "2024-03-07 09:00:00+08:00"][i % 2],
            status=EPGU_STATUSES[i % len(EPGU_STATUSES)],
            requires_visit=i % 3 == 0,
        )
        for i in range(50)
    ]
    whole = parse_epgu_page(page(items), PAGE)
    monkeypatch.setattr(epgu, "_clean_columns", lambda items: None)
    one_by_one = parse_epgu_page(page(items), PAGE)
    pd.testing.assert_frame_equal(whole.records, one_by_one.records, check_exact=True)
    assert whole.rows_in == one_by_one.rows_in == 50 and whole.rejects == []


@pytest.mark.parametrize(
    "changes",
    [
        {"submitted_at": "2024-02-30T10:00:00+08:00"},  # shaped like a timestamp, no such day
        {"requires_visit": 1},
        {"target_oktmo": "2570100"},
        {"status": "done"},
        {"service_code": ...},
        {"application_id": " EPGU-1"},
    ],
)
def test_any_doubt_sends_the_page_item_by_item(changes: dict[str, Any]) -> None:
    assert epgu._clean_columns([item(), item(**changes)]) is None
    parsed = parse_epgu_page(page([item(), item(**changes)]), PAGE)
    assert [r.row for r in parsed.rejects] == [2]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("submitted_at", "0000-06-15T12:00:00Z"),  # PostgreSQL has no year 0
        ("submitted_at", "0001-01-01T00:00:00+08:00"),  # year 0 in UTC
        ("updated_at", "9999-12-31T20:00:00Z"),  # year 10000 in Irkutsk time
    ],
)
def test_a_timestamp_outside_years_1_to_9999_is_rejected_not_loaded(
    column: str, value: str
) -> None:
    parsed = parse_epgu_page(page([item(), item(**{column: value})]), PAGE)
    assert parsed.records["source_row"].tolist() == [1] and parsed.is_accounted
    [reject] = parsed.rejects
    assert (reject.row, reject.column, reject.value) == (2, column, value)
    assert "outside years 1-9999" in reject.reason


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("service_code", "٣٨٠٠٠٠٠٠٠٠١٦٠٠٠٠٠١٧"),  # Arabic-Indic digits
        ("target_oktmo", "２５７０１０００"),  # full-width digits
        ("submitted_at", "２０２４-03-05T10:22:31+08:00"),
    ],
)
def test_codes_and_timestamps_in_digits_of_other_scripts_are_rejected(
    column: str, value: str
) -> None:
    parsed = parse_epgu_page(page([item(**{column: value})]), PAGE)
    assert [(r.row, r.column, r.value) for r in parsed.rejects] == [(1, column, value)]
    assert parsed.records.empty and parsed.is_accounted
