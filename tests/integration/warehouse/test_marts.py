"""The BI marts (migration 0006) on a small hand-made warehouse: exact values and comments.

Three municipalities and two МСЗУ services, one municipal and one regional, December 2023 to
March 2024. A (25701000) renames itself on 2024-02-15; B (25703000) ceases on 2024-03-15, so it
owes no March form but still has March applications; C (25714000) owes every form and sends
none. B's February form is missing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from egov.calendar import month_end, months_between
from egov.indicators.share_figures import (
    MUNICIPALITY,
    REGION,
    pct,
    scope_month_figures,
    ytd_figures,
)
from egov.warehouse.migrations import upgrade_warehouse
from tests.integration.helpers import warehouse_engine

pytestmark = pytest.mark.integration

A, B, C = "25701000", "25703000", "25714000"
A_OLD, A_NEW, B_NAME, C_NAME = "Иркутск (до 2024-02-15)", "город Иркутск", "Ангарск", "Братск"
MUNICIPAL, REGIONAL = "3800000000100000001", "3800000000200000001"
DEC, JAN, FEB, MAR = date(2023, 12, 1), date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)

MUNICIPALITIES = [
    # oktmo, valid_from, valid_to, name
    (A, date(2014, 1, 1), date(2024, 2, 14), A_OLD),
    (A, date(2024, 2, 15), None, A_NEW),
    (B, date(2014, 1, 1), date(2024, 3, 15), B_NAME),
    (C, date(2014, 1, 1), None, C_NAME),
]
SERVICES = [
    (MUNICIPAL, 1, "Муниципальная услуга", "municipal"),
    (REGIONAL, 2, "Региональная услуга", "regional"),
]
COUNTS = [
    # month, oktmo, service, n_epgu_online, n_epgu, n_mfc, n_omsu_direct, has_omsu_report
    (DEC, A, MUNICIPAL, 7, 7, 0, 3, True),
    (JAN, A, MUNICIPAL, 3, 4, 2, 2, True),
    (JAN, A, REGIONAL, 1, 2, 2, 0, True),
    (JAN, B, MUNICIPAL, 1, 1, 0, 3, True),
    (FEB, A, MUNICIPAL, 2, 2, 1, 1, True),
    (FEB, B, MUNICIPAL, 2, 3, 1, 0, False),
    (FEB, B, REGIONAL, 0, 0, 5, 0, False),
    (MAR, A, MUNICIPAL, 5, 5, 0, 0, True),
    (MAR, B, MUNICIPAL, 1, 1, 1, 0, False),
]
CALLS = [
    # call_date, line, topic, caller_oktmo, is_answered, wait_sec, talk_sec, outcome
    (date(2024, 3, 1), "122", "schools", A, True, 10, 100, "answered_on_spot"),
    (date(2024, 3, 1), "122", "schools", A, True, 20, 200, "forwarded_to_omsu"),
    (date(2024, 3, 1), "122", "schools", A, False, 30, 0, "abandoned"),
    (date(2024, 3, 1), "122", "schools", A, False, 40, 0, "abandoned"),
    (date(2024, 3, 1), "122", "schools", A, True, 50, 300, "forwarded_to_omsu"),
    (date(2024, 3, 1), "122", "schools", None, True, 5, 60, "answered_on_spot"),
    (date(2024, 3, 2), "117", "other", B, False, 7, 0, "abandoned"),
    (date(2024, 1, 10), "122", "schools", A, True, 1, 2, "transferred_to_agency"),
]
FIGURES = [(A, JAN), (A, FEB), (B, MAR)]
"""(oktmo, report_month) with a row on the form's applications sheet."""
CAMPAIGN = [
    # oktmo, report_month, channel, placements
    (A, JAN, "official_site", 3),
    (A, JAN, "info_stands", 0),
    (A, JAN, "social_networks", 2),
    (A, JAN, "messengers", 0),
    (A, JAN, "mass_gathering_places", 1),
    (A, JAN, "publications", 4),
    (A, MAR, "official_site", 1),
    (A, MAR, "messengers", None),
    (A, MAR, "publications", 2),
    *[
        (B, JAN, channel, 0)
        for channel in (
            "official_site",
            "info_stands",
            "social_networks",
            "messengers",
            "mass_gathering_places",
        )
    ],
]

INSERT_BATCH = sa.text(
    "INSERT INTO audit.load_batches (source, batch_key, period_start, period_end, status, "
    "rows_in, rows_loaded, rows_quarantined, rows_rejected, volume, checksum_sha256, message, "
    "started_at, finished_at) VALUES (:source, :source || ' test', '2023-12-01', '2024-03-31', "
    "'loaded', 0, 0, 0, 0, 0, repeat('0', 64), 'test batch', now(), now()) RETURNING batch_id"
)


def seed_small_warehouse(conn: Connection) -> None:
    """The module's dimensions and facts, written straight into core (no gate, no refresh)."""
    load_id = conn.execute(
        sa.text(
            "INSERT INTO audit.reference_loads (dataset, dataset_version, source_file, "
            "checksum_sha256, rows_in, rows_inserted, rows_updated, rows_deleted) VALUES "
            "('municipalities', 'test', 'test.csv', repeat('0', 64), 0, 0, 0, 0) "
            "RETURNING reference_load_id"
        )
    ).scalar_one()
    conn.execute(
        sa.text(
            "INSERT INTO core.dim_municipality (oktmo, valid_from, valid_to, name, kind, "
            "admin_center, population_for_rates, is_population_estimated, is_oktmo_verified, "
            "reference_load_id) VALUES (:oktmo, :valid_from, :valid_to, :name, 'ГО', 'центр', "
            "1000, false, true, :load_id)"
        ),
        [
            {"oktmo": o, "valid_from": f, "valid_to": t, "name": n, "load_id": load_id}
            for o, f, t, n in MUNICIPALITIES
        ],
    )
    conn.execute(
        sa.text(
            "INSERT INTO core.dim_service (service_code, reg_list_no, name, level, sphere, "
            "responsible_body, is_code_illustrative, reference_load_id) VALUES (:code, :no, "
            ":name, :level, 'test', 'ОМСУ', true, :load_id)"
        ),
        [
            {"code": code, "no": no, "name": name, "level": level, "load_id": load_id}
            for code, no, name, level in SERVICES
        ],
    )
    batch = {s: conn.execute(INSERT_BATCH, {"source": s}).scalar_one() for s in ("epgu", "ekc")}
    batch["omsu"] = conn.execute(INSERT_BATCH, {"source": "omsu"}).scalar_one()
    conn.execute(
        sa.text(
            "INSERT INTO core.agg_application_monthly (month, oktmo, service_code, n_online, "
            "n_epgu_online, n_epgu, n_mfc, n_omsu_direct, n_total, has_omsu_report, "
            "max_load_batch_id) VALUES (:month, :oktmo, :service, :online, :online, :epgu, :mfc, "
            ":omsu, :epgu + :mfc + :omsu, :report, :batch)"
        ),
        [
            {
                "month": m,
                "oktmo": o,
                "service": s,
                "online": on,
                "epgu": e,
                "mfc": mfc,
                "omsu": om,
                "report": rep,
                "batch": batch["epgu"],
            }
            for m, o, s, on, e, mfc, om, rep in COUNTS
        ],
    )
    conn.execute(
        sa.text(
            "INSERT INTO core.fact_ekc_call (call_id, call_date, started_at, line, topic, "
            "caller_oktmo, is_answered, wait_sec, talk_sec, outcome, load_batch_id, source_row) "
            "VALUES (:id, :day, :day, :line, :topic, :oktmo, :answered, :wait, :talk, :outcome, "
            ":batch, :row)"
        ),
        [
            {
                "id": f"call-{i}",
                "day": d,
                "line": line,
                "topic": topic,
                "oktmo": oktmo,
                "answered": answered,
                "wait": wait,
                "talk": talk,
                "outcome": outcome,
                "batch": batch["ekc"],
                "row": i + 2,
            }
            for i, (d, line, topic, oktmo, answered, wait, talk, outcome) in enumerate(CALLS)
        ],
    )
    conn.execute(
        sa.text(
            "INSERT INTO core.fact_omsu_service_figures (oktmo, report_month, service_code, "
            "total_count, via_epgu_count, via_mfc_count, in_person_count, by_post_count, "
            "load_batch_id, source_row) VALUES (:oktmo, :month, :service, 0, 0, 0, 0, 0, "
            ":batch, 2)"
        ),
        [
            {"oktmo": o, "month": m, "service": MUNICIPAL, "batch": batch["omsu"]}
            for o, m in FIGURES
        ],
    )
    conn.execute(
        sa.text(
            "INSERT INTO core.fact_omsu_campaign (oktmo, report_month, channel, placements, "
            "load_batch_id, source_row) VALUES (:oktmo, :month, :channel, :placements, :batch, "
            ":row)"
        ),
        [
            {
                "oktmo": o,
                "month": m,
                "channel": ch,
                "placements": p,
                "batch": batch["omsu"],
                "row": i + 2,
            }
            for i, (o, m, ch, p) in enumerate(CAMPAIGN)
        ],
    )


@pytest.fixture
def warehouse(fresh_database_url: str) -> Iterator[Engine]:
    with warehouse_engine(fresh_database_url) as engine:
        upgrade_warehouse(engine)
        with engine.begin() as conn:
            seed_small_warehouse(conn)
        yield engine


def _rows(engine: Engine, query: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(query)).mappings()]


def _pct(numerator: int, denominator: int) -> Fraction | None:
    return None if denominator == 0 else Fraction(100 * numerator, denominator)


def _same(actual: Decimal | float | None, expected: Fraction | float | None) -> bool:
    """Equal to the last bit of a float; None (or pandas' NaN for None) only equals None."""
    if isinstance(expected, float) and math.isnan(expected):
        expected = None
    if expected is None or actual is None:
        return actual is None and expected is None
    return float(actual) == pytest.approx(float(expected), rel=1e-15, abs=0)


def _share_rows(engine: Engine) -> dict[tuple[Any, ...], dict[str, Any]]:
    rows = _rows(engine, "SELECT * FROM mart.epgu_share_monthly")
    keyed = {(r["scope_type"], r["month"], r["oktmo"], r["service_code"]): r for r in rows}
    assert len(keyed) == len(rows), "one row per month and scope"
    return keyed


# (n_online, n_total, ytd_n_online, ytd_n_total,
#  reports_owed, reports_received, ytd_reports_owed, ytd_reports_received) for 2024.
EXPECTED_2024 = {
    ("region", JAN, None, None): (5, 16, 5, 16, 3, 2, 3, 2),
    ("region", FEB, None, None): (4, 13, 9, 29, 3, 1, 6, 3),
    ("region", MAR, None, None): (6, 7, 15, 36, 2, 1, 8, 4),
    # A municipality counts its municipal МСЗУ only: A's regional 1 of 4 in January is not in.
    ("municipality", JAN, A, None): (3, 8, 3, 8, 1, 1, 1, 1),
    ("municipality", FEB, A, None): (2, 4, 5, 12, 1, 1, 2, 2),
    ("municipality", MAR, A, None): (5, 5, 10, 17, 1, 1, 3, 3),
    ("municipality", JAN, B, None): (1, 4, 1, 4, 1, 1, 1, 1),
    ("municipality", FEB, B, None): (2, 4, 3, 8, 1, 0, 2, 1),  # the missing form
    ("municipality", MAR, B, None): (1, 2, 4, 10, 0, 0, 2, 1),  # ceased: owes nothing
    ("municipality", JAN, C, None): (0, 0, 0, 0, 1, 0, 1, 0),
    ("municipality", FEB, C, None): (0, 0, 0, 0, 1, 0, 2, 0),
    ("municipality", MAR, C, None): (0, 0, 0, 0, 1, 0, 3, 0),
    # A service over the region, with the region's coverage.
    ("service", JAN, None, MUNICIPAL): (4, 12, 4, 12, 3, 2, 3, 2),
    ("service", FEB, None, MUNICIPAL): (4, 8, 8, 20, 3, 1, 6, 3),
    ("service", MAR, None, MUNICIPAL): (6, 7, 14, 27, 2, 1, 8, 4),
    ("service", JAN, None, REGIONAL): (1, 4, 1, 4, 3, 2, 3, 2),
    ("service", FEB, None, REGIONAL): (0, 5, 1, 9, 3, 1, 6, 3),
    # One service of one municipality, with the municipality's coverage.
    ("municipality_service", JAN, A, MUNICIPAL): (3, 8, 3, 8, 1, 1, 1, 1),
    ("municipality_service", FEB, A, MUNICIPAL): (2, 4, 5, 12, 1, 1, 2, 2),
    ("municipality_service", MAR, A, MUNICIPAL): (5, 5, 10, 17, 1, 1, 3, 3),
    ("municipality_service", JAN, A, REGIONAL): (1, 4, 1, 4, 1, 1, 1, 1),
    ("municipality_service", JAN, B, MUNICIPAL): (1, 4, 1, 4, 1, 1, 1, 1),
    ("municipality_service", FEB, B, MUNICIPAL): (2, 4, 3, 8, 1, 0, 2, 1),
    ("municipality_service", MAR, B, MUNICIPAL): (1, 2, 4, 10, 0, 0, 2, 1),
    ("municipality_service", FEB, B, REGIONAL): (0, 5, 0, 5, 1, 0, 2, 1),
}
FIGURE_COLUMNS = [
    "n_online",
    "n_total",
    "ytd_n_online",
    "ytd_n_total",
    "reports_owed",
    "reports_received",
    "ytd_reports_owed",
    "ytd_reports_received",
]


def test_epgu_share_rolls_up_each_scope_as_sums_with_year_to_date(warehouse: Engine) -> None:
    rows = _share_rows(warehouse)
    actual = {
        key: tuple(int(r[c]) for c in FIGURE_COLUMNS)
        for key, r in rows.items()
        if key[1].year == 2024
    }
    assert actual == EXPECTED_2024

    # Shares and coverage are exact ratios of the sums shown, on every row.
    for r in rows.values():
        assert _same(r["share_pct"], _pct(r["n_online"], r["n_total"]))
        assert _same(r["ytd_share_pct"], _pct(r["ytd_n_online"], r["ytd_n_total"]))
        assert _same(r["coverage_pct"], _pct(r["reports_received"], r["reports_owed"]))
        assert _same(r["ytd_coverage_pct"], _pct(r["ytd_reports_received"], r["ytd_reports_owed"]))
        assert r["n_total"] == r["n_epgu"] + r["n_mfc"] + r["n_omsu"]
        assert isinstance(r["share_pct"], Decimal | None)
    region_feb = rows["region", FEB, None, None]
    assert _same(region_feb["ytd_share_pct"], Fraction(900, 29))
    assert region_feb["ytd_share_pct"] != region_feb["ytd_share_pct"].quantize(Decimal("0.1"))
    assert rows["region", MAR, None, None]["ytd_coverage_pct"] == 50
    # Coverage of one municipality: 100 or 0 when owed, null when it owes nothing.
    assert rows["municipality", FEB, B, None]["coverage_pct"] == 0
    assert rows["municipality", MAR, B, None]["coverage_pct"] is None
    assert rows["municipality", MAR, B, None]["ytd_coverage_pct"] == 50
    c_jan = rows["municipality", JAN, C, None]
    assert (c_jan["share_pct"], c_jan["ytd_share_pct"], c_jan["coverage_pct"]) == (None, None, 0)

    jan = rows["municipality_service", JAN, A, REGIONAL]
    assert (jan["n_online"], jan["n_epgu"], jan["n_mfc"], jan["n_omsu"]) == (1, 2, 2, 0)
    assert (jan["service_name"], jan["service_level"]) == ("Региональная услуга", "regional")
    assert jan["share_pct"] == 25
    region_jan = rows["region", JAN, None, None]
    assert (region_jan["n_epgu"], region_jan["n_mfc"], region_jan["n_omsu"]) == (7, 4, 5)
    assert region_jan["municipality_name"] is region_jan["service_name"] is None


def test_epgu_share_names_municipalities_as_at_the_month_end(warehouse: Engine) -> None:
    rows = _share_rows(warehouse)
    names = {
        (month, oktmo): r["municipality_name"]
        for (scope, month, oktmo, _), r in rows.items()
        if scope == "municipality"
    }
    assert names[JAN, A] == A_OLD  # renamed on 15 February
    assert names[FEB, A] == names[MAR, A] == A_NEW
    assert names[MAR, B] == B_NAME  # ceased on 15 March: its latest version
    assert rows["municipality_service", JAN, A, MUNICIPAL]["municipality_name"] == A_OLD


def test_epgu_share_year_to_date_restarts_in_january(warehouse: Engine) -> None:
    rows = _share_rows(warehouse)
    # The months run from the first month with counts, December 2023.
    assert min(k[1] for k in rows) == DEC
    dec = rows["region", DEC, None, None]
    assert (dec["n_online"], dec["n_total"], dec["ytd_n_online"], dec["ytd_n_total"]) == (
        7,
        10,
        7,
        10,
    )
    assert (dec["reports_owed"], dec["reports_received"], dec["ytd_reports_owed"]) == (3, 1, 3)
    assert rows["service", JAN, None, MUNICIPAL]["ytd_n_total"] == 12  # not 22
    assert rows["municipality_service", JAN, A, MUNICIPAL]["ytd_n_online"] == 3  # not 10
    assert ("service", MAR, None, REGIONAL) not in rows  # no application that month


def test_epgu_share_agrees_with_the_snapshots_share_computation(warehouse: Engine) -> None:
    """Region and municipality rows equal the snapshots' figures per scope and month
    (egov.indicators.share_figures) on the same data, every owed form counted as owed."""
    counts = pd.DataFrame(
        _rows(
            warehouse,
            "SELECT a.*, s.level AS service_level FROM core.agg_application_monthly AS a "
            "LEFT JOIN core.dim_service AS s USING (service_code)",
        )
    )
    municipalities = pd.DataFrame(
        _rows(warehouse, "SELECT oktmo, valid_from, valid_to FROM core.dim_municipality")
    )
    months = months_between(min(counts["month"]), max(counts["month"]))
    figures = scope_month_figures(counts, municipalities, months)
    rows = _share_rows(warehouse)
    expected = {
        (scope, month, oktmo or None): (series[month], ytd_figures(series, month_end(month)))
        for (scope, oktmo, _), series in figures.items()
        if scope in (REGION, MUNICIPALITY)
        for month in series
    }
    assert len(expected) == sum(1 for k in rows if k[0] in ("region", "municipality"))
    for (scope, month, oktmo), (one, ytd) in expected.items():
        r = rows[scope, month, oktmo, None]
        assert (r["n_online"], r["n_total"], r["ytd_n_online"], r["ytd_n_total"]) == (
            one.n_online,
            one.n_total,
            ytd.n_online,
            ytd.n_total,
        )
        assert _same(r["ytd_share_pct"], pct(ytd.n_online, ytd.n_total))
        assert _same(r["ytd_coverage_pct"], pct(ytd.forms_received, ytd.forms_owed))


def test_ekc_calls_daily_aggregates_each_day_line_topic_and_caller(warehouse: Engine) -> None:
    rows = {
        (r["call_date"], r["line"], r["topic"], r["oktmo"]): r
        for r in _rows(warehouse, "SELECT * FROM mart.ekc_calls_daily")
    }
    assert len(rows) == 4
    group = rows[date(2024, 3, 1), "122", "schools", A]
    assert group["municipality_name"] == A_NEW
    assert (group["calls"], group["answered"], group["abandoned"]) == (5, 3, 2)
    assert group["answer_rate_pct"] == 60
    assert group["avg_wait_sec"] == 30
    # Continuous 90th percentile of 10, 20, 30, 40, 50: 40 + 0.6 x 10.
    assert group["p90_wait_sec"] == pytest.approx(46.0)
    assert group["avg_talk_sec"] == 200  # answered calls only (over all five it would be 120)
    assert group["forwarded_to_omsu"] == 2

    unnamed = rows[date(2024, 3, 1), "122", "schools", None]
    assert unnamed["municipality_name"] is None
    assert (unnamed["calls"], unnamed["p90_wait_sec"], unnamed["avg_talk_sec"]) == (1, 5, 60)

    unanswered = rows[date(2024, 3, 2), "117", "other", B]
    assert unanswered["municipality_name"] == B_NAME
    assert (unanswered["answered"], unanswered["abandoned"]) == (0, 1)
    assert (unanswered["answer_rate_pct"], unanswered["avg_talk_sec"]) == (0, None)
    assert unanswered["forwarded_to_omsu"] == 0
    assert rows[date(2024, 1, 10), "122", "schools", A]["municipality_name"] == A_OLD


def test_info_campaign_monthly_has_every_owed_month_reported_or_not(warehouse: Engine) -> None:
    rows = {
        (r["month"], r["oktmo"]): r
        for r in _rows(warehouse, "SELECT * FROM mart.info_campaign_monthly")
    }
    months = [date(2023, m, 1) for m in range(1, 13)] + [JAN, FEB, MAR]
    # From 2023-01 to the latest month with a form; B owes up to February, and its March form
    # (loaded although not owed) is shown as well.
    assert set(rows) == {(m, o) for m in months for o in (A, B, C)}
    assert [rows[m, B]["is_owed"] for m in months] == [True] * 14 + [False]
    assert all(rows[m, o]["is_owed"] for m in months for o in (A, C))

    fields = ["reported", "placements_total", "channels_covered", "channels_reported"]
    fields.append("publications")

    def values(month: date, oktmo: str) -> tuple[Any, ...]:
        return tuple(rows[month, oktmo][f] for f in fields)

    assert values(JAN, A) == (True, 6, 3, 5, 4)  # publications are not a channel
    assert values(FEB, A) == (True, None, None, None, None)  # applications sheet only
    assert values(MAR, A) == (True, 1, 1, 1, 2)  # two channels missing, one empty
    assert values(JAN, B) == (True, 0, 0, 5, None)  # reported zero everywhere
    assert values(FEB, B) == (False, None, None, None, None)  # the missing form
    assert values(MAR, B) == (True, None, None, None, None)
    assert values(DEC, A) == (False, None, None, None, None)
    assert not any(rows[m, C]["reported"] for m in months)
    assert rows[JAN, A]["municipality_name"] == A_OLD
    assert rows[FEB, A]["municipality_name"] == A_NEW
    assert rows[MAR, B]["municipality_name"] == B_NAME


CYRILLIC = re.compile("[А-Яа-яЁё]")
LATIN = re.compile("[A-Za-z]")


def _is_bilingual(comment: str | None) -> bool:
    """Russian and English, as 'Русский / English'."""
    if not comment:
        return False
    return bool(CYRILLIC.search(comment) and LATIN.search(comment)) and " / " in comment


def test_every_mart_view_and_column_has_a_russian_and_english_comment(
    fresh_database_url: str,
) -> None:
    with warehouse_engine(fresh_database_url) as engine:
        upgrade_warehouse(engine)
        relations = _rows(
            engine,
            "SELECT c.relname AS name, obj_description(c.oid, 'pg_class') AS comment "
            "FROM pg_class AS c JOIN pg_namespace AS n ON c.relnamespace = n.oid "
            "WHERE n.nspname = 'mart' AND c.relkind IN ('r', 'v', 'm', 'p', 'f')",
        )
        columns = _rows(
            engine,
            "SELECT table_name AS name, column_name AS column, col_description("
            "format('%I.%I', table_schema, table_name)::regclass, ordinal_position) AS comment "
            "FROM information_schema.columns WHERE table_schema = 'mart'",
        )
    assert {r["name"] for r in relations} >= {
        "epgu_share_monthly",
        "ekc_calls_daily",
        "info_campaign_monthly",
        "load_batches",
        "data_quality",
        "source_freshness",
    }
    assert [r["name"] for r in relations if not _is_bilingual(r["comment"])] == []
    new_views = {"epgu_share_monthly", "ekc_calls_daily", "info_campaign_monthly"}
    assert all("grain: " in r["comment"] for r in relations if r["name"] in new_views)
    assert len(columns) > 60
    assert [(r["name"], r["column"]) for r in columns if not _is_bilingual(r["comment"])] == []
