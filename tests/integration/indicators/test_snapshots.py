"""Indicator snapshots on a warehouse loaded by the real backfill from a two-year simulated world.

One small world (2023-01..2024-12, no defects) is generated for the module and served by the
ЕПГУ simulator at a fixed clock (2025-01-10 12:00 Irkutsk); its МФЦ and ОМСУ inboxes are copied,
a few ОМСУ workbooks are taken out of the copy (reports that never came, so coverage is not
trivially 100 %), and the `backfill` flow loads ЕПГУ, МФЦ and ОМСУ once into a database of its
own.

- The year-end I1 snapshots (as of 2023-12-31 and 2024-12-31) are checked against a count made
  without the warehouse: ЕПГУ from the simulator's record store (the latest version of each
  application among those the backfill asked the server for), МФЦ from the CSV files, ОМСУ from
  the workbooks, the МСЗУ catalogue and the municipalities from `reference/`: year to date,
  quarter and month per region, municipality, service and municipality x service, the forms
  owed and received, and the region's path of year-to-date shares.
- A month without a form counts as owed in the coverage of every scope that reads the form.
- Taking a snapshot again from the same loads gives the same snapshot and writes nothing.
- A corrected ОМСУ workbook makes a new snapshot; the old one stays readable in the history.
  (This test changes the warehouse: it is the module's last.)
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl  # type: ignore[import-untyped]
import pandas as pd
import pytest
import sqlalchemy as sa
from prefect.client.schemas.objects import State

from egov.indicators.methodology import current_methodology
from egov.indicators.snapshot import take_snapshot
from egov.loading.backfill import RunReport
from egov.paths import REFERENCE_DIR
from egov.settings import get_settings
from egov.simulator import EpguStore, SimClock, SimulatorServers, generate_world
from egov.sources.contract import EPGU_STATUSES, IRKUTSK
from flows.pipeline import backfill, pipeline
from tests.integration.helpers import (
    prepare_warehouse,
    scratch_database,
    table_checksums,
    warehouse_engine,
)

pytestmark = pytest.mark.integration

FIRST, LAST = "2023-01", "2024-12"
SCALE = 0.003
"""The smallest volume at which every municipality still has applications in each year."""
SEED = 20250110
CLOCK = datetime(2025, 1, 10, 12, 0, tzinfo=IRKUTSK)
"""The simulator's clock and the backfill's `until`."""
TODAY = CLOCK.date()
EPGU_START = datetime(2023, 1, 1, tzinfo=IRKUTSK)
EPGU_LOADED_UNTIL = datetime(2025, 1, 1, tzinfo=IRKUTSK)
"""A month chunk of ЕПГУ asks for the versions updated within that (local) month, so a backfill
of 2023-01..2024-12 sees every version updated before 2025-01-01 00:00 Irkutsk (the clock, less
the connector's safety lag, is later). Versions updated in January 2025 are not in it."""
YEAR_ENDS = (date(2023, 12, 31), date(2024, 12, 31))
REMOVED_FORMS = (("25703000", "2023-05"), ("25714000", "2024-02"), ("25714000", "2024-11"))
"""ОМСУ workbooks taken out of the inbox before loading: reports that never came."""
CORRECTED = ("25701000", "2024-06")
"""The municipality-month whose workbook is re-delivered with more «лично в ОМСУ»."""
CORRECTION = 7

# Source values, as sources.md spells them (not the warehouse's normalised ones).
EPGU_EXCLUDED = frozenset({"withdrawn", "duplicate"})
MFC_STATUSES = frozenset(
    {"Принято", "Выдан результат", "Отказ в приеме", "Отозвано заявителем", "Аннулировано (дубль)"}
)
MFC_EXCLUDED = frozenset({"Отозвано заявителем", "Аннулировано (дубль)"})
OMSU_HEADER = (
    "Код услуги (ФРГУ)",
    "Всего обращений",
    "в т.ч. через ЕПГУ",
    "через МФЦ",
    "лично в ОМСУ",
    "почтой / эл. почтой",
)
LOCAL_OFFSET_SEC = 8 * 3600
KEY = ["month", "oktmo", "service_code"]


# --- the independent count ---------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """What reference/ says: МСЗУ services by level, municipalities with validity."""

    municipal: frozenset[str]
    regional: frozenset[str]
    municipalities: list[tuple[str, date, date | None]]

    @property
    def mszu(self) -> frozenset[str]:
        return self.municipal | self.regional

    def owing(self, month: date) -> set[str]:
        """Municipalities whose code exists on the month's last day."""
        last = (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()
        return {
            oktmo
            for oktmo, valid_from, valid_to in self.municipalities
            if valid_from <= last and (valid_to is None or last <= valid_to)
        }


def read_catalogue(folder: Path = REFERENCE_DIR) -> Catalogue:
    with (folder / "services.csv").open(encoding="utf-8", newline="") as f:
        services = list(csv.DictReader(f))
    with (folder / "municipalities.csv").open(encoding="utf-8", newline="") as f:
        municipalities = [
            (
                r["oktmo"],
                date.fromisoformat(r["valid_from"]),
                date.fromisoformat(r["valid_to"]) if r["valid_to"] else None,
            )
            for r in csv.DictReader(f)
        ]
    levels = Counter(r["level"] for r in services)
    assert set(levels) == {"municipal", "regional"}, levels
    return Catalogue(
        municipal=frozenset(r["service_code"] for r in services if r["level"] == "municipal"),
        regional=frozenset(r["service_code"] for r in services if r["level"] == "regional"),
        municipalities=municipalities,
    )


def epgu_applications(world: Path, until: datetime) -> pd.DataFrame:
    """The latest version of every ЕПГУ application among those updated in [EPGU_START, until):
    columns app_no, month (local submission month), oktmo, service_code, status, online."""
    store = EpguStore.load(world)
    updated = np.asarray(store.updated_at, dtype=np.int64)
    kept = (updated >= int(EPGU_START.timestamp())) & (updated < int(until.timestamp()))
    versions = pd.DataFrame(
        {
            "app_no": np.asarray(store.app_no)[kept],
            "updated_at": updated[kept],
            "submitted_at": np.asarray(store.submitted_at, dtype=np.int64)[kept],
            "service_idx": np.asarray(store.service_idx)[kept],
            "oktmo_idx": np.asarray(store.oktmo_idx)[kept],
            "status_idx": np.asarray(store.status)[kept],
            "requires_visit": np.asarray(store.requires_visit)[kept],
        }
    )
    latest = versions.sort_values(["app_no", "updated_at"], kind="stable").groupby("app_no").tail(1)
    # One application, one submission time, across all its versions.
    assert (versions.groupby("app_no")["submitted_at"].nunique() == 1).all()
    local = pd.to_datetime(latest["submitted_at"] + LOCAL_OFFSET_SEC, unit="s")
    utc = pd.to_datetime(latest["submitted_at"], unit="s")
    return pd.DataFrame(
        {
            "app_no": latest["app_no"].to_numpy(),
            "month": [date(t.year, t.month, 1) for t in local],
            "utc_month": [date(t.year, t.month, 1) for t in utc],
            "oktmo": [store.oktmos[int(i)] for i in latest["oktmo_idx"]],
            "service_code": [store.service_codes[int(i)] for i in latest["service_idx"]],
            "status": [EPGU_STATUSES[int(i)] for i in latest["status_idx"]],
            "online": ~latest["requires_visit"].to_numpy(dtype=bool),
        }
    )


def mfc_rows(inbox: Path) -> pd.DataFrame:
    """Every row of every МФЦ export: month (of «Дата приема»), oktmo, service_code, status."""
    rows: list[tuple[date, str, str, str]] = []
    for path in sorted(inbox.glob("mfc_*.csv")):
        data = path.read_bytes()
        text = (
            data[3:].decode("utf-8") if data.startswith(b"\xef\xbb\xbf") else data.decode("cp1251")
        )
        reader = csv.reader(text.splitlines(), delimiter=";", quotechar='"')
        header = [h.strip() for h in next(reader)]
        at = {name: header.index(name) for name in header}
        for record in reader:
            if not any(field.strip() for field in record):
                continue
            accepted = datetime.strptime(record[at["Дата приема"]].strip(), "%d.%m.%Y %H:%M")
            oktmo = record[at["ОКТМО"]].strip()
            status = record[at["Статус"]].strip()
            # A world without defects: a code or status off the contract would make this count
            # disagree with the pipeline for reasons of its own.
            assert re.fullmatch(r"\d{8}", oktmo), (path.name, record)
            assert status in MFC_STATUSES, (path.name, record)
            rows.append(
                (
                    date(accepted.year, accepted.month, 1),
                    oktmo,
                    record[at["Код услуги (ФРГУ)"]].strip(),
                    status,
                )
            )
    return pd.DataFrame(rows, columns=["month", "oktmo", "service_code", "status"])


def _header_row(sheet: Any, text: str) -> tuple[int, dict[str, int]]:
    for row in sheet.iter_rows():
        cells = {str(c.value).strip(): c.column for c in row if c.value is not None}
        if text in cells:
            return row[0].row, cells
    raise AssertionError(f"no header row with {text!r} in sheet {sheet.title}")


def omsu_forms(inbox: Path) -> pd.DataFrame:
    """One row per service line of every ОМСУ workbook: month, oktmo (file name), service_code,
    direct (лично в ОМСУ + почтой / эл. почтой)."""
    rows: list[tuple[date, str, str, int]] = []
    for path in sorted(inbox.glob("omsu_*.xlsx")):
        match = re.fullmatch(r"omsu_(\d{8})_(\d{4})-(\d{2})\.xlsx", path.name)
        assert match, path.name
        oktmo, month = match[1], date(int(match[2]), int(match[3]), 1)
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book["Обращения"]
            values = [list(r) for r in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
        (header_at,) = [
            i for i, r in enumerate(values) if "Код услуги (ФРГУ)" in [str(v).strip() for v in r]
        ]
        header = [str(v).strip() if v is not None else "" for v in values[header_at]]
        col = {name: header.index(name) for name in OMSU_HEADER}
        sums = dict.fromkeys(OMSU_HEADER[1:], 0)
        total_row = None
        for row in values[header_at + 1 :]:
            if str(row[0]).strip() == "Итого":
                total_row = row
                break
            if all(v is None for v in row):
                continue
            figures = {name: int(row[col[name]]) for name in OMSU_HEADER[1:]}
            assert figures["Всего обращений"] == sum(figures[n] for n in OMSU_HEADER[2:]), path.name
            for name, value in figures.items():
                sums[name] += value
            rows.append(
                (
                    month,
                    oktmo,
                    str(row[col["Код услуги (ФРГУ)"]]).strip(),
                    figures["лично в ОМСУ"] + figures["почтой / эл. почтой"],
                )
            )
        assert total_row is not None, path.name
        assert {n: int(total_row[col[n]]) for n in OMSU_HEADER[1:]} == sums, path.name
    return pd.DataFrame(rows, columns=["month", "oktmo", "service_code", "direct"])


@dataclass(frozen=True)
class Recount:
    """Counted applications per (month, oktmo, service_code), and the forms received."""

    counts: pd.DataFrame
    """Columns month, oktmo, service_code, n_online, n_total (МСЗУ, exclusions applied)."""
    forms: set[tuple[date, str]]
    """(month, oktmo) of every ОМСУ workbook in the inbox."""
    catalogue: Catalogue
    month_boundary_epgu: int
    """Counted ЕПГУ applications whose Irkutsk submission month is not their UTC month."""


def recount(world: Path, inbox: Path, epgu_until: datetime) -> Recount:
    catalogue = read_catalogue()
    epgu = epgu_applications(world, epgu_until)
    epgu = epgu[epgu["service_code"].isin(catalogue.mszu) & ~epgu["status"].isin(EPGU_EXCLUDED)]
    mfc = mfc_rows(inbox / "mfc")
    mfc = mfc[mfc["service_code"].isin(catalogue.mszu) & ~mfc["status"].isin(MFC_EXCLUDED)]
    omsu = omsu_forms(inbox / "omsu")
    forms = set(omsu[["month", "oktmo"]].itertuples(index=False, name=None))
    omsu = omsu[omsu["service_code"].isin(catalogue.mszu)]
    parts = pd.concat(
        [
            epgu.assign(n_online=epgu["online"].astype(int), n_total=1)[
                [*KEY, "n_online", "n_total"]
            ],
            mfc.assign(n_online=0, n_total=1)[[*KEY, "n_online", "n_total"]],
            omsu.assign(n_online=0, n_total=omsu["direct"])[[*KEY, "n_online", "n_total"]],
        ],
        ignore_index=True,
    )
    counts = parts.groupby(KEY, as_index=False)[["n_online", "n_total"]].sum()
    boundary = int((epgu["month"] != epgu["utc_month"]).sum())
    return Recount(counts, forms, catalogue, boundary)


def _months(first: date, last: date) -> list[date]:
    return [d.date() for d in pd.date_range(first, last, freq="MS")]


Scope = tuple[str, str, str]
"""(scope_type, oktmo, service_code), '' where the scope has none."""
COUNT_FIELDS = (
    "numerator",
    "denominator",
    "quarter_numerator",
    "quarter_denominator",
    "month_numerator",
    "month_denominator",
)
FORM_FIELDS = ("forms_owed", "forms_received")


def _sums(frame: pd.DataFrame, months: list[date], keys: list[str]) -> dict[Any, tuple[int, int]]:
    part = frame[frame["month"].isin(months)]
    grouped = part.groupby(keys)[["n_online", "n_total"]].sum()
    return {k: (int(on), int(tot)) for k, on, tot in grouped.itertuples(name=None)}


def expected_scopes(r: Recount, as_of: date) -> dict[Scope, dict[str, int]]:
    """The counted figures as of a month's last day, per scope: year to date (numerator,
    denominator), quarter to date and month (COUNT_FIELDS), and the forms owed and received in
    the year to date (FORM_FIELDS: the region's for the region and a service, the
    municipality's for a municipality and its services).

    Scopes: the region; each municipality owing a form in the year to date (its municipal
    МСЗУ); each МСЗУ service over the region; each municipality x service with applications.
    """
    month = as_of.replace(day=1)
    periods = {
        "": _months(date(as_of.year, 1, 1), month),
        "quarter_": _months(date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1), month),
        "month_": [month],
    }
    owed = {(m, o) for m in periods[""] for o in r.catalogue.owing(m)}
    received = owed & r.forms
    region_forms = {"forms_owed": len(owed), "forms_received": len(received)}

    def municipality_forms(oktmo: str) -> dict[str, int]:
        return {
            "forms_owed": sum(1 for _, o in owed if o == oktmo),
            "forms_received": sum(1 for _, o in received if o == oktmo),
        }

    data = r.counts.assign(region="")
    municipal = data[data["service_code"].isin(r.catalogue.municipal)]
    by_period = {
        (scope, prefix): _sums(frame, months, keys)
        for prefix, months in periods.items()
        for scope, frame, keys in (
            ("region", data, ["region"]),
            ("municipality", municipal, ["oktmo"]),
            ("service", data, ["service_code"]),
            ("municipality_service", data, ["oktmo", "service_code"]),
        )
    }

    def figures(scope: str, key: Any) -> dict[str, int]:
        result: dict[str, int] = {}
        for prefix in periods:
            num, den = by_period[(scope, prefix)].get(key, (0, 0))
            result[f"{prefix}numerator"], result[f"{prefix}denominator"] = num, den
        return result

    scopes: dict[Scope, dict[str, int]] = {
        ("region", "", ""): {**figures("region", ""), **region_forms}
    }
    for oktmo in sorted({o for _, o in owed} | set(by_period[("municipality", "")])):
        scopes[("municipality", oktmo, "")] = {
            **figures("municipality", oktmo),
            **municipality_forms(oktmo),
        }
    for service in sorted(r.catalogue.mszu):
        scopes[("service", "", service)] = {**figures("service", service), **region_forms}
    for oktmo, service in sorted(by_period[("municipality_service", "")]):
        scopes[("municipality_service", oktmo, service)] = {
            **figures("municipality_service", (oktmo, service)),
            **municipality_forms(oktmo),
        }
    return scopes


def expected_region_path(r: Recount, as_of: date) -> list[tuple[str, float | None]]:
    """(month end, the region's year-to-date share then) for every month through the as-of
    month, from the first month with applications."""
    points = []
    for month in _months(min(r.counts["month"]), as_of.replace(day=1)):
        day = min((pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date(), as_of)
        part = r.counts[[month.year == m.year and m <= month for m in r.counts["month"]]]
        num, den = int(part["n_online"].sum()), int(part["n_total"].sum())
        points.append((day.isoformat(), num / den * 100 if den else None))
    return points


# --- the warehouse -----------------------------------------------------------------------


def query(url: str, text: str, **params: Any) -> list[dict[str, Any]]:
    with warehouse_engine(url) as engine, engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(text), params).mappings()]


def snapshot(url: str, as_of: date) -> dict[str, Any]:
    with warehouse_engine(url) as engine:
        return take_snapshot(engine, as_of, current_methodology())


def flow_report(state: State[Any]) -> RunReport:
    report = state.result(raise_on_failure=False)
    assert isinstance(report, RunReport), f"flow ended {state.type.value}: {state.message}"
    return report


@dataclass(frozen=True)
class Loaded:
    """The warehouse after the backfill, the world it was loaded from and its count."""

    url: str
    world: Path
    inbox: Path
    report: RunReport = field(repr=False)
    recount: Recount = field(repr=False)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("snapshot-world")
    generate_world(folder, FIRST, LAST, scale=SCALE, seed=SEED, defects="none")
    return folder


@pytest.fixture(scope="module")
def loaded(
    world: Path,
    postgres_server_url: str,
    prefect_harness: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Loaded]:
    """The world backfilled (ЕПГУ, МФЦ, ОМСУ) into a database of the module's own; the settings
    stay pointed at it (and at the simulator) for the module's tests."""
    folder = tmp_path_factory.mktemp("snapshot-warehouse")
    local = folder / "world"
    shutil.copytree(world / "inbox", local / "inbox")
    for oktmo, month in REMOVED_FORMS:
        (local / "inbox" / "omsu" / f"omsu_{oktmo}_{month}.xlsx").unlink()
    with (
        scratch_database(postgres_server_url) as url,
        SimulatorServers(EpguStore.load(world), None, clock=SimClock(as_of=CLOCK)) as servers,
        pytest.MonkeyPatch.context() as patch,
    ):
        for key, value in {
            "EGOV_WAREHOUSE_URL": url,
            "EGOV_WORLD_DIR": str(local),
            "EGOV_RAW_DIR": str(folder / "raw"),
            "EGOV_DATA_DOCS_DIR": str(folder / "data-docs"),
            "EGOV_EPGU_URL": servers.epgu_url,
            "EGOV_EPGU_START_AT": EPGU_START.isoformat(),
        }.items():
            patch.setenv(key, value)
        get_settings.cache_clear()
        try:
            prepare_warehouse(url)
            report = flow_report(
                backfill(
                    from_month=FIRST,
                    to_month=LAST,
                    sources=["epgu", "mfc", "omsu"],
                    until=CLOCK,
                    today=TODAY,
                    return_state=True,
                )
            )
            # Counted now, before any test changes the inbox.
            counted = recount(world, local / "inbox", EPGU_LOADED_UNTIL)
            yield Loaded(url, world, local / "inbox", report, counted)
        finally:
            get_settings.cache_clear()


@pytest.fixture(scope="module")
def year_end(loaded: Loaded) -> dict[date, dict[str, Any]]:
    """The year-end snapshots, taken once (before the correction test changes the warehouse)."""
    return {day: snapshot(loaded.url, day) for day in YEAR_ENDS}


def snapshot_rows(
    url: str, snapshot_id: int, relation: str = "mart.indicator_snapshot_history"
) -> dict[tuple[str, str, str], dict[str, Any]]:
    """I1 rows of a snapshot by (scope_type, oktmo, service_code), '' for none: from the mart
    view, or from core.snapshot_indicator (which also holds the month and quarter counts)."""
    rows = query(
        url,
        f"SELECT * FROM {relation} WHERE snapshot_id = :id AND indicator_code = 'epgu_share'",
        id=snapshot_id,
    )
    return {(r["scope_type"], r["oktmo"] or "", r["service_code"] or ""): r for r in rows}


# --- tests -------------------------------------------------------------------------------


def test_the_backfill_loaded_every_month_of_the_three_sources(loaded: Loaded) -> None:
    chunks = loaded.report.chunks
    assert [c for c in chunks if c.status == "failed"] == []
    # A world without defects loads whole; only an МФЦ day without rows may be turned away.
    turned_away = [
        (c.source, b.batch_key, b.status, b.rows_in)
        for c in chunks
        for b in c.batch_summaries
        if b.status != "loaded"
    ]
    assert [t for t in turned_away if t[0] != "mfc" or t[3] != 0] == []
    assert {(c.source, c.month) for c in chunks} == {
        (s, f"{y}-{m:02d}")
        for s in ("epgu", "mfc", "omsu")
        for y in (2023, 2024)
        for m in range(1, 13)
    }
    # What the count reads is what the world holds, less the forms taken out.
    manifest = json.loads((loaded.world / "world.json").read_text(encoding="utf-8"))
    never_sent = {(r["oktmo"], r["month"]) for r in manifest["missing_reports"]}
    assert never_sent == set()  # defects "none": the world itself withholds nothing
    owed = {
        (date(y, m, 1), o)
        for y in (2023, 2024)
        for m in range(1, 13)
        for o in loaded.recount.catalogue.owing(date(y, m, 1))
    }
    removed = {(date(int(m[:4]), int(m[5:]), 1), o) for o, m in REMOVED_FORMS}
    assert loaded.recount.forms == owed - removed


def _differences(
    rows: dict[Scope, dict[str, Any]],
    expected: dict[Scope, dict[str, int]],
    scopes: set[Scope],
    fields: tuple[str, ...],
) -> dict[Scope, tuple[dict[str, Any], dict[str, int]]]:
    """{scope: (stored, counted)} where the fields differ; a scope without counts counts 0."""
    differences = {}
    for key in sorted(scopes):
        stored = {f: rows[key][f] for f in fields}
        counted = {f: expected.get(key, {}).get(f, 0) for f in fields}
        if stored != counted:
            differences[key] = (stored, counted)
    return differences


def test_year_end_snapshots_agree_with_an_independent_count_from_the_deliveries(
    loaded: Loaded, year_end: dict[date, dict[str, Any]]
) -> None:
    counted = loaded.recount
    # Some counted ЕПГУ applications were submitted before 08:00 Irkutsk on a month's first day:
    # counted by their UTC month, they would move the region's path (and quarters) below.
    assert counted.month_boundary_epgu > 0
    for as_of, taken in year_end.items():
        assert taken["is_new"], as_of
        rows = snapshot_rows(loaded.url, taken["snapshot_id"], "core.snapshot_indicator")
        expected = expected_scopes(counted, as_of)

        def of_type(
            scope_type: str, keys: Any, with_data: bool = False, counts: Any = expected
        ) -> set[Scope]:
            return {
                k
                for k in keys
                if k[0] == scope_type and (not with_data or counts[k]["denominator"] > 0)
            }

        # Not vacuous: every municipality owing forms has applications, some forms are missing.
        municipalities = of_type("municipality", expected)
        assert len(municipalities) == 42, as_of
        assert of_type("municipality", expected, with_data=True) == municipalities, as_of
        region = expected[("region", "", "")]
        assert 0 < region["numerator"] < region["denominator"], as_of
        assert 0 < region["forms_received"] < region["forms_owed"], as_of

        # Region and municipalities: exactly the counted figures and forms, no other scope.
        scopes = of_type("region", rows) | of_type("municipality", rows)
        assert scopes == municipalities | {("region", "", "")}, as_of
        assert _differences(rows, expected, scopes, COUNT_FIELDS + FORM_FIELDS) == {}, as_of
        for key in scopes:
            row, want = rows[key], expected[key]
            assert row["coverage_pct"] == pytest.approx(
                want["forms_received"] / want["forms_owed"] * 100, rel=1e-12
            ), (as_of, key)
            assert row["actual_pct"] == pytest.approx(
                want["numerator"] / want["denominator"] * 100, rel=1e-12
            ), (as_of, key)

        # Services over the region, and each municipality's services: every one with
        # applications is there, only МСЗУ, with the counted figures.
        for scope_type, at_least in (("service", 30), ("municipality_service", 500)):
            present = of_type(scope_type, rows)
            with_data = of_type(scope_type, expected, with_data=True)
            assert len(with_data) >= at_least, (as_of, scope_type)
            assert with_data <= present, (as_of, scope_type)
            assert {k[2] for k in present} <= counted.catalogue.mszu, (as_of, scope_type)
            assert {k[1] for k in present} <= {k[1] for k in municipalities} | {""}, as_of
            assert _differences(rows, expected, present, COUNT_FIELDS) == {}, (as_of, scope_type)

        # The region's year-to-date share at every month end (the report's chart).
        (stored,) = query(
            loaded.url,
            "SELECT region_path FROM core.snapshot WHERE snapshot_id = :id",
            id=taken["snapshot_id"],
        )
        path = [(p["month_end"], p["ytd_share_pct"]) for p in stored["region_path"]]
        want_path = expected_region_path(counted, as_of)
        assert [p[0] for p in path] == [p[0] for p in want_path], as_of
        assert [p[1] for p in path] == [
            pytest.approx(v, rel=1e-12) if v is not None else None for _, v in want_path
        ], as_of


def test_a_missing_form_counts_against_every_scope_that_reads_the_form(
    loaded: Loaded, year_end: dict[date, dict[str, Any]]
) -> None:
    """A service's coverage is the region's, a municipality's service has its municipality's:
    a month without the form is owed whether or not the scope had other applications then
    (methodology: a month with a missing report is incomplete, not zero)."""
    counted = loaded.recount
    differences: dict[date, dict[Scope, Any]] = {}
    for as_of, taken in year_end.items():
        rows = snapshot_rows(loaded.url, taken["snapshot_id"], "core.snapshot_indicator")
        expected = expected_scopes(counted, as_of)
        scopes = {
            k
            for k in rows
            if k[0] == "service"
            or (k[0] == "municipality_service" and k[2] in counted.catalogue.municipal)
        }
        # Not vacuous: services and municipalities' services that miss a form are compared.
        missing = {
            k
            for k in scopes
            if k in expected and expected[k]["forms_received"] < expected[k]["forms_owed"]
        }
        assert {k[0] for k in missing} == {"service", "municipality_service"}, as_of
        differences[as_of] = _differences(rows, expected, scopes, FORM_FIELDS)
    summary = {
        as_of.isoformat(): Counter(
            (k[0], k[1], *stored.values(), *want.values()) for k, (stored, want) in found.items()
        )
        for as_of, found in differences.items()
    }
    assert differences == {as_of: {} for as_of in year_end}, (
        "(scope, oktmo, stored owed, stored received, counted owed, counted received): "
        f"number of scopes {summary}"
    )


def test_a_snapshot_taken_again_from_the_same_loads_is_the_same_snapshot(
    loaded: Loaded, year_end: dict[date, dict[str, Any]]
) -> None:
    first = year_end[date(2024, 12, 31)]
    before = table_checksums(loaded.url)

    again = snapshot(loaded.url, date(2024, 12, 31))

    after = table_checksums(loaded.url)
    assert (again["snapshot_id"], again["is_new"]) == (first["snapshot_id"], False)
    assert again["load_batches"] == first["load_batches"] > 0
    assert again["rows"] == first["rows"]
    assert {t for t in before.keys() | after.keys() if before.get(t) != after.get(t)} == set()
    assert before["core.snapshot_indicator"][0] > 0


def _correct_workbook(path: Path, extra: int) -> str:
    """Add `extra` applications received in person to the table's first service, to its
    Всего and to the Итого row (the form stays consistent); returns the service code."""
    book = openpyxl.load_workbook(path)
    sheet = book["Обращения"]
    header_row, columns = _header_row(sheet, "Код услуги (ФРГУ)")
    code_col, total_col, person_col = (
        columns["Код услуги (ФРГУ)"],
        columns["Всего обращений"],
        columns["лично в ОМСУ"],
    )
    service = None
    for row in range(header_row + 1, sheet.max_row + 1):
        label = str(sheet.cell(row, 1).value).strip()
        if label == "Итого" or (service is None and sheet.cell(row, code_col).value is not None):
            if label != "Итого":
                service = str(sheet.cell(row, code_col).value).strip()
            for col in (total_col, person_col):
                sheet.cell(row, col).value = int(sheet.cell(row, col).value) + extra
    assert service is not None
    book.save(path)
    return service


def test_a_correction_makes_a_new_snapshot_and_the_old_one_stays_readable(
    loaded: Loaded, year_end: dict[date, dict[str, Any]]
) -> None:
    """Runs last: it changes the warehouse."""
    as_of = date(2024, 12, 31)
    old = year_end[as_of]
    oktmo, month = CORRECTED
    old_rows = snapshot_rows(loaded.url, old["snapshot_id"])
    old_municipality = old_rows[("municipality", oktmo, "")]
    old_region = old_rows[("region", "", "")]
    service = _correct_workbook(loaded.inbox / "omsu" / f"omsu_{oktmo}_{month}.xlsx", CORRECTION)
    assert service in loaded.recount.catalogue.municipal

    report = flow_report(
        pipeline(period=month, sources=["omsu"], until=CLOCK, today=TODAY, return_state=True)
    )
    (chunk,) = report.chunks
    assert (chunk.status, chunk.batches, chunk.deliveries_new) == ("loaded", 1, 1)
    assert report.touched_months == (month,)

    new = snapshot(loaded.url, as_of)

    assert new["is_new"]
    assert new["snapshot_id"] > old["snapshot_id"]
    # The current view shows the corrected denominator, numerator unchanged.
    current = query(
        loaded.url,
        "SELECT * FROM mart.indicator_snapshot WHERE as_of_date = :d "
        "AND indicator_code = 'epgu_share' AND scope_type IN ('municipality', 'region') "
        "AND coalesce(oktmo, '') IN (:oktmo, '')",
        d=as_of,
        oktmo=oktmo,
    )
    assert {(r["scope_type"], r["snapshot_id"], r["is_current"]) for r in current} == {
        ("municipality", new["snapshot_id"], True),
        ("region", new["snapshot_id"], True),
    }
    by_scope = {r["scope_type"]: r for r in current}
    for scope, before in (("municipality", old_municipality), ("region", old_region)):
        assert by_scope[scope]["denominator"] == before["denominator"] + CORRECTION, scope
        assert by_scope[scope]["numerator"] == before["numerator"], scope
    # The history keeps the old snapshot's rows as they were, no longer current.
    history = query(
        loaded.url,
        "SELECT * FROM mart.indicator_snapshot_history WHERE snapshot_id = :id "
        "AND indicator_code = 'epgu_share'",
        id=old["snapshot_id"],
    )
    assert len(history) == old["rows"]["indicator"]
    assert {r["is_current"] for r in history} == {False}
    kept = {(r["scope_type"], r["oktmo"] or "", r["service_code"] or ""): r for r in history}
    assert kept == {k: {**v, "is_current": False} for k, v in old_rows.items()}
    assert kept[("municipality", oktmo, "")]["denominator"] == old_municipality["denominator"]
    # mart.snapshots lists both; only the new one is current for the date.
    listed = query(
        loaded.url,
        "SELECT snapshot_id, is_current FROM mart.snapshots WHERE as_of_date = :d "
        "ORDER BY snapshot_id",
        d=as_of,
    )
    assert [(r["snapshot_id"], r["is_current"]) for r in listed] == [
        (old["snapshot_id"], False),
        (new["snapshot_id"], True),
    ]
    # A correction of 2024 does not touch the inputs of the 2023 year-end snapshot.
    again_2023 = snapshot(loaded.url, date(2023, 12, 31))
    assert (again_2023["snapshot_id"], again_2023["is_new"]) == (
        year_end[date(2023, 12, 31)]["snapshot_id"],
        False,
    )
