"""prefect.yaml points at real flows under their own names."""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml
from prefect import Flow

from egov.paths import PROJECT_ROOT


def test_every_deployment_entrypoint_is_a_flow_named_like_the_deployment() -> None:
    config = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    assert config["deployments"], "prefect.yaml declares no deployment"
    for deployment in config["deployments"]:
        path, attribute = deployment["entrypoint"].split(":")
        module = importlib.import_module(Path(path).with_suffix("").as_posix().replace("/", "."))
        flow = getattr(module, attribute)
        assert isinstance(flow, Flow)
        assert flow.name == deployment["name"]
        assert deployment["work_pool"]["name"] == "egov-process"
