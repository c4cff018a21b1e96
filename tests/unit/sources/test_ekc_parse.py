"""Parsing one day's ЕКЦ call export: typed records, row-level rejects, file-level errors."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from egov.sources.ekc import parse_ekc_csv
from egov.sources.records import DeliveryError

NAME = "calls 2024-03-05"
HEADER = "call_id,started_at,line,ivr_topic,caller_oktmo,answered,wait_sec,talk_sec,outcome"
ANSWERED = (
    "3f1e0c9a-1111-4222-8333-444455556666,2024-03-05T10:00:00+08:00,122,local_government,"
    "25701000,true,12,200,answered_on_spot"
)
ABANDONED = (
    "3f1e0c9a-1111-4222-8333-444455556667,2024-03-05T23:59:59+08:00,117,healthcare,,false,40,0,"
    "abandoned"
)


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def test_a_valid_export_gives_typed_records_with_line_numbers() -> None:
    parsed = parse_ekc_csv(csv_bytes(ANSWERED, ABANDONED), NAME)
    assert (parsed.source, parsed.file, parsed.rows_in) == ("ekc", NAME, 2)
    assert parsed.rejects == [] and parsed.is_accounted
    r = parsed.records
    assert list(r.columns) == [
        "call_id",
        "started_at",
        "line",
        "ivr_topic",
        "caller_oktmo",
        "answered",
        "wait_sec",
        "talk_sec",
        "outcome",
        "source_row",
    ]
    assert r["source_row"].tolist() == [2, 3]
    assert r["line"].tolist() == [122, 117] and r["line"].dtype == "int64"
    assert r["answered"].tolist() == [True, False] and r["answered"].dtype == bool
    assert r["caller_oktmo"].iloc[0] == "25701000" and pd.isna(r["caller_oktmo"].iloc[1])
    assert r["wait_sec"].tolist() == [12, 40] and r["talk_sec"].tolist() == [200, 0]
    assert r["outcome"].tolist() == ["answered_on_spot", "abandoned"]
    assert r["started_at"].iloc[1] == pd.Timestamp("2024-03-05T15:59:59Z")
    assert str(r["started_at"].iloc[1]) == "2024-03-05 23:59:59+08:00"


def test_a_bom_crlf_line_ends_and_blank_lines_are_accepted_and_rows_keep_file_numbers() -> None:
    content = ("\ufeff" + "\r\n".join([HEADER, ANSWERED, "", ABANDONED, ""]) + "\r\n").encode()
    parsed = parse_ekc_csv(content, NAME)
    assert parsed.records["source_row"].tolist() == [2, 4]
    assert parsed.rows_in == 2 and parsed.is_accounted


def test_columns_may_come_in_another_order_and_extra_columns_are_ignored() -> None:
    header = "outcome,talk_sec,wait_sec,answered,caller_oktmo,ivr_topic,line,started_at,call_id,x"
    values = ANSWERED.split(",")
    line = ",".join([*reversed(values), "extra"])
    parsed = parse_ekc_csv(csv_bytes(line, header=header), NAME)
    assert parsed.records["call_id"].tolist() == ["3f1e0c9a-1111-4222-8333-444455556666"]
    assert "x" not in parsed.records.columns


def test_a_header_only_export_has_no_records() -> None:
    parsed = parse_ekc_csv(csv_bytes(), NAME)
    assert parsed.rows_in == 0 and parsed.records.empty and parsed.is_accounted
    assert isinstance(parsed.records["started_at"].dtype, pd.DatetimeTZDtype)


@pytest.mark.parametrize(
    ("index", "value", "reason"),
    [
        (0, "not-a-uuid", "is not a UUID"),
        (1, "2024-03-05T10:00:00", "ISO-8601 timestamp with a UTC offset"),
        (1, "2024-03-05T25:00:00+08:00", "not a valid ISO-8601 timestamp"),
        (2, "118", "'118' is not 117 or 122"),
        (3, "weather", "is not one of local_government"),
        (4, "2570100", "8-digit OKTMO"),
        (5, "yes", "true or false"),
        (6, "-1", "whole number of seconds"),
        (7, "1.5", "whole number of seconds"),
        (8, "hung_up", "is not one of answered_on_spot"),
    ],
)
def test_a_bad_value_is_rejected_with_row_column_and_value(
    index: int, value: str, reason: str
) -> None:
    cells = ANSWERED.split(",")
    column = HEADER.split(",")[index]
    cells[index] = value
    parsed = parse_ekc_csv(csv_bytes(ABANDONED, ",".join(cells)), NAME)
    [reject] = parsed.rejects
    assert (reject.source, reject.file, reject.row, reject.column) == ("ekc", NAME, 3, column)
    assert reject.value == value and reason in reject.reason
    assert parsed.records["source_row"].tolist() == [2] and parsed.is_accounted


def test_a_row_with_the_wrong_number_of_fields_is_rejected() -> None:
    parsed = parse_ekc_csv(csv_bytes(ANSWERED + ",surplus", ABANDONED), NAME)
    [reject] = parsed.rejects
    assert (reject.row, reject.column) == (2, None)
    assert reject.reason == "has 10 fields, the header has 9"


def test_a_repeated_call_id_is_rejected_at_its_second_row() -> None:
    again = ANSWERED.upper().replace("TRUE", "true").replace("LOCAL_GOVERNMENT", "local_government")
    again = again.replace("ANSWERED_ON_SPOT", "answered_on_spot")
    parsed = parse_ekc_csv(csv_bytes(ANSWERED, ABANDONED, again), NAME)
    [reject] = parsed.rejects
    assert (reject.row, reject.column, reject.reason) == (4, "call_id", "repeats row 2")


def test_with_the_export_day_a_call_of_another_day_is_rejected() -> None:
    other = ANSWERED.replace("2024-03-05T10:00:00+08:00", "2024-03-05T16:30:00Z")
    parsed = parse_ekc_csv(csv_bytes(other, ABANDONED), NAME, day=date(2024, 3, 5))
    [reject] = parsed.rejects
    assert (reject.row, reject.column) == (2, "started_at")
    assert "started on 2024-03-06, not on the export's day 2024-03-05" in reject.reason
    assert len(parse_ekc_csv(csv_bytes(other, ABANDONED), NAME).records) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "ekc calls 2024-03-05: the file is empty"),
        (b"\n\n", "ekc calls 2024-03-05: the file is empty"),
        ("call_id;started_at\n".encode("cp1251") + b"\xff\n", "not valid UTF-8"),
        (
            csv_bytes(header=HEADER.replace(",line", "")),
            "ekc calls 2024-03-05, row 1, column 'line': required column is missing",
        ),
        (
            csv_bytes(header=HEADER + ",line"),
            "ekc calls 2024-03-05, row 1, column 'line': column appears twice",
        ),
    ],
)
def test_an_unusable_file_is_a_delivery_error(content: bytes, message: str) -> None:
    with pytest.raises(DeliveryError) as caught:
        parse_ekc_csv(content, NAME)
    assert message in str(caught.value)


def test_rows_are_numbered_by_the_line_they_start_on_after_a_quoted_line_break() -> None:
    multi_line = ANSWERED + ',"a comment\non two lines"'
    later = ABANDONED.replace(",40,", ",abc,") + ","
    header = HEADER + ",comment"
    parsed = parse_ekc_csv(csv_bytes(multi_line, "", later, header=header), NAME)
    # Header line 1, the call on lines 2-3, a blank line 4, the bad call on line 5.
    assert parsed.records["source_row"].tolist() == [2]
    assert [(r.row, r.column) for r in parsed.rejects] == [(5, "wait_sec")]
    assert parsed.rows_in == 2 and parsed.is_accounted


@pytest.mark.parametrize(
    ("index", "value"),
    [(4, "２５７０１０００"), (6, "٠٠٠"), (7, "１２")],  # full-width and Arabic-Indic digits
)
def test_digits_of_other_scripts_are_rejected_not_a_crash(index: int, value: str) -> None:
    cells = ANSWERED.split(",")
    cells[index] = value
    parsed = parse_ekc_csv(csv_bytes(",".join(cells)), NAME)
    assert [(r.row, r.column, r.value) for r in parsed.rejects] == [
        (2, HEADER.split(",")[index], value)
    ]
    assert parsed.records.empty and parsed.is_accounted


@pytest.mark.parametrize("day", [None, date(2024, 3, 5)])
@pytest.mark.parametrize(
    "value",
    ["0000-06-15T12:00:00Z", "0001-01-01T00:00:00+08:00", "9999-12-31T20:00:00Z"],
)
def test_a_start_outside_years_1_to_9999_is_rejected_with_or_without_the_day(
    value: str, day: date | None
) -> None:
    far = ANSWERED.replace("2024-03-05T10:00:00+08:00", value)
    parsed = parse_ekc_csv(csv_bytes(far, ABANDONED), NAME, day=day)
    [reject] = parsed.rejects
    assert (reject.row, reject.column, reject.value) == (2, "started_at", value)
    assert "outside years 1-9999" in reject.reason
    assert parsed.records["source_row"].tolist() == [3] and parsed.is_accounted
