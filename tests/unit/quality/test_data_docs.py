"""Data Docs from validation results nobody stored: a suite in code, a DataFrame, a local site."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from egov.quality.data_docs import MAX_LISTED_UNEXPECTED, build_data_docs

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Fail any connection or name lookup beyond this machine; yields the attempts."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and address[0] not in LOOPBACK:
            attempts.append(address)
            raise OSError(f"network disabled in this test: {address}")
        return real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in (*LOOPBACK, None):
            attempts.append(host)
            raise socket.gaierror(f"network disabled in this test: {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts


@pytest.fixture(scope="module")
def gx_validation() -> tuple[Any, Any]:
    """An ephemeral context (as the gate makes it) and the validator of a pandas frame."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (
        context.data_sources.add_pandas("egov")
        .add_dataframe_asset("deliveries")
        .add_batch_definition_whole_dataframe("frame")
    )
    return context, batch_definition


def _suite() -> Any:
    import great_expectations as gx

    suite = gx.ExpectationSuite(name="mfc_applications")
    suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="case_id"))
    suite.add_expectation(
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="channel", value_set={"$PARAMETER": "known_channels"}
        )
    )
    return suite


def _validate(batch_definition: Any, frame: pd.DataFrame) -> Any:
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    return batch.validate(
        _suite(),
        expectation_parameters={"known_channels": ["mfc", "epgu"]},
        result_format={"result_format": "COMPLETE", "return_unexpected_index_query": False},
    )


def _site_text(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in folder.rglob("*.html"))


def test_a_suite_built_in_code_renders_to_a_local_site(
    gx_validation: tuple[Any, Any], tmp_path: Path, no_network: list[Any]
) -> None:
    context, batch_definition = gx_validation
    frame = pd.DataFrame({"case_id": ["a1", "a2", "a3"], "channel": ["mfc", "fax", "mfc"]})
    result = _validate(batch_definition, frame)
    assert not result.success
    result.meta["batch_key"] = "mfc_20240301.csv"

    index = build_data_docs(context, [result], tmp_path / "docs")

    assert index == tmp_path / "docs" / "index.html"
    assert index.is_file()
    text = _site_text(tmp_path / "docs")
    assert "mfc_applications" in text  # the suite
    assert "values must belong to this set" in text  # the failing expectation …
    assert "fax" in text  # … and its unexpected value
    pages = list((tmp_path / "docs" / "validations").rglob("mfc_20240301.csv.html"))
    assert len(pages) == 1
    assert (tmp_path / "docs" / "expectations" / "mfc_applications.html").is_file()
    # GX's own index table needs scripts from CDNs; the plain list works offline.
    assert pages[0].relative_to(tmp_path / "docs").as_posix() in index.read_text(encoding="utf-8")
    assert no_network == []


def test_the_context_is_left_as_found_and_results_are_not_changed(
    gx_validation: tuple[Any, Any], tmp_path: Path, no_network: list[Any]
) -> None:
    context, batch_definition = gx_validation
    size = MAX_LISTED_UNEXPECTED + 50
    frame = pd.DataFrame({"case_id": ["x"] * size, "channel": ["fax"] * size})
    first, second = _validate(batch_definition, frame), _validate(batch_definition, frame)
    sites_before = dict(context.variables.data_docs_sites or {})

    build_data_docs(context, [first, second], tmp_path / "docs")

    # Same suite and batch id twice: two pages, not one overwriting the other.
    assert len(list((tmp_path / "docs" / "validations").rglob("*.html"))) == 2
    assert context.validation_results_store.list_keys() == []
    assert [s.name for s in context.suites.all()] == []
    assert dict(context.variables.data_docs_sites or {}) == sites_before
    # The caller's results keep their full lists; only the rendered copies were slimmed.
    assert len(first.results[1].result["unexpected_index_list"]) == size
    assert f"{size} unexpected values found" in _site_text(tmp_path / "docs")
    assert no_network == []
