"""prefect.yaml: real flows, valid parameters, Irkutsk crons that follow the reporting calendar."""

from __future__ import annotations

import importlib
import inspect
import re
from datetime import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect import Flow
from prefect.cli.deploy._models import PrefectYamlModel
from prefect.client.schemas.schedules import CronSchedule

from egov.paths import PROJECT_ROOT

IRKUTSK = "Asia/Irkutsk"
INGESTS = {
    "epgu": "ingest-epgu-applications",
    "ekc": "ingest-ekc-calls",
    "mfc": "ingest-mfc-exports",
    "omsu": "ingest-omsu-reports",
}
ON_DEMAND = {"load-reference-data", "pipeline", "backfill", "reprocess-deliveries"}


def _load(name: str) -> dict[str, Any]:
    loaded = yaml.safe_load((PROJECT_ROOT / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


CONFIG = _load("prefect.yaml")
DEPLOYMENTS: dict[str, dict[str, Any]] = {d["name"]: d for d in CONFIG["deployments"]}


def _flow(deployment: dict[str, Any]) -> Flow[Any, Any]:
    path, attribute = deployment["entrypoint"].split(":")
    module = importlib.import_module(Path(path).with_suffix("").as_posix().replace("/", "."))
    flow = getattr(module, attribute)
    assert isinstance(flow, Flow), deployment["entrypoint"]
    return flow


def _when(cron: str) -> tuple[int | None, time]:
    """(day of month or None for every day, local time) of a 'M H D * *' cron."""
    minute, hour, day, month, weekday = cron.split()
    assert (month, weekday) == ("*", "*"), f"{cron!r}: only daily or monthly crons are planned"
    return (None if day == "*" else int(day)), time(int(hour), int(minute))


def _runs(name: str) -> list[tuple[int | None, time]]:
    return [_when(s["cron"]) for s in DEPLOYMENTS[name].get("schedules") or []]


def _daily(name: str) -> time:
    (run,) = [t for day, t in _runs(name) if day is None]
    return run


def _monthly(name: str) -> tuple[int, time]:
    (run,) = [(day, t) for day, t in _runs(name) if day is not None]
    return run


def test_prefect_reads_every_deployment_of_the_file() -> None:
    model = PrefectYamlModel.model_validate(CONFIG)
    assert [d.name for d in model.deployments] == list(DEPLOYMENTS)
    assert len(DEPLOYMENTS) == len(CONFIG["deployments"]), "deployment names must be unique"
    assert set(DEPLOYMENTS) >= {
        *INGESTS.values(),
        *ON_DEMAND,
        "check-source-freshness",
        "compute-snapshots-provisional",
        "compute-snapshots-final",
    }


@pytest.mark.parametrize("name", list(DEPLOYMENTS))
def test_the_entrypoint_is_a_flow_that_accepts_the_deployment_parameters(name: str) -> None:
    deployment = DEPLOYMENTS[name]
    flow = _flow(deployment)
    assert name == flow.name or name.startswith(f"{flow.name}-"), "name the flow first"
    parameters = deployment.get("parameters") or {}
    declared = inspect.signature(flow.fn).parameters
    assert set(parameters) <= set(declared), f"{name}: not parameters of {flow.name}"
    flow.validate_parameters(parameters)  # values of the declared types, e.g. known sources


@pytest.mark.parametrize("name", list(DEPLOYMENTS))
def test_each_deployment_runs_one_at_a_time_on_the_egov_pool(name: str) -> None:
    deployment = DEPLOYMENTS[name]
    assert deployment["concurrency_limit"] == {"limit": 1, "collision_strategy": "ENQUEUE"}
    assert deployment["work_pool"]["name"] == "egov-process"


@pytest.mark.parametrize("name", list(DEPLOYMENTS))
def test_every_schedule_is_a_cron_in_irkutsk_time(name: str) -> None:
    schedules = DEPLOYMENTS[name].get("schedules") or []
    assert bool(schedules) == (name not in ON_DEMAND)
    for schedule in schedules:
        assert set(schedule) == {"cron", "timezone"}
        assert schedule["timezone"] == IRKUTSK
        CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
        _when(schedule["cron"])


def test_the_schedules_follow_the_reporting_calendar() -> None:
    calendar = {s["source"]: s for s in _load("expectations/reporting_calendar.yaml")["sources"]}
    assert _load("expectations/reporting_calendar.yaml")["time_zone"] == IRKUTSK
    daily_due = {
        source: time.fromisoformat(entry["due_time"])
        for source, entry in calendar.items()
        if entry["cadence"] == "daily"
    }
    assert set(daily_due) == {"epgu", "ekc", "mfc"}
    freshness_daily = _daily("check-source-freshness")
    provisional = _daily("compute-snapshots-provisional")
    for source, due in daily_due.items():
        ingest = _daily(INGESTS[source])
        assert ingest < due, f"{source} must be loaded before its {due} due time"
        assert ingest < provisional, f"provisional snapshots must follow the {source} ingest"
        assert freshness_daily > due, "the freshness check runs after the due time"

    # ОМСУ: monthly, the day after the deadline; then the freshness check, then final snapshots.
    omsu_day, omsu_at = _monthly(INGESTS["omsu"])
    assert omsu_day == calendar["omsu"]["due_day_of_next_month"] + 1
    assert _monthly("check-source-freshness")[0] == omsu_day
    assert _monthly("check-source-freshness")[1] > omsu_at
    final_day, final_at = _monthly("compute-snapshots-final")
    assert final_day == omsu_day
    assert final_at > _monthly("check-source-freshness")[1]
    # ЕКЦ: a day is final two days after it, long before the 11th.
    assert calendar["ekc"]["due_days_after"] == 2


def test_snapshot_deployments_differ_only_in_finality() -> None:
    provisional = DEPLOYMENTS["compute-snapshots-provisional"]
    final = DEPLOYMENTS["compute-snapshots-final"]
    assert provisional["entrypoint"] == final["entrypoint"]
    assert provisional["parameters"] == {"is_final": False}
    assert final["parameters"] == {"is_final": True}


def test_backfill_is_on_demand_with_a_month_range_and_sources() -> None:
    backfill = DEPLOYMENTS["backfill"]
    assert set(backfill["parameters"]) == {"from_month", "to_month", "sources", "recapture"}
    assert backfill["parameters"]["recapture"] is False
    assert "prefect deployment run 'backfill/backfill'" in backfill["description"]
    assert set(DEPLOYMENTS["pipeline"]["parameters"]) == {"period", "sources"}


def test_the_readme_lists_every_deployment() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Scheduled runs on a Prefect server", 1)[1].split("\n## ", 1)[0]
    for name in DEPLOYMENTS:
        rows = [line for line in section.splitlines() if line.startswith("| `")]
        assert any(re.match(rf"\| `([\w-]+/)?{name}` \|", row) for row in rows), name
    assert "prefect deployment run 'backfill/backfill'" in section
