"""The raw COPY reference: SQL re-pointed at the raw tables, and the spool."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.raw_copy import RAW_SCHEMA, Spool, raw_copy_sql, raw_index_sql


def test_core_indexes_are_re_pointed_at_the_raw_table_and_lose_uniqueness() -> None:
    pkey = (
        "CREATE UNIQUE INDEX fact_epgu_application_pkey ON core.fact_epgu_application "
        "USING btree (application_id)"
    )
    assert raw_index_sql(pkey, RAW_SCHEMA, "fact_epgu_application") == (
        "CREATE INDEX fact_epgu_application_pkey ON bench_raw.fact_epgu_application "
        "USING btree (application_id)"
    )
    with pytest.raises(ValueError):
        raw_index_sql(pkey, RAW_SCHEMA, "fact_mfc_application")


def test_the_staging_copy_is_re_pointed_at_the_raw_table() -> None:
    stage = "COPY stage_fact_ekc_call (\n    call_id, load_batch_id\n) FROM STDIN WITH (FORMAT csv)"
    assert raw_copy_sql(stage, RAW_SCHEMA, "fact_ekc_call").startswith(
        "COPY bench_raw.fact_ekc_call (\n    call_id"
    )
    with pytest.raises(ValueError):
        raw_copy_sql(stage, RAW_SCHEMA, "fact_mfc_application")


def test_the_spool_keeps_whole_tables_by_name_until_the_budget(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    for table, rows in (("b_table", 5), ("a_table", 3), ("c_table", 9)):
        spool.path(table).write_text("x\n" * rows, encoding="utf-8")
        spool.rows[table] = rows
    kept = spool.keep(tmp_path / "keep", "2024-03", 6)
    assert [(k["table"], k["rows"], k["month"]) for k in kept] == [
        ("a_table", 3, "2024-03"),
        ("b_table", 5, "2024-03"),
    ]
    assert all(Path(k["path"]).is_file() for k in kept)
    assert list(spool.rows) == ["c_table"]
    assert spool.keep(tmp_path / "keep", "2024-03", 0) == []
