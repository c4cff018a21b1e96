"""The COPY CSV text the gate's writes send (egov.warehouse.sql.csv_text): NULLs, quoting, types."""

from __future__ import annotations

import csv
import io
from datetime import date

import numpy as np
import pandas as pd
import pytest

from egov.warehouse.sql import NULL, csv_fields, csv_text


def read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_missing_values_of_every_kind_are_the_null_marker_unquoted() -> None:
    frame = pd.DataFrame(
        {
            "text": pd.Series(["a", None], dtype="str"),
            "obj": ["x", None],
            "float": [1.5, np.nan],
            "nullable": pd.array([1, None], dtype="Int64"),
            "stamp": pd.to_datetime(["2024-03-01T00:00:00Z", None], utc=True),
            "day": [date(2024, 3, 1), None],
        }
    )
    text = csv_text(frame)
    assert text.splitlines()[1] == ",".join([NULL] * 6)
    assert read_back(text)[0] == [
        "a",
        "x",
        "1.5",
        "1",
        "2024-03-01T00:00:00.000000+00",
        "2024-03-01",
    ]


def test_texts_that_could_be_misread_are_quoted_and_plain_ones_are_not() -> None:
    frame = pd.DataFrame(
        {
            "plain": ["МФЦ Иркутск", "b", "c", "d", "e"],
            "tricky": ["a,b", 'say "hi"', "two\nlines", "\\N", ""],
        }
    )
    text = csv_text(frame)
    assert text.startswith('МФЦ Иркутск,"a,b"\n')
    # A literal backslash-N stays text (quoted), an empty string stays empty (quoted).
    assert '"\\N"' in text and text.endswith('e,""\n')
    assert [row[1] for row in read_back(text)] == frame["tricky"].tolist()


def test_aware_stamps_are_the_same_instant_in_utc_and_naive_ones_stay_as_they_are() -> None:
    local = pd.Series(pd.to_datetime(["2024-03-01T08:30:00.250000+08:00"], utc=True)).dt.tz_convert(
        "Asia/Irkutsk"
    )
    assert csv_fields(local) == ["2024-03-01T00:30:00.250000+00"]
    naive = pd.Series(pd.to_datetime(["2024-03-01 08:30:00"])).dt.as_unit("s")
    assert csv_fields(naive) == ["2024-03-01T08:30:00"]


def test_numbers_booleans_and_dates_are_written_as_postgres_reads_them() -> None:
    frame = pd.DataFrame(
        {
            "int": np.array([3, -1], dtype=np.int64),
            "flag": [True, False],
            "day": [date(2024, 3, 1), date(2024, 3, 1)],
            "nullable_flag": pd.array([True, None], dtype="boolean"),
        }
    )
    assert read_back(csv_text(frame)) == [
        ["3", "t", "2024-03-01", "True"],
        ["-1", "f", "2024-03-01", NULL],
    ]


def test_columns_go_in_the_frame_order_and_an_empty_frame_is_no_text() -> None:
    frame = pd.DataFrame({"b": [1], "a": ["x"]})
    assert csv_text(frame) == "1,x\n"
    assert csv_text(frame.iloc[0:0]) == ""


def test_a_nul_character_cannot_be_copied() -> None:
    with pytest.raises(ValueError, match="NUL"):
        csv_fields(pd.Series(["a\x00b", "c"]))


def test_a_column_of_nothing_but_missing_values_is_all_null_markers() -> None:
    assert csv_fields(pd.Series([None, None], dtype="object")) == [NULL, NULL]
    assert csv_fields(pd.Series([np.nan, np.nan], dtype="str")) == [NULL, NULL]
