"""The simulator's public API: one import place, and each source folder's own names."""

from __future__ import annotations

import importlib

import pytest

import egov.simulator


@pytest.mark.parametrize(
    "package",
    ["egov.simulator", *(f"egov.simulator.{key}" for key in ("epgu", "mfc", "omsu", "ekc"))],
)
def test_every_exported_name_exists(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__
    assert [name for name in module.__all__ if not hasattr(module, name)] == []


def test_the_usual_entry_points_are_exported() -> None:
    for name in ("generate_world", "SimulatorServers", "SimClock", "EpguStore", "EkcStore"):
        assert name in egov.simulator.__all__
