"""`egov quality report` on a real warehouse: batches, failed expectations, quarantined rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from cli.main import app
from egov.quality.report import select_quality_findings
from egov.warehouse.connection import create_warehouse_engine
from egov.warehouse.migrations import upgrade_warehouse

pytestmark = pytest.mark.integration

CHECKSUM = "ab" * 32


@pytest.fixture
def warehouse(warehouse_env: str) -> Iterator[Engine]:
    engine = create_warehouse_engine()
    upgrade_warehouse(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def _delivery(conn: sa.Connection, source: str, key: str, start: str, end: str) -> int:
    return int(
        conn.execute(
            sa.text(
                "INSERT INTO raw.deliveries (source, delivery_key, period_start, period_end,"
                " checksum_sha256, size_bytes, media_type, blob_path, fetched_at)"
                " VALUES (:source, :key, :start, :end, :checksum, 100, 'text/csv', 'ab/cd/x.gz',"
                " '2024-03-02T10:00:00+08:00') RETURNING delivery_id"
            ),
            {"source": source, "key": key, "start": start, "end": end, "checksum": CHECKSUM},
        ).scalar_one()
    )


def _batch(conn: sa.Connection, **values: Any) -> int:
    row = {"oktmo": None, "volume": values["rows_in"], "checksum": CHECKSUM} | values
    return int(
        conn.execute(
            sa.text(
                "INSERT INTO audit.load_batches (source, batch_key, oktmo, period_start,"
                " period_end, status, rows_in, rows_loaded, rows_quarantined, rows_rejected,"
                " volume, checksum_sha256, message, started_at, finished_at)"
                " VALUES (:source, :batch_key, :oktmo, :period_start, :period_end, :status,"
                " :rows_in, :rows_loaded, :rows_quarantined, :rows_rejected, :volume, :checksum,"
                " :message, '2024-05-01T10:00:00+08:00', '2024-05-01T10:00:05+08:00')"
                " RETURNING batch_id"
            ),
            row,
        ).scalar_one()
    )


def _expectation(conn: sa.Connection, batch_id: int, **values: Any) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO audit.expectation_results (batch_id, expectation, suite, severity,"
            " success, element_count, unexpected_count, details)"
            " VALUES (:batch_id, :expectation, :suite, :severity, :success, :element_count,"
            " :unexpected_count, CAST(:details AS jsonb))"
        ),
        {"batch_id": batch_id, **values, "details": json.dumps(values["details"])},
    )


@pytest.fixture
def findings_in_warehouse(warehouse: Engine) -> dict[str, int]:
    """An МФЦ day with one row quarantined and an ОМСУ workbook rejected a month later."""
    with warehouse.begin() as conn:
        mfc_delivery = _delivery(conn, "mfc", "mfc_20240301.csv", "2024-03-01", "2024-03-01")
        _delivery(conn, "omsu", "omsu_25601000_2024-04.xlsx", "2024-04-01", "2024-04-30")
        mfc = _batch(
            conn, source="mfc", batch_key="mfc_20240301.csv", period_start="2024-03-01",
            period_end="2024-03-01", status="partial", rows_in=12, rows_loaded=11,
            rows_quarantined=1, rows_rejected=0, message="1 row quarantined: oktmo_known",
        )  # fmt: skip
        omsu = _batch(
            conn, source="omsu", batch_key="omsu_25601000_2024-04.xlsx", oktmo="25601000",
            period_start="2024-04-01", period_end="2024-04-30", status="rejected", rows_in=40,
            rows_loaded=0, rows_quarantined=0, rows_rejected=40,
            message="rejected: itogo_matches",
        )  # fmt: skip
        _expectation(
            conn, mfc, expectation="service_known", suite="mfc_source", severity="warning",
            success=True, element_count=12, unexpected_count=0, details={},
        )  # fmt: skip
        _expectation(
            conn, mfc, expectation="oktmo_known", suite="mfc_source", severity="warning",
            success=False, element_count=12, unexpected_count=1,
            details={"reason": "OKTMO not in the directory",
                     "examples": ["mfc_20240301.csv, row 7, column 'ОКТМО'"]},
        )  # fmt: skip
        _expectation(
            conn, omsu, expectation="itogo_matches", suite="omsu_batch", severity="blocking",
            success=False, element_count=1, unexpected_count=1,
            details={"reason": "Итого differs from the sum of the rows", "sheet": 1200,
                     "rows": 1187},
        )  # fmt: skip
        conn.execute(
            sa.text(
                "INSERT INTO audit.quarantine (batch_id, dataset, source_row, source,"
                " delivery_id, source_file, rule, failed_rules, column_name, reason, raw_values)"
                " VALUES (:batch_id, 'applications', 7, 'mfc', :delivery_id, 'mfc_20240301.csv',"
                " 'oktmo_known', ARRAY['oktmo_known'], 'ОКТМО', 'OKTMO not in the directory',"
                " CAST(:raw AS jsonb))"
            ),
            {"batch_id": mfc, "delivery_id": mfc_delivery, "raw": '{"ОКТМО": "99999999"}'},
        )
    return {"mfc": mfc, "omsu": omsu}


def test_findings_are_read_per_batch_with_failed_expectations_and_quarantine(
    warehouse: Engine, findings_in_warehouse: dict[str, int]
) -> None:
    with warehouse.connect() as conn:
        everything = select_quality_findings(conn, None, None)
        march = select_quality_findings(conn, None, "2024-03")
        omsu = select_quality_findings(conn, "omsu", None)
        nothing = select_quality_findings(conn, "ekc", None)

    assert everything.batch_count == 2
    assert [(b["source"], b["status"]) for b in everything.batches] == [
        ("mfc", "partial"),
        ("omsu", "rejected"),
    ]
    mfc_totals = next(s for s in everything.sources if s["source"] == "mfc")
    assert (mfc_totals["batches_partial"], mfc_totals["rows_quarantined"]) == (1, 1)
    assert mfc_totals["batches_unaccounted"] == 0
    assert [(f["expectation"], f["severity"]) for f in everything.failed_expectations] == [
        ("oktmo_known", "warning"),
        ("itogo_matches", "blocking"),
    ]  # passed expectations are not findings
    itogo = everything.failed_expectations[1]
    reason_and_figures = 'Итого differs from the sum of the rows; {"rows": 1187, "sheet": 1200}'
    assert itogo["detail"] == reason_and_figures  # jsonb orders the keys
    [reason] = everything.quarantine_reasons
    assert (reason["rule"], reason["column_name"], reason["quarantined_rows"]) == (
        "oktmo_known",
        "ОКТМО",
        1,
    )
    assert (reason["example_file"], reason["example_row"]) == ("mfc_20240301.csv", 7)

    assert [b["batch_id"] for b in march.batches] == [findings_in_warehouse["mfc"]]
    assert [b["batch_id"] for b in omsu.batches] == [findings_in_warehouse["omsu"]]
    assert omsu.quarantine_reasons == []
    assert nothing.batch_count == 0
    assert nothing.batches == nothing.failed_expectations == nothing.quarantine_reasons == []


def _report(*args: str) -> Result:
    # Wide enough that rich does not fold file names across lines.
    return CliRunner().invoke(app, ["quality", "report", *args], env={"COLUMNS": "250"})


def test_cli_report_names_the_rule_the_file_and_the_row(
    findings_in_warehouse: dict[str, int],
) -> None:
    result = _report()

    assert result.exit_code == 0, result.output
    for text in (
        "mfc_20240301.csv, row 7",  # the quarantined row
        "oktmo_known",
        "OKTMO not in the directory",
        "omsu_25601000_2024-04.xlsx",
        "itogo_matches",
        "blocking",
        "40 = 0 + 0 + 40",  # the rejected workbook's rows, all accounted for
    ):
        assert text in result.stdout, text


def test_cli_report_filters_by_source_and_period(findings_in_warehouse: dict[str, int]) -> None:
    march = _report("--period", "2024-03")
    omsu = _report("--source", "omsu")
    april_mfc = _report("--source", "mfc", "--period", "2024-04")

    assert march.exit_code == omsu.exit_code == april_mfc.exit_code == 0
    assert "mfc_20240301.csv" in march.stdout
    assert "omsu_25601000_2024-04.xlsx" not in march.stdout
    assert "omsu_25601000_2024-04.xlsx" in omsu.stdout
    assert "mfc_20240301.csv" not in omsu.stdout
    assert "no validated batches for source mfc and period 2024-04" in april_mfc.stdout


def test_cli_report_rejects_a_bad_period_or_source_in_one_line(warehouse_env: str) -> None:
    bad_period = _report("--period", "2024-13")
    bad_source = _report("--source", "fax")

    assert bad_period.exit_code == bad_source.exit_code == 1
    expected = "error: --period '2024-13' is not an ISO month: expected YYYY-MM, e.g. 2024-03"
    assert bad_period.stderr.strip() == expected
    assert "unknown source 'fax'" in bad_source.stderr
    assert "Traceback" not in bad_period.output + bad_source.output


def test_cli_report_on_an_empty_warehouse_says_there_is_nothing_yet(warehouse: Engine) -> None:
    result = _report()
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "no validated batches yet"


def test_cli_report_before_the_quality_migration_asks_for_an_upgrade(warehouse_env: str) -> None:
    result = _report()
    assert result.exit_code == 1
    assert "run `egov warehouse upgrade`" in result.stderr
