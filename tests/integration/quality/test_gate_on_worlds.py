"""The quality gate on generated worlds: every injected defect is handled or caught by name.

Two worlds of the same seed go through the four ingest flows (real HTTP, real files, real
PostgreSQL, real Prefect runs): one with `defects="heavy"` and one with `defects="none"`. In the
heavy world each defect listed in `world.json` must show up as the parser's note, a named rule
that failed on the file's batch, a quarantined row, or a reconciliation difference carrying
both numbers; the accounting must hold for every batch. The clean world must produce no
blocking finding and no reconciliation difference.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from egov.quality.summary import BatchSummary
from egov.settings import get_settings
from egov.simulator import EkcStore, EpguStore, SimClock, SimulatorServers, generate_world
from egov.sources.contract import IRKUTSK
from flows.ingest import (
    ingest_ekc_calls,
    ingest_epgu_applications,
    ingest_mfc_exports,
    ingest_omsu_reports,
)
from tests.integration.helpers import prepare_warehouse, warehouse_engine

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]

FIRST, LAST = "2024-03", "2024-04"
SCALE = 0.02
SEED = 20240607
EPGU_FROM = datetime(2024, 3, 1, tzinfo=IRKUTSK)
EPGU_UNTIL = datetime(2024, 5, 25, tzinfo=IRKUTSK)
"""The world's applications change status until late May; the forms count final statuses."""
SERVER_NOW = datetime(2024, 12, 31, tzinfo=IRKUTSK)
EKC_TODAY = date(2024, 5, 1)

NOTE_OF_KIND = {
    "utf8_bom": "utf8_bom",
    "trailing_empty_lines": "trailing_blank_lines",
    "oktmo_with_spaces": "oktmo_normalised",
    "oktmo_11_digits": "oktmo_normalised",
    "header_extra_spaces": "header_whitespace",
    "numbers_as_text": "numbers_as_text",
    "blank_rows": "blank_rows_inside",
}
"""Defects the parser normalises: the batch carries the parser's note (info finding)."""
RULE_OF_KIND = {
    "empty_cell": "no_empty_cells",
    "total_mismatch": "totals_row_matches_sum",
    "parts_mismatch": "parts_add_up_to_total",
    "oktmo_mismatch": "oktmo_matches_file_name",
}
"""Defects a named rule must catch on the file's batch."""
SHAPE_ONLY = {"merged_header", "header_text_variant", "sheet_order"}
"""Layout defects the parser reads through: the batch loads every row of the clean file."""
RECONCILED_RULE = {
    "в т.ч. через ЕПГУ": "via_epgu_matches_epgu_source",
    "через МФЦ": "via_mfc_matches_mfc_source",
}
DRIFT = re.compile(
    r"'(?P<column>[^']+)' of service (?P<code>\S+) is (?P<written>\d+), "
    r"the counted applications (?P<counted>\d+)"
)


@dataclass(frozen=True)
class Loaded:
    """What a world left in the warehouse after the four ingest flows."""

    manifest: dict[str, Any]
    batches: dict[str, dict[str, Any]]
    """batch_key -> batch row (with `notes`)."""
    results: dict[str, dict[str, dict[str, Any]]]
    """batch_key -> expectation -> result row."""
    quarantined: set[tuple[str, str]]
    """(file, service code) of quarantined form rows."""
    flow_batches: list[BatchSummary]


def _run_world(world: Path, url: str, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Loaded:
    local = tmp / "world"
    shutil.copytree(world / "inbox", local / "inbox")
    prepare_warehouse(url)
    servers = SimulatorServers(
        EpguStore.load(world), EkcStore.load(world), clock=SimClock(as_of=SERVER_NOW)
    )
    with servers:
        for key, value in {
            "EGOV_WAREHOUSE_URL": url,
            "EGOV_WORLD_DIR": str(local),
            "EGOV_RAW_DIR": str(tmp / "raw"),
            "EGOV_DATA_DOCS_DIR": str(tmp / "data-docs"),
            "EGOV_EPGU_URL": servers.epgu_url,
            "EGOV_EKC_URL": servers.ekc_url,
            "EGOV_EPGU_START_AT": EPGU_FROM.isoformat(),
            "EGOV_EKC_START_DAY": "2024-03-01",
        }.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        flow_batches: list[BatchSummary] = []
        # Forms last, so their reconciliation finds the epgu and mfc months complete.
        flow_batches += ingest_epgu_applications(until=EPGU_UNTIL).batches
        flow_batches += ingest_ekc_calls(today=EKC_TODAY).batches
        flow_batches += ingest_mfc_exports().batches
        flow_batches += ingest_omsu_reports().batches
    get_settings.cache_clear()
    with warehouse_engine(url) as engine, engine.connect() as conn:
        batches = {
            r["batch_key"]: dict(r)
            for r in conn.execute(sa.text("SELECT * FROM audit.load_batches")).mappings()
        }
        results: dict[str, dict[str, dict[str, Any]]] = {}
        for r in conn.execute(
            sa.text(
                "SELECT b.batch_key, r.* FROM audit.expectation_results AS r "
                "JOIN audit.load_batches AS b USING (batch_id)"
            )
        ).mappings():
            results.setdefault(r["batch_key"], {})[r["expectation"]] = dict(r)
        quarantined = {
            (r.source_file, json.loads(r.raw_values).get("service_code") or "")
            for r in conn.execute(
                sa.text("SELECT source_file, raw_values::text FROM audit.quarantine")
            )
        }
    manifest = json.loads((world / "world.json").read_text(encoding="utf-8"))
    return Loaded(manifest, batches, results, quarantined, flow_batches)


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    made = {}
    for defects in ("heavy", "none"):
        folder = tmp_path_factory.mktemp(f"world-{defects}")
        generate_world(folder, FIRST, LAST, scale=SCALE, seed=SEED, defects=defects)
        made[defects] = folder
    return made


@pytest.fixture
def heavy(
    worlds: dict[str, Path],
    fresh_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Loaded]:
    yield _run_world(worlds["heavy"], fresh_database_url, tmp_path, monkeypatch)


@pytest.fixture
def clean(
    worlds: dict[str, Path],
    fresh_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Loaded]:
    yield _run_world(worlds["none"], fresh_database_url, tmp_path, monkeypatch)


def _failed(loaded: Loaded, file: str, rule: str) -> bool:
    result = loaded.results.get(file, {}).get(rule)
    return result is not None and not result["success"]


def _explain(loaded: Loaded, defect: dict[str, Any]) -> str | None:
    """How the gate shows the defect, or None when it does not."""
    kind, file = defect["kind"], defect["file"]
    batch = loaded.batches.get(file)
    if batch is None:
        return None
    if kind in NOTE_OF_KIND:
        codes = {note["code"] for note in batch["notes"]}
        return f"note {NOTE_OF_KIND[kind]}" if NOTE_OF_KIND[kind] in codes else None
    if kind in RULE_OF_KIND:
        return f"rule {RULE_OF_KIND[kind]}" if _failed(loaded, file, RULE_OF_KIND[kind]) else None
    if kind in SHAPE_ONLY:
        return "read through" if batch["status"] != "rejected" or batch["rows_in"] > 0 else None
    if kind == "figures_drift":
        drift = DRIFT.fullmatch(defect["detail"])
        assert drift, defect
        if batch["status"] == "rejected":
            return "file rejected"
        if (file, drift["code"]) in loaded.quarantined:
            return "row quarantined"
        rule = RECONCILED_RULE[drift["column"]]
        result = loaded.results.get(file, {}).get(rule)
        if result is None:
            return None
        for difference in result["details"]["differences"]:
            if difference["service_code"] == drift["code"]:
                both = (difference["form"], difference["counted"])
                expected = (int(drift["written"]), int(drift["counted"]))
                return f"rule {rule} {both}" if both == expected else None
        return None
    raise AssertionError(f"unknown defect kind {kind}")


def test_every_heavy_defect_is_handled_by_the_parser_or_caught_by_a_named_rule(
    heavy: Loaded,
) -> None:
    unexplained = [d for d in heavy.manifest["injected_defects"] if _explain(heavy, d) is None]

    context = {
        d["file"]: {r: heavy.results.get(d["file"], {}).get(r) for r in RECONCILED_RULE.values()}
        for d in unexplained
    }
    assert heavy.manifest["injected_defects"]
    assert unexplained == [], context


def test_every_batch_accounts_for_every_row_in_the_heavy_world(heavy: Loaded) -> None:
    for batch in heavy.batches.values():
        assert batch["rows_in"] == (
            batch["rows_loaded"] + batch["rows_quarantined"] + batch["rows_rejected"]
        ), batch["batch_key"]
    rejected = [b for b in heavy.batches.values() if b["status"] == "rejected"]
    mismatched = {
        d["file"] for d in heavy.manifest["injected_defects"] if d["kind"] == "oktmo_mismatch"
    }
    assert {b["batch_key"] for b in rejected} == mismatched
    assert all(b["rows_rejected"] == b["rows_in"] > 0 for b in rejected)
    assert len(heavy.flow_batches) == len(heavy.batches)


def test_a_clean_world_has_no_blocking_finding_and_reconciles(clean: Loaded) -> None:
    blocking = [
        (key, rule)
        for key, rules in clean.results.items()
        for rule, result in rules.items()
        if result["severity"] == "blocking" and not result["success"]
    ]
    reconciliation = [
        (key, rule)
        for key, rules in clean.results.items()
        for rule in RECONCILED_RULE.values()
        if rule in rules and not rules[rule]["success"]
    ]
    reconciled = sum(
        1 for rules in clean.results.values() for rule in RECONCILED_RULE.values() if rule in rules
    )

    assert blocking == []
    assert {b["status"] for b in clean.batches.values()} == {"loaded"}
    assert reconciliation == []
    assert reconciled == 2 * sum(1 for b in clean.batches.values() if b["source"] == "omsu")
