"""Monthly application counts on a real warehouse loaded from a small simulated world.

One month of ЕПГУ (through the simulator's HTTP server), МФЦ and ОМСУ (inbox files) goes
through landing and the quality gate into the core facts; the refresh is then checked against
an independent count from the facts, for idempotency (identical table checksums) and for a
changed fact touching exactly one aggregate row.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from egov.indicators.methodology import current_methodology
from egov.indicators.monthly_counts import months_with_facts, refresh_monthly_counts
from egov.indicators.share import share_summary
from egov.quality.load import validate_and_load
from egov.settings import get_settings
from egov.simulator.generate import generate_world
from egov.simulator.server import SimClock, SimulatorServers
from egov.simulator.store import EpguStore
from egov.sources.contract import IRKUTSK
from egov.sources.ingest import (
    epgu_client,
    land_epgu_window,
    land_inbox,
    plan_epgu_fetch,
    raw_store,
)
from tests.integration.helpers import prepare_warehouse, table_checksums, warehouse_engine

pytestmark = pytest.mark.integration

MARCH = date(2024, 3, 1)
EPGU_FROM = datetime(2024, 3, 1, tzinfo=IRKUTSK)
EPGU_UNTIL = datetime(2024, 4, 10, tzinfo=IRKUTSK)
"""Past the month's end, so late status changes of March applications are in the facts."""
SERVER_NOW = datetime(2024, 12, 31, tzinfo=IRKUTSK)
MISSING_FORM = "25703000"
"""Its March workbook is taken out of the inbox: the municipality has no form that month."""
KEY = ["month", "oktmo", "service_code"]
COUNTS = ["n_epgu_online", "n_epgu", "n_mfc", "n_omsu_direct", "n_total", "has_omsu_report"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    generate_world(folder, "2024-03", "2024-03", scale=0.01, seed=7, defects="none")
    return folder


@pytest.fixture
def loaded(
    world: Path, tmp_path: Path, warehouse_env: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A warehouse with the world's March facts loaded by the landing and the quality gate."""
    local = tmp_path / "world"
    shutil.copytree(world / "inbox", local / "inbox")
    (local / "inbox" / "omsu" / f"omsu_{MISSING_FORM}_2024-03.xlsx").unlink()
    prepare_warehouse(warehouse_env)
    servers = SimulatorServers(EpguStore.load(world), None, clock=SimClock(as_of=SERVER_NOW))
    with servers:
        for key, value in {
            "EGOV_WORLD_DIR": str(local),
            "EGOV_RAW_DIR": str(tmp_path / "raw"),
            "EGOV_DATA_DOCS_DIR": str(tmp_path / "data-docs"),
            "EGOV_EPGU_URL": servers.epgu_url,
            "EGOV_EPGU_START_AT": EPGU_FROM.isoformat(),
        }.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        settings = get_settings()
        store = raw_store(settings)
        with warehouse_engine(warehouse_env) as engine:
            client = epgu_client(settings)
            for start, end in plan_epgu_fetch(engine, settings, EPGU_UNTIL, timedelta(days=1)):
                land_epgu_window(engine, store, client, start, end)
            land_inbox(engine, store, "mfc", settings)
            land_inbox(engine, store, "omsu", settings)
            for source in ("epgu", "mfc", "omsu"):
                # (An empty МФЦ day at this scale is rejected by design; facts are what count.)
                validate_and_load(engine, store, source)
    yield warehouse_env
    get_settings.cache_clear()


def _frame(url: str, query: str) -> pd.DataFrame:
    with warehouse_engine(url) as engine, engine.connect() as conn:
        result = conn.execute(sa.text(query))
        return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))


def aggregate(url: str) -> pd.DataFrame:
    return _frame(url, "SELECT * FROM core.agg_application_monthly").set_index(KEY).sort_index()


def recount(url: str) -> pd.DataFrame:
    """The aggregate computed independently in pandas from the facts, the dims and the batches."""
    services = _frame(url, "SELECT service_code, level FROM core.dim_service")
    mszu, municipal = (
        set(services["service_code"]),
        services.loc[services["level"] == "municipal", "service_code"],
    )
    epgu = _frame(url, "SELECT * FROM core.fact_epgu_application")
    epgu = epgu[
        epgu["service_code"].isin(mszu)
        & ~epgu["status"].isin(current_methodology().epgu_excluded_statuses)
    ].assign(month=lambda f: f["submitted_month"], online=lambda f: ~f["requires_visit"])
    mfc = _frame(url, "SELECT * FROM core.fact_mfc_application")
    mfc = mfc[
        mfc["service_code"].isin(mszu)
        & ~mfc["status"].isin(current_methodology().mfc_excluded_statuses)
    ].assign(month=lambda f: f["accepted_month"])
    omsu = _frame(url, "SELECT * FROM core.fact_omsu_service_figures")
    omsu = omsu[omsu["service_code"].isin(mszu)].assign(
        month=lambda f: f["report_month"],
        direct=lambda f: f["in_person_count"].fillna(0) + f["by_post_count"].fillna(0),
    )
    forms = _frame(
        url,
        "SELECT oktmo, period_start AS month, max(batch_id) AS batch_id FROM audit.load_batches "
        "WHERE source = 'omsu' AND status IN ('loaded', 'partial') GROUP BY 1, 2",
    )
    lines = forms.merge(pd.DataFrame({"service_code": municipal}), how="cross")

    parts = [
        epgu.groupby(KEY).agg(
            n_epgu_online=("online", "sum"), n_epgu=("online", "size"), b1=("load_batch_id", "max")
        ),
        mfc.groupby(KEY).agg(n_mfc=("case_id", "size"), b2=("load_batch_id", "max")),
        omsu.groupby(KEY).agg(n_omsu_direct=("direct", "sum"), b3=("load_batch_id", "max")),
        lines.set_index(KEY)[[]],
    ]
    out = pd.concat(parts, axis=1).reset_index()
    out = out.merge(forms.rename(columns={"batch_id": "b4"}), on=["month", "oktmo"], how="left")
    for column in ("n_epgu_online", "n_epgu", "n_mfc", "n_omsu_direct"):
        out[column] = out[column].fillna(0).astype(int)
    out["n_total"] = out["n_epgu"] + out["n_mfc"] + out["n_omsu_direct"]
    out["has_omsu_report"] = out["b4"].notna()
    out["max_load_batch_id"] = out[["b1", "b2", "b3", "b4"]].max(axis=1).astype(int)
    return out.set_index(KEY).sort_index()[[*COUNTS, "max_load_batch_id"]]


def _one_counted_online_application(url: str) -> dict[str, Any]:
    """An online application of a municipal МСЗУ whose aggregate row counts more than it."""
    found = _frame(
        url,
        "SELECT a.application_id, a.submitted_month AS month, a.oktmo, a.service_code "
        "FROM core.fact_epgu_application AS a "
        "JOIN core.dim_service AS s ON a.service_code = s.service_code "
        "JOIN core.agg_application_monthly AS g ON g.month = a.submitted_month "
        "AND g.oktmo = a.oktmo AND g.service_code = a.service_code "
        "WHERE s.level = 'municipal' AND NOT a.requires_visit AND g.n_total > 1 "
        "AND a.status NOT IN ('withdrawn', 'duplicate') "
        "ORDER BY a.application_id LIMIT 1",
    )
    assert len(found) == 1
    return dict(found.iloc[0])


def test_counts_match_the_facts_and_a_refresh_is_idempotent(loaded: str) -> None:
    url = loaded
    excluded = _frame(
        url,
        "SELECT 'epgu' AS source, status, count(*) AS n FROM core.fact_epgu_application "
        "WHERE status IN ('withdrawn', 'duplicate') GROUP BY 1, 2 UNION ALL "
        "SELECT 'mfc', status, count(*) FROM core.fact_mfc_application "
        "WHERE status IN ('withdrawn', 'duplicate') GROUP BY 1, 2",
    )
    # The world holds applications the methodology excludes, so the exclusions are exercised.
    assert set(excluded["source"]) == {"epgu", "mfc"}

    with warehouse_engine(url) as engine:
        months = months_with_facts(engine)
        first = refresh_monthly_counts(engine, months)
    assert MARCH in months
    assert sum(r["inserted"] for r in first) == len(aggregate(url)) > 0
    assert all(r["updated"] == r["deleted"] == 0 for r in first)

    actual = aggregate(url)
    expected = recount(url)
    pd.testing.assert_frame_equal(actual, expected, check_dtype=False)
    march = actual.xs(MARCH, level="month")
    # 41 forms loaded, one owed form missing: that municipality's rows say so.
    assert march.groupby(level="oktmo")["has_omsu_report"].all().sum() == 41
    assert not march.xs(MISSING_FORM, level="oktmo")["has_omsu_report"].any()

    assert lineage(url) == lineage_from_facts(url)

    before = table_checksums(url)
    with warehouse_engine(url) as engine:
        second = refresh_monthly_counts(engine, months)
    assert all(r["inserted"] == r["updated"] == r["deleted"] == 0 for r in second)
    assert table_checksums(url) == before


def lineage(url: str) -> set[tuple[date, int]]:
    frame = _frame(url, "SELECT month, load_batch_id FROM core.month_load_batch")
    return {(m, int(b)) for m, b in zip(frame["month"], frame["load_batch_id"], strict=True)}


def lineage_from_facts(url: str) -> set[tuple[date, int]]:
    """(month, batch) of every fact row and of every form in force, read from the facts."""
    frame = _frame(
        url,
        "SELECT submitted_month AS month, load_batch_id FROM core.fact_epgu_application "
        "UNION SELECT accepted_month, load_batch_id FROM core.fact_mfc_application "
        "UNION SELECT report_month, load_batch_id FROM core.fact_omsu_service_figures "
        "UNION SELECT report_month, load_batch_id FROM core.fact_omsu_campaign "
        "UNION SELECT period_start, max(batch_id) FROM audit.load_batches "
        "WHERE source = 'omsu' AND status IN ('loaded', 'partial') GROUP BY oktmo, period_start",
    )
    return {(m, int(b)) for m, b in zip(frame["month"], frame["load_batch_id"], strict=True)}


def test_a_month_whose_batch_lost_its_facts_drops_it_from_the_lineage(loaded: str) -> None:
    url = loaded
    with warehouse_engine(url) as engine:
        refresh_monthly_counts(engine, [MARCH])
    replaced = int(
        _frame(
            url,
            "SELECT min(load_batch_id) AS batch FROM core.fact_mfc_application "
            "WHERE accepted_month = '2024-03-01'",
        )["batch"].iloc[0]
    )
    assert (MARCH, replaced) in lineage(url)
    with warehouse_engine(url) as engine, engine.begin() as conn:
        # As a re-delivered day would: its facts now come from another batch (here: none).
        conn.execute(
            sa.text("DELETE FROM core.fact_mfc_application WHERE load_batch_id = :batch"),
            {"batch": replaced},
        )
    with warehouse_engine(url) as engine:
        refresh_monthly_counts(engine, [MARCH])

    assert (MARCH, replaced) not in lineage(url)
    assert lineage(url) == lineage_from_facts(url)


def test_a_changed_fact_changes_exactly_its_aggregate_row(loaded: str) -> None:
    url = loaded
    with warehouse_engine(url) as engine:
        refresh_monthly_counts(engine, [MARCH])
    before = aggregate(url)
    app = _one_counted_online_application(url)
    with warehouse_engine(url) as engine, engine.begin() as conn:
        # As a later ЕПГУ delivery would: the application turns out to be a duplicate.
        conn.execute(
            sa.text(
                "UPDATE core.fact_epgu_application SET status = 'duplicate' "
                "WHERE application_id = :id"
            ),
            {"id": app["application_id"]},
        )
    with warehouse_engine(url) as engine:
        (result,) = refresh_monthly_counts(engine, [date(2024, 3, 17)])
    after = aggregate(url)

    assert result == {"month": "2024-03", "inserted": 0, "updated": 1, "deleted": 0}
    key = (app["month"], app["oktmo"], app["service_code"])
    changed = (before != after).any(axis=1)
    assert list(changed[changed].index) == [key]
    for column in ("n_epgu_online", "n_epgu", "n_total"):
        assert after.loc[key, column] == before.loc[key, column] - 1
    pd.testing.assert_frame_equal(after, recount(url), check_dtype=False)


def test_a_form_without_applications_still_shows_as_reported(loaded: str) -> None:
    url = loaded
    feb = date(2024, 2, 1)
    oktmo = "25701000"
    now = datetime.now(UTC)
    with warehouse_engine(url) as engine, engine.begin() as conn:
        batch_ids = [
            conn.execute(
                sa.text(
                    "INSERT INTO audit.load_batches (source, batch_key, oktmo, period_start, "
                    "period_end, status, rows_in, rows_loaded, rows_quarantined, rows_rejected, "
                    "volume, checksum_sha256, message, started_at, finished_at) VALUES ('omsu', "
                    ":key, :oktmo, '2024-02-01', '2024-02-29', :status, 0, 0, 0, 0, 0, "
                    "repeat('a', 64), 'test', :now, :now) RETURNING batch_id"
                ),
                {"key": key, "oktmo": o, "status": status, "now": now},
            ).scalar_one()
            for key, o, status in (
                (f"omsu_{oktmo}_2024-02.xlsx", oktmo, "loaded"),
                (f"omsu_{MISSING_FORM}_2024-02.xlsx", MISSING_FORM, "rejected"),
            )
        ]
    with warehouse_engine(url) as engine:
        (result,) = refresh_monthly_counts(engine, [feb])
    rows = aggregate(url).xs(feb, level="month")

    municipal = _frame(url, "SELECT count(*) AS n FROM core.dim_service WHERE level = 'municipal'")
    # A loaded form with no applications: one zero row per municipal service, marked reported;
    # a rejected form is no form.
    assert result["inserted"] == len(rows) == int(municipal["n"].iloc[0])
    assert set(rows.index.get_level_values("oktmo")) == {oktmo}
    assert rows["has_omsu_report"].all() and (rows["n_total"] == 0).all()
    assert set(rows["max_load_batch_id"]) == {batch_ids[0]}


def test_share_summary_reads_the_counts_and_the_plan_schedule(loaded: str) -> None:
    url = loaded
    with warehouse_engine(url) as engine:
        refresh_monthly_counts(engine, [MARCH])
        summary = share_summary(engine, date(2024, 3, 31))
    counts = aggregate(url)
    (year,) = summary["years"]
    assert summary["plan_version"] == "2023.1"
    assert year["through_month"] == "2024-03" and not year["is_year_complete"]
    assert year["target_pct"] == 50.0
    assert year["region_ytd_n_online"] == counts["n_epgu_online"].sum()
    assert year["region_ytd_n_total"] == counts["n_total"].sum()
    assert (year["forms_received"], year["forms_expected"]) == (41, 42)
    assert year["municipalities"] == 42


@pytest.mark.usefixtures("prefect_harness")
def test_the_snapshot_flow_refreshes_every_month_with_facts_and_publishes_the_summary(
    loaded: str,
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.snapshots import compute_snapshots
    from tasks.indicators import SHARE_SUMMARY_ARTIFACT_KEY, SNAPSHOT_SUMMARY_ARTIFACT_KEY

    summary = compute_snapshots(as_of=date(2024, 3, 31))
    again = compute_snapshots(months=["2024-03"], as_of=date(2024, 3, 31))

    assert summary["months_refreshed"] == ["2024-03"]
    assert summary["refresh"][0]["inserted"] == len(aggregate(loaded))
    assert again["refresh"] == [{"month": "2024-03", "inserted": 0, "updated": 0, "deleted": 0}]
    assert again["years"] == summary["years"] and not again["is_final"]
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[SHARE_SUMMARY_ARTIFACT_KEY]))
        )
    # The session's Prefect harness also holds other tests' artifacts under the same key.
    assert any("ЕПГУ share (I1) as of 2024-03-31" in str(a.data) for a in artifacts)
    # The snapshot: taken once, found again from the same inputs, summarised as an artifact.
    assert summary["snapshot"]["is_new"] and not again["snapshot"]["is_new"]
    assert again["snapshot"]["snapshot_id"] == summary["snapshot"]["snapshot_id"]
    with get_client(sync_client=True) as client:
        snapshot_artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[SNAPSHOT_SUMMARY_ARTIFACT_KEY])
            )
        )
    assert any("Иркутская область на 31.03.2024" in str(a.data) for a in snapshot_artifacts)
