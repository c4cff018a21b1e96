"""The to_sql reference's pure parts: the row cap, and COPY text read back into typed frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bench.to_sql import cap_rows, read_copy_frame, table_columns


def parts(*rows: int) -> list[dict[str, object]]:
    return [{"table": f"t{i}", "rows": n} for i, n in enumerate(rows)]


def test_whole_tables_are_taken_in_order_and_the_last_one_is_cut() -> None:
    used = cap_rows(parts(100, 300, 50), 350)
    assert [(p["table"], p["rows_used"]) for p in used] == [("t0", 100), ("t1", 250)]
    assert used[0]["rows"] == 100


def test_under_the_cap_every_row_is_used_and_a_zero_cap_uses_none() -> None:
    assert [p["rows_used"] for p in cap_rows(parts(10, 20), 1_000)] == [10, 20]
    assert cap_rows(parts(10, 20), 0) == []
    assert [p["table"] for p in cap_rows(parts(0, 5), 3)] == ["t1"]


def test_copy_text_is_read_back_with_the_sql_types(tmp_path: Path) -> None:
    path = tmp_path / "fact.csv"
    path.write_text(
        '0042,2024-03-01T10:00:00.123456+00,2024-03-01,t,17,"a, quoted"\n'
        "0043,2024-03-02T00:00:00+00,2024-03-01,f,\\N,\\N\n"
        "0044,2024-03-03T00:00:00+00,2024-03-01,f,3,\n",
        encoding="utf-8",
    )
    columns = ["oktmo", "at", "month", "flag", "count", "note"]
    types = {
        "oktmo": "text",
        "at": "timestamp with time zone",
        "month": "date",
        "flag": "boolean",
        "count": "integer",
        "note": "text",
    }
    frame = read_copy_frame(path, columns, types)
    assert frame["oktmo"].tolist() == ["0042", "0043", "0044"]  # codes keep their zeros
    assert frame["at"].iloc[0] == pd.Timestamp("2024-03-01 10:00:00.123456", tz="UTC")
    assert frame["month"].iloc[1] == pd.Timestamp("2024-03-01")
    assert frame["flag"].tolist() == [True, False, False]
    assert str(frame["count"].dtype) == "Int64" and frame["count"].isna().tolist() == [
        False,
        True,
        False,
    ]
    assert frame["note"].iloc[0] == "a, quoted" and pd.isna(frame["note"].iloc[1])
    assert frame["note"].iloc[2] == ""  # an empty text is not NULL
    assert len(read_copy_frame(path, columns, types, nrows=2)) == 2


def test_the_copy_columns_are_the_core_columns_plus_the_batch() -> None:
    columns = table_columns("fact_ekc_call")
    assert columns[0] == "call_id" and columns[-1] == "load_batch_id"
    with pytest.raises(ValueError, match="not a core fact table"):
        table_columns("fact_nothing")
