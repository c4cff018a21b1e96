"""Monthly application counts on a real warehouse loaded from a small simulated world.

One month of ЕПГУ (through the simulator's HTTP server), МФЦ and ОМСУ (inbox files) goes
through landing and the quality gate into the core facts; the refresh is then checked against
an independent count from the facts, for idempotency (identical table checksums) and for a
changed fact touching exactly one aggregate row.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from egov.indicators.methodology import current_methodology
from egov.indicators.monthly_counts import months_with_facts, refresh_monthly_counts
from tests.integration.helpers import table_checksums, warehouse_engine
from tests.integration.indicators.march import MARCH, MISSING_FORM

pytestmark = pytest.mark.integration

KEY = ["month", "oktmo", "service_code"]
COUNTS = [
    "n_online",
    "n_epgu_online",
    "n_epgu",
    "n_mfc",
    "n_omsu_direct",
    "n_total",
    "has_omsu_report",
]


@pytest.fixture
def loaded(march_warehouse: str) -> str:
    """A warehouse with the world's March facts (see conftest.py)."""
    return march_warehouse


def _frame(url: str, query: str) -> pd.DataFrame:
    with warehouse_engine(url) as engine, engine.connect() as conn:
        result = conn.execute(sa.text(query))
        return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))


def aggregate(url: str) -> pd.DataFrame:
    frame = _frame(url, "SELECT * FROM core.agg_application_monthly").set_index(KEY).sort_index()
    return frame[[*COUNTS, "max_load_batch_id"]]


def channel_flags(url: str) -> dict[str, bool]:
    """{channel: counts as online without a visit} as core.dim_channel says now."""
    frame = _frame(url, "SELECT channel_code, is_online_without_visit FROM core.dim_channel")
    return {
        str(c): bool(f)
        for c, f in zip(frame["channel_code"], frame["is_online_without_visit"], strict=True)
    }


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
    flags = channel_flags(url)
    epgu["counted"] = epgu["online"] & flags.get("epgu", False)
    mfc["counted"] = flags.get("mfc", False)
    omsu = omsu[omsu["service_code"].isin(mszu)].assign(
        month=lambda f: f["report_month"],
        direct=lambda f: f["in_person_count"].fillna(0) + f["by_post_count"].fillna(0),
        counted=lambda f: (
            f["in_person_count"].fillna(0) * flags.get("omsu_in_person", False)
            + f["by_post_count"].fillna(0) * flags.get("omsu_post", False)
        ),
    )
    forms = _frame(
        url,
        "SELECT oktmo, period_start AS month, max(batch_id) AS batch_id FROM audit.load_batches "
        "WHERE source = 'omsu' AND status IN ('loaded', 'partial') GROUP BY 1, 2",
    )
    lines = forms.merge(pd.DataFrame({"service_code": municipal}), how="cross")

    parts = [
        epgu.groupby(KEY).agg(
            n_epgu_online=("online", "sum"),
            on1=("counted", "sum"),
            n_epgu=("online", "size"),
            b1=("load_batch_id", "max"),
        ),
        mfc.groupby(KEY).agg(
            n_mfc=("case_id", "size"), on2=("counted", "sum"), b2=("load_batch_id", "max")
        ),
        omsu.groupby(KEY).agg(
            n_omsu_direct=("direct", "sum"), on3=("counted", "sum"), b3=("load_batch_id", "max")
        ),
        lines.set_index(KEY)[[]],
    ]
    out = pd.concat(parts, axis=1).reset_index()
    out = out.merge(forms.rename(columns={"batch_id": "b4"}), on=["month", "oktmo"], how="left")
    for column in ("n_epgu_online", "n_epgu", "n_mfc", "n_omsu_direct", "on1", "on2", "on3"):
        out[column] = out[column].fillna(0).astype(int)
    out["n_online"] = out["on1"] + out["on2"] + out["on3"]
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
    for column in ("n_online", "n_epgu_online", "n_epgu", "n_total"):
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


def test_the_channel_taxonomy_decides_what_counts_as_online(loaded: str) -> None:
    """n_online is read from core.dim_channel: flipping a channel's flag changes the counts."""
    url = loaded
    with warehouse_engine(url) as engine:
        refresh_monthly_counts(engine, [MARCH])
    shipped = aggregate(url)
    # As shipped only ЕПГУ without a visit counts (reference/channels.csv): today's figures.
    assert channel_flags(url) == {
        "epgu": True,
        "mfc": False,
        "omsu_in_person": False,
        "omsu_post": False,
    }
    assert (shipped["n_online"] == shipped["n_epgu_online"]).all()
    assert shipped["n_mfc"].sum() > 0 and shipped["n_omsu_direct"].sum() > 0

    def flag(changes: dict[str, bool]) -> pd.DataFrame:
        with warehouse_engine(url) as engine:
            with engine.begin() as conn:
                for channel, online in changes.items():
                    conn.execute(
                        sa.text(
                            "UPDATE core.dim_channel SET is_online_without_visit = :online "
                            "WHERE channel_code = :channel"
                        ),
                        {"channel": channel, "online": online},
                    )
            refresh_monthly_counts(engine, [MARCH])
        counts = aggregate(url)
        pd.testing.assert_frame_equal(counts, recount(url), check_dtype=False)
        return counts

    # МФЦ and post flagged, ЕПГУ not: МФЦ and post count, ЕПГУ without a visit no longer does.
    flipped = flag({"epgu": False, "mfc": True, "omsu_post": True})
    assert (flipped["n_online"] >= flipped["n_mfc"]).all()
    assert flipped["n_online"].sum() > flipped["n_mfc"].sum()  # some post in the forms
    assert (flipped["n_online"] <= flipped["n_mfc"] + flipped["n_omsu_direct"]).all()
    assert flipped["n_online"].sum() != shipped["n_online"].sum()
    # The BI mart reads the same numerator.
    mart = _frame(
        url,
        "SELECT n_online FROM mart.epgu_share_monthly "
        "WHERE scope_type = 'region' AND month = '2024-03-01'",
    )
    assert int(mart["n_online"].iloc[0]) == flipped["n_online"].sum()
    # Only the numerator moves; the breakdown and the denominator stay.
    columns = [c for c in COUNTS if c != "n_online"]
    pd.testing.assert_frame_equal(flipped[columns], shipped[columns])
    # Back as shipped: the same counts as before.
    restored = flag({"epgu": True, "mfc": False, "omsu_post": False})
    pd.testing.assert_frame_equal(restored[COUNTS], shipped[COUNTS])


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
    assert summary["region_denominator"] == aggregate(loaded)["n_total"].sum()
    assert summary["region_numerator"] == aggregate(loaded)["n_online"].sum()
    # March's forms are due by 10 April: the missing one is not owed yet on 31 March.
    assert (summary["forms_received"], summary["forms_owed"]) == (41, 41)
    assert summary["municipalities"] == 42 and summary["plan_version"] == "2023.1"
    assert {k: v for k, v in again.items() if k not in ("refresh", "snapshot")} == {
        k: v for k, v in summary.items() if k not in ("refresh", "snapshot")
    }
    assert not again["is_final"]
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
