"""Fixtures of the indicator tests: one month (2024-03) of a small world, loaded for real.

`march_warehouse` is a fresh warehouse per test with the world's March facts loaded by the
landing and the quality gate (ЕПГУ through the simulator's HTTP server, МФЦ and ОМСУ from the
inbox), one municipality's form (`MISSING_FORM`) taken out. The monthly counts are not refreshed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from egov.quality.load import validate_and_load
from egov.settings import get_settings
from egov.simulator import EpguStore, SimClock, SimulatorServers, generate_world
from egov.sources.epgu.landing import epgu_client, land_epgu_window, plan_epgu_fetch
from egov.sources.ingest import land_inbox, raw_store
from tests.integration.helpers import prepare_warehouse, warehouse_engine
from tests.integration.indicators.march import EPGU_FROM, EPGU_UNTIL, MISSING_FORM, SERVER_NOW


@pytest.fixture(scope="module")
def march_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    generate_world(folder, "2024-03", "2024-03", scale=0.01, seed=7, defects="none")
    return folder


@pytest.fixture
def march_warehouse(
    march_world: Path, tmp_path: Path, warehouse_env: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A warehouse with the world's March facts loaded by the landing and the quality gate."""
    local = tmp_path / "world"
    shutil.copytree(march_world / "inbox", local / "inbox")
    (local / "inbox" / "omsu" / f"omsu_{MISSING_FORM}_2024-03.xlsx").unlink()
    prepare_warehouse(warehouse_env)
    servers = SimulatorServers(EpguStore.load(march_world), None, clock=SimClock(as_of=SERVER_NOW))
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
