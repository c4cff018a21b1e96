"""The bad-input corpus end to end: landed for real, validated and loaded into PostgreSQL.

МФЦ and ОМСУ files go into inbox folders and through `land_inbox`; ЕПГУ pages and ЕКЦ days come
from the real connectors over a session that answers with the corpus bytes, and land through
`land_epgu_window` / `land_ekc_day`; then `validate_and_load` runs per source. One warehouse
for the module: every case is checked in audit.load_batches, audit.quarantine,
audit.expectation_results, raw.deliveries and the core facts, against tests/corpus/cases.yaml.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from egov.quality.load import validate_and_load
from egov.quality.summary import BatchSummary, FailedRule
from egov.settings import Settings
from egov.sources.ekc import EkcClient
from egov.sources.ekc.landing import land_ekc_day
from egov.sources.epgu import EpguClient
from egov.sources.epgu.landing import land_epgu_window
from egov.sources.http import RetryPolicy
from egov.sources.ingest import DeliveryOutcome, land_inbox
from egov.sources.landing import RawStore, read_landed, sha256_hex
from egov.sources.records import DeliveryError
from tests.corpus.cases import Case, OnePageSession, cases, load_cases
from tests.integration.helpers import prepare_warehouse, scratch_database, warehouse_engine

pytestmark = pytest.mark.integration

ALL = load_cases()
LANDED = cases(lands=True)
FACT_TABLES = {
    "epgu": ("core.fact_epgu_application",),
    "mfc": ("core.fact_mfc_application",),
    "omsu": ("core.fact_omsu_service_figures", "core.fact_omsu_campaign"),
    "ekc": ("core.fact_ekc_call",),
}
ONE_ATTEMPT = RetryPolicy(max_attempts=1)


def ids(selected: list[Case]) -> list[str]:
    """Test ids: the corpus file of each case."""
    return [c.file for c in selected]


@dataclass
class Warehouse:
    """The module's warehouse after the whole corpus went through landing and the gate."""

    engine: Engine
    store: RawStore
    ignored: dict[str, str] = field(default_factory=dict)
    """Inbox entry name -> why landing ignored it."""
    fetch_errors: dict[str, DeliveryError] = field(default_factory=dict)
    """Case file -> the DeliveryError that stopped the fetch of its ЕПГУ window."""
    summaries: dict[tuple[str, str], BatchSummary] = field(default_factory=dict)
    """(source, batch key) -> the batch summary validate_and_load returned."""

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        """The rows of a query with bound parameters."""
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.text(sql), params).mappings()]

    def batch(self, case: Case) -> dict[str, Any]:
        """The one audit.load_batches row of a landed case."""
        [batch] = self.rows(
            "SELECT * FROM audit.load_batches WHERE source = :source AND batch_key = :key",
            source=case.source,
            key=case.batch_key,
        )
        return batch


def _put_in_inboxes(mfc: Path, omsu: Path, outside: Path) -> None:
    """The МФЦ and ОМСУ cases as files in their inboxes, refused names included."""
    folders = {"mfc": mfc, "omsu": omsu}
    for case in ALL:
        if case.source not in folders or not (case.lands or case.rejected_by == "inbox"):
            continue
        folder = folders[case.source]
        if "/" in case.delivered_as:
            # A name with '/' cannot exist in the folder: the traversal arrives as a link.
            target = outside / Path(case.delivered_as).name
            target.write_bytes(case.content)
            (folder / target.name).symlink_to(target)
        else:
            (folder / case.delivered_as).write_bytes(case.content)


@pytest.fixture(scope="module")
def warehouse(
    postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Warehouse]:
    """A migrated warehouse with reference data, after the whole corpus was landed and loaded."""
    root = tmp_path_factory.mktemp("corpus-load")
    mfc, omsu, outside = root / "mfc", root / "omsu", root / "outside"
    for folder in (mfc, omsu, outside):
        folder.mkdir()
    _put_in_inboxes(mfc, omsu, outside)
    settings = Settings(mfc_inbox=mfc, omsu_inbox=omsu, raw_dir=root / "raw")
    with scratch_database(postgres_server_url) as url, warehouse_engine(url) as engine:
        prepare_warehouse(url)
        loaded = Warehouse(engine, RawStore(root / "raw"))
        for source in ("mfc", "omsu"):
            for result in land_inbox(engine, loaded.store, source, settings):
                if isinstance(result, DeliveryOutcome):
                    loaded.ignored[result.delivery_key] = str(result.error)
        for case in sorted(cases(), key=lambda c: c.batch_key):
            if case.source == "epgu":
                client = EpguClient(
                    "http://epgu.invalid",
                    SecretStr("token"),
                    policy=ONE_ATTEMPT,
                    session=OnePageSession(case.content),
                )
                try:
                    land_epgu_window(engine, loaded.store, client, *case.window)
                except DeliveryError as exc:
                    loaded.fetch_errors[case.file] = exc
            elif case.source == "ekc":
                ekc = EkcClient(
                    "http://ekc.invalid",
                    SecretStr("user"),
                    SecretStr("password"),
                    policy=ONE_ATTEMPT,
                    session=OnePageSession(case.content),
                )
                land_ekc_day(engine, loaded.store, ekc, case.period()[0])
        for source in ("epgu", "mfc", "omsu", "ekc"):
            summaries, _ = validate_and_load(engine, loaded.store, source)
            loaded.summaries |= {(source, s.batch_key): s for s in summaries}
        yield loaded


# --- every landed delivery ---------------------------------------------------------------------


def test_every_landed_case_became_exactly_one_batch_and_nothing_else_did(
    warehouse: Warehouse,
) -> None:
    batches = warehouse.rows("SELECT source, batch_key FROM audit.load_batches")
    assert sorted((b["source"], b["batch_key"]) for b in batches) == sorted(
        (c.source, c.batch_key) for c in LANDED
    )
    assert set(warehouse.summaries) == {(c.source, c.batch_key) for c in LANDED}


def test_every_batch_accounts_for_every_row_it_took_in(warehouse: Warehouse) -> None:
    batches = warehouse.rows("SELECT * FROM audit.load_batches")
    assert batches
    for b in batches:
        assert b["rows_in"] == b["rows_loaded"] + b["rows_quarantined"] + b["rows_rejected"], b
        [held] = warehouse.rows(
            "SELECT count(*) AS n FROM audit.quarantine WHERE batch_id = :id", id=b["batch_id"]
        )
        assert held["n"] == b["rows_quarantined"], b["batch_key"]


@pytest.mark.parametrize("case", LANDED, ids=ids(LANDED))
def test_a_landed_case_is_kept_raw_byte_for_byte(case: Case, warehouse: Warehouse) -> None:
    [delivery] = warehouse.rows(
        "SELECT delivery_id, checksum_sha256, size_bytes FROM raw.deliveries "
        "WHERE source = :source AND delivery_key = :key",
        source=case.source,
        key=case.delivered_as,
    )
    content = case.content
    assert delivery["checksum_sha256"] == hashlib.sha256(content).hexdigest()
    assert delivery["size_bytes"] == len(content)
    with warehouse.engine.connect() as conn:
        _, stored = read_landed(conn, warehouse.store, delivery["delivery_id"])
    assert stored == content


@pytest.mark.parametrize("case", LANDED, ids=ids(LANDED))
def test_a_landed_case_loads_quarantines_or_rejects_as_written(
    case: Case, warehouse: Warehouse
) -> None:
    batch = warehouse.batch(case)
    assert batch["status"] == case.status
    results = warehouse.rows(
        "SELECT expectation, severity FROM audit.expectation_results "
        "WHERE batch_id = :id AND NOT success",
        id=batch["batch_id"],
    )
    failed = {(r["expectation"], r["severity"]) for r in results}
    if case.rejected_by == "parser":
        assert (batch["rows_in"], batch["rows_loaded"], batch["rows_rejected"]) == (0, 0, 0)
        assert failed == {("delivery_is_readable", "blocking")}
        assert case.error_says is not None and case.error_says in batch["message"]
        assert f"{case.source} {case.delivered_as}" in batch["message"]
        return
    assert batch["rows_in"] == case.rows_in
    assert {rule for rule, severity in failed if severity == "warning"} == case.warnings
    blocking = {rule for rule, severity in failed if severity == "blocking"}
    if case.rejected_by == "gate":
        assert blocking == {case.rule}
        assert (batch["rows_loaded"], batch["rows_quarantined"]) == (0, 0)
        assert batch["rows_rejected"] == case.rows_in
        return
    assert blocking == set()
    assert batch["rows_quarantined"] == case.rows_quarantined
    assert batch["rows_loaded"] == case.rows_loaded
    assert batch["rows_rejected"] == 0


@pytest.mark.parametrize("case", LANDED, ids=ids(LANDED))
def test_the_quarantine_holds_each_bad_row_with_its_rule_column_and_file(
    case: Case, warehouse: Warehouse
) -> None:
    held = warehouse.rows(
        "SELECT dataset, rule, column_name, source_row, source_file, reason, raw_values "
        "FROM audit.quarantine WHERE batch_id = :id",
        id=warehouse.batch(case)["batch_id"],
    )
    found: dict[tuple[str, str, str | None], list[int]] = defaultdict(list)
    for row in held:
        found[(row["dataset"], row["rule"], row["column_name"])].append(row["source_row"])
        assert row["source_file"] == case.delivered_as
        assert row["reason"] and isinstance(row["raw_values"], dict)
    # A rejected batch quarantines nothing: all its rows count as rows of a rejected batch.
    expected = [] if case.status == "rejected" else case.quarantine
    assert {key: sorted(rows) for key, rows in found.items()} == {
        (h.dataset, h.rule, h.column): sorted(h.rows) for h in expected
    }


@pytest.mark.parametrize("case", LANDED, ids=ids(LANDED))
def test_only_the_rows_that_passed_reach_the_core_facts(case: Case, warehouse: Warehouse) -> None:
    batch = warehouse.batch(case)
    facts = 0
    for table in FACT_TABLES[case.source]:
        [count] = warehouse.rows(
            f"SELECT count(*) AS n FROM {table} WHERE load_batch_id = :id",
            id=batch["batch_id"],
        )
        facts += count["n"]
    if case.file == "epgu/same_application_two_statuses.json":
        # Two states of one application on the page: the fact keeps one row, the later state.
        assert facts == batch["rows_loaded"] - 1
        [fact] = warehouse.rows(
            "SELECT status FROM core.fact_epgu_application WHERE application_id = :id",
            id="EPGU-2024-180000006",
        )
        assert fact["status"] == "completed"
    else:
        assert facts == batch["rows_loaded"]


# --- what never lands --------------------------------------------------------------------------

EPGU_REFUSED = [c for c in cases(rejected_by="parser") if c.source == "epgu"]
INBOX_REFUSED = cases(rejected_by="inbox")


@pytest.mark.parametrize("case", EPGU_REFUSED, ids=ids(EPGU_REFUSED))
def test_an_unreadable_epgu_page_stops_its_window_and_is_kept_raw_but_not_landed(
    case: Case, warehouse: Warehouse
) -> None:
    error = warehouse.fetch_errors[case.file]
    assert case.error_says is not None and case.error_says in str(error)
    assert error.file.endswith(" page 1")
    # The page as received, kept for whoever investigates, and named in the error.
    kept_at = RawStore.relative_path(sha256_hex(case.content))
    assert str(error).endswith(f"the page as received is kept in the raw store as {kept_at}")
    assert warehouse.store.get(kept_at, sha256_hex(case.content)) == case.content
    # Not a delivery: the window's mark stays and the next run asks for it again.
    landed = warehouse.rows(
        "SELECT delivery_key FROM raw.deliveries WHERE delivery_key LIKE :prefix",
        prefix=f"{case.batch_key}%",
    )
    assert landed == []


@pytest.mark.parametrize("case", INBOX_REFUSED, ids=ids(INBOX_REFUSED))
def test_a_name_the_inbox_refuses_is_reported_and_never_landed(
    case: Case, warehouse: Warehouse
) -> None:
    name = Path(case.delivered_as).name if "/" in case.delivered_as else case.delivered_as
    reason = warehouse.ignored[name]
    expected = "symbolic link (not followed)" if "/" in case.delivered_as else case.error_says
    assert expected is not None and expected in reason
    landed = warehouse.rows(
        "SELECT delivery_id FROM raw.deliveries WHERE delivery_key = :key", key=name
    )
    assert landed == []


def test_an_inbox_file_named_for_a_day_after_today_is_reported_and_left_in_the_inbox(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    [case] = [c for c in ALL if c.file == "mfc/export_day_in_the_future.csv"]
    inbox = tmp_path / "mfc"
    inbox.mkdir()
    # Another day of 2030 than the fixture landed (it lands without a today, as the parser does).
    (inbox / "mfc_20300106.csv").write_bytes(case.content)
    settings = Settings(mfc_inbox=inbox, raw_dir=tmp_path / "raw")

    results = land_inbox(
        warehouse.engine, warehouse.store, "mfc", settings, today=date(2024, 3, 31)
    )

    assert results == [
        DeliveryOutcome(
            "mfc",
            "mfc_20300106.csv",
            "ignored",
            error="named for 2030-01-06, after today (2024-03-31)",
        )
    ]
    assert (inbox / "mfc_20300106.csv").exists()
    landed = warehouse.rows(
        "SELECT delivery_id FROM raw.deliveries WHERE delivery_key = 'mfc_20300106.csv'"
    )
    assert landed == []


# --- text that is not what it seems ------------------------------------------------------------


def test_text_that_looks_like_sql_is_stored_as_data_and_every_table_is_still_there(
    warehouse: Warehouse,
) -> None:
    drop = "'); DROP TABLE core.{}; --"
    mfc = warehouse.rows(
        "SELECT office FROM core.fact_mfc_application WHERE office = :text",
        text=drop.format("fact_mfc_application"),
    )
    assert len(mfc) == 1
    epgu = warehouse.rows(
        "SELECT application_id FROM core.fact_epgu_application WHERE application_id = :text",
        text=drop.format("fact_epgu_application"),
    )
    assert len(epgu) == 1
    omsu = warehouse.rows(
        "SELECT note FROM core.fact_omsu_campaign WHERE note = :text",
        text=drop.format("fact_omsu_campaign"),
    )
    assert len(omsu) == 1
    ekc = warehouse.rows(
        "SELECT raw_values FROM audit.quarantine WHERE column_name = 'ivr_topic'",
    )
    assert [r["raw_values"] for r in ekc] == [{"value": drop.format("fact_ekc_call")}]
    for table in (
        "core.fact_mfc_application",
        "core.fact_epgu_application",
        "core.fact_omsu_campaign",
        "core.fact_ekc_call",
        "core.dim_service",
    ):
        [exists] = warehouse.rows("SELECT to_regclass(:table) IS NOT NULL AS ok", table=table)
        assert exists["ok"], table


@pytest.mark.parametrize(
    ("file", "shown"),
    [
        ("ekc/nul_byte_in_outcome.csv", "abandoned\\x00"),
        ("epgu/nul_in_application_id.json", "EPGU-2024-\\x00-2300018"),
        ("epgu/lone_surrogate_in_application_id.json", "EPGU-2024-\\ud83d-2400003"),
    ],
)
def test_a_value_text_cannot_hold_is_quarantined_as_a_visible_escape(
    file: str, shown: str, warehouse: Warehouse
) -> None:
    (case,) = [c for c in ALL if c.file == file]
    [row] = warehouse.rows(
        "SELECT raw_values FROM audit.quarantine WHERE batch_id = :id",
        id=warehouse.batch(case)["batch_id"],
    )
    assert row["raw_values"] == {"value": shown}


# --- a call id loaded from another day ----------------------------------------------------------

REPEATED = "0000000b-0000-4000-8000-000000000002"
"""A call of ekc/negative_wait_sec.csv (its line 4), loaded from the export of 2024-03-11."""


def _ekc_day(day: date, ids: list[str]) -> bytes:
    """A clean export of `day` with one answered call per id, a minute apart from 09:00."""
    header = "call_id,started_at,line,ivr_topic,caller_oktmo,answered,wait_sec,talk_sec,outcome"
    lines = [
        f"{call_id},{day.isoformat()}T09:{i:02d}:00+08:00,122,local_government,25701000,"
        "true,10,60,answered_on_spot"
        for i, call_id in enumerate(ids)
    ]
    return "\n".join([header, *lines, ""]).encode()


def _land_and_load(
    engine: Engine, store: RawStore, day: date, content: bytes, today: date | None = None
) -> list[BatchSummary]:
    """Land one ЕКЦ day's export and run the gate: the batch summaries of the run."""
    client = EkcClient(
        "http://ekc.invalid",
        SecretStr("user"),
        SecretStr("password"),
        policy=ONE_ATTEMPT,
        session=OnePageSession(content),
    )
    land_ekc_day(engine, store, client, day, today)
    summaries, _ = validate_and_load(engine, store, "ekc")
    return summaries


def _state(warehouse: Warehouse) -> list[list[dict[str, Any]]]:
    """Every batch, quarantined row and call fact, in a stable order."""
    return [
        warehouse.rows("SELECT * FROM audit.load_batches ORDER BY batch_id"),
        warehouse.rows("SELECT * FROM audit.quarantine ORDER BY batch_id, source_row"),
        warehouse.rows("SELECT * FROM core.fact_ekc_call ORDER BY call_id"),
    ]


def test_a_call_id_already_loaded_for_another_day_is_quarantined_naming_that_day(
    fresh_database_url: str, tmp_path: Path
) -> None:
    prepare_warehouse(fresh_database_url)
    store = RawStore(tmp_path / "raw")
    first = next(c for c in ALL if c.file == "ekc/negative_wait_sec.csv")
    # 24 calls of its own and, on line 26, a call id the export of the 11th already delivered.
    ids = [f"00000c12-0000-4000-8000-{n:012d}" for n in range(24)] + [REPEATED]
    with warehouse_engine(fresh_database_url) as engine:
        loaded = Warehouse(engine, store)
        [day_11] = _land_and_load(engine, store, date(2024, 3, 11), first.content)
        [before] = loaded.rows("SELECT * FROM core.fact_ekc_call WHERE call_id = :id", id=REPEATED)
        [day_12] = _land_and_load(
            engine, store, date(2024, 3, 12), _ekc_day(date(2024, 3, 12), ids)
        )

        assert (day_12.status, day_12.rows_in) == ("partial", 25)
        assert (day_12.rows_loaded, day_12.rows_quarantined, day_12.rows_rejected) == (
            24,
            1,
            0,
        )
        [batch] = loaded.rows(
            "SELECT * FROM audit.load_batches WHERE batch_id = :id", id=day_12.batch_id
        )
        assert batch["rows_in"] == batch["rows_loaded"] + batch["rows_quarantined"]
        [held] = loaded.rows(
            "SELECT * FROM audit.quarantine WHERE batch_id = :id", id=day_12.batch_id
        )
        assert (held["rule"], held["failed_rules"], held["column_name"]) == (
            "call_id_is_unique_across_days",
            ["call_id_is_unique_across_days"],
            "call_id",
        )
        assert (
            held["reason"] == f"call_id {REPEATED} is already loaded from the export of 2024-03-11"
        )
        assert (held["source_file"], held["source_row"]) == ("calls 2024-03-12", 26)
        assert held["raw_values"]["call_id"] == REPEATED
        [result] = loaded.rows(
            "SELECT * FROM audit.expectation_results WHERE batch_id = :id AND expectation = :rule",
            id=day_12.batch_id,
            rule="call_id_is_unique_across_days",
        )
        assert (result["success"], result["element_count"], result["unexpected_count"]) == (
            True,
            25,
            1,
        )
        # The earlier day's fact is untouched; the 12th loaded its own 24 calls.
        [after] = loaded.rows("SELECT * FROM core.fact_ekc_call WHERE call_id = :id", id=REPEATED)
        assert after == before and after["load_batch_id"] == day_11.batch_id
        [count] = loaded.rows(
            "SELECT count(*) AS n FROM core.fact_ekc_call WHERE load_batch_id = :id",
            id=day_12.batch_id,
        )
        assert count["n"] == 24

        # Nothing pending: running again changes nothing.
        state = _state(loaded)
        assert validate_and_load(engine, store, "ekc")[0] == []
        assert _state(loaded) == state

        # The 11th delivered again, corrected and still with the call: its own day is replaced,
        # so the call is not held against itself, and the 12th stays as it was.
        fixed = first.content.replace(b",-15,", b",15,")
        [again] = _land_and_load(engine, store, date(2024, 3, 11), fixed)
        assert (again.status, again.rows_loaded, again.rows_quarantined) == (
            "loaded",
            20,
            0,
        )
        [moved] = loaded.rows("SELECT * FROM core.fact_ekc_call WHERE call_id = :id", id=REPEATED)
        assert (moved["call_date"], moved["load_batch_id"]) == (
            date(2024, 3, 11),
            again.batch_id,
        )
        assert loaded.rows(
            "SELECT batch_id FROM audit.quarantine WHERE rule = 'call_id_is_unique_across_days'"
        ) == [{"batch_id": day_12.batch_id}]


def test_a_day_repeating_another_days_calls_is_rejected_and_that_day_stays_loaded(
    fresh_database_url: str, tmp_path: Path
) -> None:
    prepare_warehouse(fresh_database_url)
    store = RawStore(tmp_path / "raw")
    first = next(c for c in ALL if c.file == "ekc/negative_wait_sec.csv")
    # The next day's export repeats the first day's calls under the same ids: past the rule's
    # 5 % tolerance it is another day's export under a wrong date, not a few stray ids.
    repeat = first.content.replace(b"2024-03-11T", b"2024-03-12T")
    with warehouse_engine(fresh_database_url) as engine:
        loaded = Warehouse(engine, store)
        [day_11] = _land_and_load(engine, store, date(2024, 3, 11), first.content)
        facts = loaded.rows("SELECT * FROM core.fact_ekc_call ORDER BY call_id")
        [second] = _land_and_load(engine, store, date(2024, 3, 12), repeat)
        assert second.status == "rejected"
        assert (second.rows_in, second.rows_loaded, second.rows_quarantined) == (20, 0, 0)
        assert second.rows_rejected == 20
        assert second.failed_rules == (
            FailedRule("call_id_is_unique_across_days", "blocking", unexpected_count=19),
        )
        assert second.message == "rejected: call_id_is_unique_across_days (blocking, 19)"
        assert loaded.rows("SELECT * FROM core.fact_ekc_call ORDER BY call_id") == facts
        assert {f["load_batch_id"] for f in facts} == {day_11.batch_id}
        assert validate_and_load(engine, store, "ekc")[0] == []


def test_a_final_ekc_export_without_calls_is_rejected_and_the_day_stays_loaded(
    fresh_database_url: str, tmp_path: Path
) -> None:
    prepare_warehouse(fresh_database_url)
    store = RawStore(tmp_path / "raw")
    calls = next(c for c in ALL if c.file == "ekc/negative_wait_sec.csv")
    [empty] = [c for c in ALL if c.file == "ekc/header_only.csv"]
    day = date(2024, 3, 11)
    with warehouse_engine(fresh_database_url) as engine:
        loaded = Warehouse(engine, store)
        _land_and_load(engine, store, day, calls.content)
        facts = loaded.rows("SELECT * FROM core.fact_ekc_call ORDER BY call_id")
        # Re-fetched two days later, when the export can no longer grow: a broken export.
        [final] = _land_and_load(engine, store, day, empty.content, today=date(2024, 3, 13))

        assert (final.status, final.rows_in) == ("rejected", 0)
        [rule] = loaded.rows(
            "SELECT * FROM audit.expectation_results WHERE batch_id = :id AND expectation = :rule",
            id=final.batch_id,
            rule="final_export_is_not_empty",
        )
        assert not rule["success"] and rule["severity"] == "blocking"
        assert loaded.rows("SELECT * FROM core.fact_ekc_call ORDER BY call_id") == facts

        # Today's export fetched just after midnight may hold no calls yet: it loads.
        [today] = _land_and_load(
            engine, store, date(2024, 3, 14), empty.content, today=date(2024, 3, 14)
        )
        assert today.status == "loaded"
