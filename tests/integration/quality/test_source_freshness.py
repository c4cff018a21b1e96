"""mart.source_freshness, calendar sync and the check-source-freshness flow on a real warehouse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.events.schemas.automations import AutomationCore

from egov.paths import PROJECT_ROOT
from egov.quality import alerts
from egov.quality.freshness import source_freshness
from egov.quality.freshness_store import (
    select_loaded_periods,
    select_municipalities,
    select_overdue,
    select_source_freshness,
    sync_reporting_calendar,
)
from egov.quality.reporting_calendar import ReportingCalendar, load_reporting_calendar
from egov.reference.bundle import read_reference_bundle
from egov.reference.load import write_reference_bundle
from egov.sources.contract import IRKUTSK
from egov.warehouse.migrations import upgrade_warehouse
from flows.freshness import check_source_freshness
from tests.integration.helpers import table_checksums, warehouse_engine

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]

LATE_OKTMO = "25701000"  # город Иркутск: the one municipality that misses a month

INSERT_BATCH = sa.text(
    "INSERT INTO audit.load_batches (source, batch_key, oktmo, period_start, period_end, status, "
    "rows_in, rows_loaded, rows_quarantined, rows_rejected, volume, checksum_sha256, message, "
    "started_at, finished_at) VALUES (:source, :batch_key, :oktmo, :period_start, :period_end, "
    ":status, 10, :rows_loaded, 0, :rows_rejected, 10, repeat('0', 64), 'test batch', now(), "
    "now())"
)


def _month(day: dt.date, back: int) -> dt.date:
    """First day of the month `back` months before the month of `day`."""
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_end(first: dt.date) -> dt.date:
    return _month(first, -1) - dt.timedelta(days=1)


def _calendar_yaml(today: dt.date) -> str:
    daily_first = (today - dt.timedelta(days=10)).isoformat()

    def daily(source: str, days_after: int) -> dict[str, Any]:
        return {
            "source": source,
            "cadence": "daily",
            "per_municipality": False,
            "first_period": daily_first,
            "due_days_after": days_after,
            "due_time": "06:00",
        }

    data = {
        "time_zone": "Asia/Irkutsk",
        "sources": [
            daily("epgu", 1),
            daily("ekc", 2),
            daily("mfc", 1),
            {
                "source": "omsu",
                "cadence": "monthly",
                "per_municipality": True,
                "first_period": _month(today, 3).isoformat(),
                "due_day_of_next_month": 10,
            },
        ],
    }
    return yaml.safe_dump(data, sort_keys=False)


def _batch(
    source: str,
    start: dt.date,
    end: dt.date | None = None,
    *,
    oktmo: str | None = None,
    status: str = "loaded",
) -> dict[str, Any]:
    rejected = status == "rejected"
    return {
        "source": source,
        "batch_key": f"{source} {oktmo or ''} {start}",
        "oktmo": oktmo,
        "period_start": start,
        "period_end": end or start,
        "status": status,
        "rows_loaded": 0 if rejected else 10,
        "rows_rejected": 10 if rejected else 0,
    }


def _batches(today: dt.date, oktmos: list[str]) -> list[dict[str, Any]]:
    day = [today - dt.timedelta(days=n) for n in range(11)]  # day[n] = n days ago
    rows = [_batch("epgu", day[10], day[1])]  # one batch spanning ten days
    # МФЦ: every day up to yesterday except five days ago; a partial day counts as loaded.
    rows += [
        _batch("mfc", day[n], status="partial" if n == 2 else "loaded")
        for n in range(1, 11)
        if n != 5
    ]
    # ЕКЦ: up to two days ago (one unchanged re-delivery), yesterday's export was rejected.
    rows += [
        _batch("ekc", day[n], status="skipped_unchanged" if n == 3 else "loaded")
        for n in range(2, 11)
    ]
    rows.append(_batch("ekc", day[1], status="rejected"))
    # ОМСУ: the last three months from everyone, except Иркутск after the first of them.
    for back in (3, 2, 1):
        month = _month(today, back)
        rows += [
            _batch("omsu", month, _month_end(month), oktmo=oktmo)
            for oktmo in oktmos
            if oktmo != LATE_OKTMO or back == 3
        ]
    return rows


@pytest.fixture
def warehouse(warehouse_env: str, reference_copy: Path, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A migrated warehouse with reference data, a test calendar synced and batches loaded."""
    today = dt.datetime.now(IRKUTSK).date()
    calendar_path = tmp_path / "reporting_calendar.yaml"
    calendar_path.write_text(_calendar_yaml(today), encoding="utf-8")
    calendar = load_reporting_calendar(calendar_path)
    with warehouse_engine(warehouse_env) as engine:
        upgrade_warehouse(engine)
        write_reference_bundle(engine, read_reference_bundle(reference_copy), None)
        with engine.begin() as conn:
            first_sync = sync_reporting_calendar(conn, calendar)
            oktmos = list(
                conn.execute(sa.text("SELECT oktmo FROM core.dim_municipality")).scalars()
            )
            conn.execute(INSERT_BATCH, _batches(today, oktmos))
        yield {
            "url": warehouse_env,
            "engine": engine,
            "today": today,
            "calendar": calendar,
            "calendar_path": calendar_path,
            "first_sync": first_sync,
        }


def _local(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=IRKUTSK)


def test_the_view_flags_exactly_the_late_scopes(warehouse: dict[str, Any]) -> None:
    today: dt.date = warehouse["today"]
    with warehouse["engine"].connect() as conn:
        rows = select_source_freshness(conn)
        now = dt.datetime.now(dt.UTC)
        overdue = select_overdue(conn)

    by_scope = {(r["source"], r["oktmo"]): r for r in rows}
    assert len(rows) == 3 + 42  # three region-wide sources, 42 municipalities for omsu
    assert {s for s, oktmo in by_scope if oktmo is None} == {"epgu", "mfc", "ekc"}

    epgu = by_scope["epgu", None]
    assert epgu["last_period_loaded"] == today - dt.timedelta(days=1)
    assert epgu["next_period_expected"] == today
    assert epgu["expected_by"] == _local(today + dt.timedelta(days=1), 6)
    assert (epgu["is_overdue"], epgu["days_overdue"], epgu["periods_missing"]) == (False, 0, 0)

    mfc = by_scope["mfc", None]
    five_days_ago = today - dt.timedelta(days=5)
    assert mfc["last_period_loaded"] == today - dt.timedelta(days=1)
    assert mfc["next_period_expected"] == five_days_ago
    assert mfc["expected_by"] == _local(five_days_ago + dt.timedelta(days=1), 6)
    assert mfc["is_overdue"] and mfc["periods_missing"] == 1
    assert mfc["days_overdue"] == (now - mfc["expected_by"]) // dt.timedelta(days=1) >= 3

    ekc = by_scope["ekc", None]  # the rejected export of yesterday does not count
    assert ekc["last_period_loaded"] == today - dt.timedelta(days=2)
    assert ekc["next_period_expected"] == today - dt.timedelta(days=1)
    assert ekc["expected_by"] == _local(today + dt.timedelta(days=1), 6)
    assert not ekc["is_overdue"]

    late = by_scope["omsu", LATE_OKTMO]
    assert late["municipality_name"] == "город Иркутск"
    assert (late["last_period_loaded"], late["next_period_expected"]) == (
        _month(today, 3),
        _month(today, 2),
    )
    assert late["expected_by"] == _local(_month(today, 1) + dt.timedelta(days=10), 0)
    assert late["is_overdue"]
    on_time = [r for (s, oktmo), r in by_scope.items() if s == "omsu" and oktmo != LATE_OKTMO]
    assert len(on_time) == 41
    assert all(r["next_period_expected"] == _month(today, 0) for r in on_time)
    assert not any(r["is_overdue"] for r in on_time)

    assert [(r["source"], r["oktmo"]) for r in overdue] == [("mfc", None), ("omsu", LATE_OKTMO)]


def test_the_view_and_the_python_rules_agree(warehouse: dict[str, Any]) -> None:
    calendar: ReportingCalendar = warehouse["calendar"]
    with warehouse["engine"].connect() as conn:
        view = select_source_freshness(conn)
        now = dt.datetime.now(dt.UTC)
        loaded = select_loaded_periods(conn)
        municipalities = select_municipalities(conn)

    python = [r.__dict__ for r in source_freshness(calendar, loaded, now, municipalities)]

    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        return (row["source"], row["oktmo"] or "")

    assert len(view) == len(python) == 45
    for db_row, py_row in zip(sorted(view, key=key), sorted(python, key=key), strict=True):
        assert db_row == py_row


def test_syncing_the_calendar_twice_changes_nothing(warehouse: dict[str, Any]) -> None:
    calendar: ReportingCalendar = warehouse["calendar"]
    url = warehouse["url"]
    before = table_checksums(url)
    with warehouse["engine"].begin() as conn:
        second = sync_reporting_calendar(conn, calendar)

    assert (warehouse["first_sync"].inserted, warehouse["first_sync"].changed) == (4, True)
    assert not second.changed
    assert table_checksums(url) == before
    assert before["audit.reporting_calendar"][0] == 4

    # A real change is written, and only to its row.
    text = warehouse["calendar_path"].read_text(encoding="utf-8")
    changed_path = warehouse["calendar_path"].with_name("changed.yaml")
    changed_path.write_text(text.replace("due_days_after: 2", "due_days_after: 3"), "utf-8")
    with warehouse["engine"].begin() as conn:
        third = sync_reporting_calendar(conn, load_reporting_calendar(changed_path))
        ekc_due = conn.execute(
            sa.text("SELECT due_days_after FROM audit.reporting_calendar WHERE source = 'ekc'")
        ).scalar_one()
    assert (third.inserted, third.updated, third.deleted) == (0, 1, 0)
    assert ekc_due == 3


@pytest.fixture
def sent_events(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Events emit_alert sends, recorded on their way to the real Prefect server."""
    sent: list[dict[str, Any]] = []
    real_emit = alerts.emit_event

    def record(**kwargs: Any) -> Any:
        sent.append(kwargs)
        return real_emit(**kwargs)

    monkeypatch.setattr(alerts, "emit_event", record)
    return sent


def test_the_flow_alerts_once_per_late_source(
    warehouse: dict[str, Any], sent_events: list[dict[str, Any]]
) -> None:
    state = check_source_freshness(calendar_path=str(warehouse["calendar_path"]), return_state=True)

    assert state.is_completed(), state.message
    returned = state.result()
    assert [(r["source"], r["oktmo"]) for r in returned] == [("mfc", None), ("omsu", LATE_OKTMO)]
    assert [e["event"] for e in sent_events] == ["egov.alert.overdue-source"] * 2
    mfc, omsu = (e["payload"] for e in sent_events)
    assert (mfc["source"], mfc["period"]) == (
        "mfc",
        (warehouse["today"] - dt.timedelta(days=5)).isoformat(),
    )
    assert omsu["source"] == "omsu"
    assert omsu["period"] == _month(warehouse["today"], 2).strftime("%Y-%m")
    assert omsu["reason"].startswith("1 of 42 municipalities have not reported")
    assert f"{LATE_OKTMO} город Иркутск" in omsu["reason"]


def test_the_flow_replays_another_moment_with_as_of(
    warehouse: dict[str, Any], sent_events: list[dict[str, Any]]
) -> None:
    # Ten days ago at noon the МФЦ gap (five days ago) was not due yet; Иркутск's month was.
    as_of = _local(warehouse["today"] - dt.timedelta(days=10), 12)

    returned = check_source_freshness(as_of=as_of, calendar_path=str(warehouse["calendar_path"]))

    assert [(r["source"], r["oktmo"]) for r in returned] == [("omsu", LATE_OKTMO)]
    assert [e["payload"]["source"] for e in sent_events] == ["omsu"]


@flow(name="ingest-omsu-reports-broken")
def _broken_flow() -> None:
    raise RuntimeError("the inbox folder /srv/omsu is not readable")


def test_a_failing_flow_raises_one_failed_flow_run_alert(
    sent_events: list[dict[str, Any]],
) -> None:
    broken = _broken_flow.with_options(on_failure=[alerts.on_flow_failure])

    state = broken(return_state=True)

    assert state.is_failed()
    (event,) = sent_events
    assert event["event"] == "egov.alert.failed-flow-run"
    assert event["payload"]["source"] == "omsu"
    assert "ingest-omsu-reports-broken" in event["payload"]["reason"]
    assert "the inbox folder /srv/omsu is not readable" in event["payload"]["reason"]


def test_the_automations_are_accepted_by_a_prefect_server() -> None:
    data = yaml.safe_load((PROJECT_ROOT / "automations/egov-alerts.yaml").read_text("utf-8"))
    created = []
    with get_client(sync_client=True) as client:
        try:
            for item in data["automations"]:
                created.append(client.create_automation(AutomationCore.model_validate(item)))
            names = {a.name for a in client.read_automations() if a.id in created}
        finally:
            for automation_id in created:
                client.delete_automation(automation_id)

    assert names == {item["name"] for item in data["automations"]}
