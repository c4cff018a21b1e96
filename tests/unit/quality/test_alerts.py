"""Alerts: the message says source, period and reason; events are well formed; no secret leaks."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from prefect import flow
from prefect.client.schemas.objects import FlowRun
from prefect.events.schemas.automations import AutomationCore
from prefect.settings import PREFECT_LOGGING_TO_API_ENABLED, temporary_settings
from prefect.states import Failed

from egov.paths import PROJECT_ROOT
from egov.quality import alerts
from egov.settings import get_settings

EPGU_TOKEN = "tok-0123456789-epgu-secret"
EKC_PASSWORD = "pw-ekc-very-secret"
DB_PASSWORD = "db-pass-Xy9"
WAREHOUSE_URL = f"postgresql://egov:{DB_PASSWORD}@db.example:5432/egov"


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every event emit_alert sends, instead of sending it to a Prefect server."""
    sent: list[dict[str, Any]] = []

    def record(**kwargs: Any) -> None:
        sent.append(kwargs)

    monkeypatch.setattr(alerts, "emit_event", record)
    return sent


@pytest.fixture
def secret_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("EGOV_EPGU_TOKEN", EPGU_TOKEN)
    monkeypatch.setenv("EGOV_EKC_PASSWORD", EKC_PASSWORD)
    monkeypatch.setenv("EGOV_WAREHOUSE_URL", WAREHOUSE_URL)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_an_alert_logs_and_emits_source_period_and_reason(
    events: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="egov.alerts"):
        alert = alerts.emit_alert(
            "rejected_batch", "mfc", "2024-03-05", "Итого does not match: 120 vs 118"
        )

    (record,) = [r for r in caplog.records if r.name == "egov.alerts"]
    assert record.levelno == logging.ERROR
    for part in ("mfc", "2024-03-05", "Итого does not match: 120 vs 118", "rejected_batch"):
        assert part in record.getMessage()
    (event,) = events
    assert event["event"] == "egov.alert.rejected-batch" == alert.event_name
    assert event["resource"]["prefect.resource.id"] == "egov.source.mfc"
    assert event["payload"]["source"] == "mfc"
    assert event["payload"]["period"] == "2024-03-05"
    assert event["payload"]["reason"] == "Итого does not match: 120 vs 118"
    assert event["payload"]["message"] == record.getMessage()


@pytest.mark.parametrize(
    ("kind", "event_name"),
    [
        ("overdue_source", "egov.alert.overdue-source"),
        ("rejected_batch", "egov.alert.rejected-batch"),
        ("failed_flow_run", "egov.alert.failed-flow-run"),
    ],
)
def test_each_kind_has_its_event_name(
    events: list[dict[str, Any]], kind: alerts.AlertKind, event_name: str
) -> None:
    alerts.emit_alert(kind, "omsu", "2024-02", "late")

    assert [e["event"] for e in events] == [event_name]


def test_an_unknown_kind_is_refused(events: list[dict[str, Any]]) -> None:
    with pytest.raises(ValueError, match="unknown alert kind 'late_source'"):
        alerts.emit_alert("late_source", "omsu", "2024-02", "late")  # type: ignore[arg-type]
    assert events == []


def test_secrets_never_reach_the_log_or_the_event(
    secret_settings: None, events: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    reason = (
        f"GET with Authorization: Bearer {EPGU_TOKEN} failed; ekc login ekc-export:{EKC_PASSWORD}"
        f"; warehouse {WAREHOUSE_URL} refused; password {DB_PASSWORD} rejected"
    )

    with caplog.at_level(logging.ERROR, logger="egov.alerts"):
        alert = alerts.emit_alert("rejected_batch", "epgu", "2024-03-05", reason)

    shown = [caplog.text, repr(events), alert.message]
    for secret in (EPGU_TOKEN, EKC_PASSWORD, DB_PASSWORD, WAREHOUSE_URL):
        assert all(secret not in text for text in shown), secret
    assert "Bearer *** failed" in alert.reason
    assert "password *** rejected" in alert.reason
    assert "refused" in alert.reason and "epgu" in alert.message


def test_a_long_reason_is_cut_and_whitespace_collapsed(events: list[dict[str, Any]]) -> None:
    alert = alerts.emit_alert("overdue_source", "omsu", "2024-02", "a\n  b " + "x" * 5000)

    assert alert.reason.startswith("a b x")
    assert len(alert.reason) == alerts.MAX_REASON_CHARS
    assert alert.reason.endswith("...")


@pytest.mark.parametrize(
    ("flow_name", "source"),
    [
        ("ingest-omsu-reports", "omsu"),
        ("ingest-epgu-applications", "epgu"),
        ("load-reference-data", "pipeline"),
        ("check-source-freshness", "pipeline"),
    ],
)
def test_a_flow_name_tells_the_source_when_it_names_one(flow_name: str, source: str) -> None:
    assert alerts.source_of_flow(flow_name) == source


def test_the_failure_hook_names_the_flow_and_the_error_without_secrets(
    secret_settings: None, events: list[dict[str, Any]]
) -> None:
    @flow(name="ingest-mfc-exports")
    def ingest_mfc_exports() -> None:
        """Stand-in for the real flow."""

    run = FlowRun(
        id=uuid.uuid4(),
        name="brave-otter",
        flow_id=uuid.uuid4(),
        start_time=datetime(2024, 3, 5, 22, 30, tzinfo=UTC),
    )
    state = Failed(message=f"Flow run encountered an exception: token {EPGU_TOKEN} expired")

    with temporary_settings({PREFECT_LOGGING_TO_API_ENABLED: False}):
        alerts.on_flow_failure(ingest_mfc_exports, run, state)

    (event,) = events
    payload = event["payload"]
    assert event["event"] == "egov.alert.failed-flow-run"
    assert payload["source"] == "mfc"
    assert payload["period"] == "2024-03-06 06:30"  # the run's start, local time
    assert "ingest-mfc-exports" in payload["reason"] and "brave-otter" in payload["reason"]
    assert "token *** expired" in payload["reason"]
    assert EPGU_TOKEN not in repr(event)
    assert event["related"][0]["prefect.resource.id"] == f"prefect.flow-run.{run.id}"


# --- the automation definitions -----------------------------------------------------------


def _automations() -> list[dict[str, Any]]:
    data = yaml.safe_load((PROJECT_ROOT / "automations/egov-alerts.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return list(data["automations"])


def test_every_automation_is_valid_for_prefect() -> None:
    parsed = [AutomationCore.model_validate(a) for a in _automations()]

    names = [a.name for a in parsed]
    assert len(names) == len(set(names))
    assert all(a.enabled and a.actions for a in parsed)


def test_every_alert_kind_and_failed_egov_flow_runs_trigger_an_automation() -> None:
    expected: dict[str, dict[str, Any]] = {}
    for automation in _automations():
        for event in automation["trigger"]["expect"]:
            expected[event] = automation["trigger"]

    for kind in alerts.ALERT_KINDS:
        name = alerts.Alert(kind, "omsu", "2024-02", "x").event_name
        assert expected[name]["match"] == {"prefect.resource.id": "egov.source.*"}
    failed = expected["prefect.flow-run.Failed"]
    assert failed["match_related"] == {
        "prefect.resource.role": "tag",
        "prefect.resource.id": "prefect.tag.egov",
    }
    assert "prefect.flow-run.Crashed" in failed["expect"]
