"""The source registry: one spec per key, in order, agreeing with suites, SQL, calendar, flows."""

from __future__ import annotations

import pytest

from egov.errors import EgovError
from egov.paths import SQL_DIR
from egov.quality.reporting_calendar import load_reporting_calendar
from egov.quality.suites import suite_for
from egov.sources import SOURCE_KEYS
from egov.sources.registry import SOURCES, check_source_key, source_spec
from flows.ingest import INGEST_FLOWS


def test_the_registry_lists_every_source_key_in_order() -> None:
    assert tuple(spec.key for spec in SOURCES) == SOURCE_KEYS
    assert all(source_spec(key).key == key for key in SOURCE_KEYS)


def test_an_unknown_source_is_a_clear_error() -> None:
    with pytest.raises(EgovError, match=r"unknown source 'gosuslugi': expected one of epgu, mfc"):
        source_spec("gosuslugi")
    with pytest.raises(EgovError, match="unknown source"):
        check_source_key("")


@pytest.mark.parametrize("key", SOURCE_KEYS)
def test_a_spec_names_the_suites_that_check_its_datasets(key: str) -> None:
    for dataset in source_spec(key).datasets:
        assert suite_for(key, dataset.name, "source").name == dataset.source_suite
        assert suite_for(key, dataset.name, "core").name == dataset.core_suite


def test_every_merge_step_has_its_sql_file() -> None:
    for spec in SOURCES:
        for dataset in spec.datasets:
            table = dataset.core_table
            names = [f"core/create_stage_{table}", f"core/copy_stage_{table}"]
            names += [statement.sql for statement in dataset.merge]
            for name in names:
                assert (SQL_DIR / f"{name}.sql").is_file(), f"{spec.key}: {name}"
            assert dataset.core_columns[-1] == "source_row"


def test_every_source_is_in_the_reporting_calendar() -> None:
    listed = {entry.source for entry in load_reporting_calendar().sources}
    assert {spec.calendar_key for spec in SOURCES} == listed


def test_every_source_has_an_ingest_flow() -> None:
    assert set(INGEST_FLOWS) == set(SOURCE_KEYS)


def test_exactly_the_inbox_sources_describe_an_inbox() -> None:
    inboxes = {spec.key for spec in SOURCES if spec.inbox is not None}
    assert inboxes == {"mfc", "omsu"}
    assert all(spec.inbox.source == spec.key for spec in SOURCES if spec.inbox is not None)
