"""Properties of the ЕПГУ merge on the real PostgreSQL: idempotent, latest version wins.

ЕПГУ facts are the only ones merged rather than replaced: an application is re-delivered on
every status change, and `core/merge_fact_epgu_application.sql` keeps per application the
version with the latest `updated_at`, whatever order the windows arrive in (the other sources
delete their delivery's scope and insert it again). That rule lives in SQL only: there is no
pure-Python merge to test (conform.py maps rows one to one, monthly_counts.py aggregates what
the facts hold), so these properties run the real path: generated items go through
`parse_epgu_page`, the gate's `source_frame` / `conform_records` and `write_verdict` (COPY into
the staging table, then the merge) into a migrated warehouse, one transaction per batch as in
the pipeline. Generated identifiers carry quotes, separators, backslashes, `\\N` and SQL, so
the COPY quoting is exercised too.

Versions of one application have distinct `updated_at` (a status change moves it); two
different versions with the same `updated_at` are outside the contract, and the merge keeps
whichever came first.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from egov.quality.conform import conform_records, source_frame
from egov.quality.inputs import BatchInput, DeliveryPart
from egov.quality.verdicts import BatchVerdict, empty_quarantine
from egov.quality.write import write_verdict
from egov.sources.contract import EPGU_STATUSES, IRKUTSK
from egov.sources.epgu import parse_epgu_page
from egov.warehouse.sql import run_sql
from tests.integration.helpers import prepare_warehouse, scratch_database, warehouse_engine
from tests.unit import hypothesis_profiles  # noqa: F401  (loads the reproducible profile)

pytestmark = pytest.mark.integration

WINDOW = (datetime(2024, 1, 1, tzinfo=IRKUTSK), datetime(2025, 1, 1, tzinfo=IRKUTSK))
FACT_COLUMNS = (
    "application_id, service_code, oktmo, submitted_at, submitted_month, updated_at, status, "
    "requires_visit, load_batch_id, delivery_id, source_row"
)
ID_TEXT = string.ascii_letters + string.digits + "АБВгдеЁё -_.,;:'\"\\/()«»№"
NASTY_IDS = ["'; DROP TABLE x; --", "\\N", '"a,b"', "a\\.b", "EPGU-2024-000123456"]


@pytest.fixture(scope="module")
def warehouse(postgres_server_url: str) -> Iterator[tuple[Engine, list[int]]]:
    """A migrated warehouse for the module and two landed deliveries the batches point at."""
    with scratch_database(postgres_server_url) as url:
        prepare_warehouse(url)
        with warehouse_engine(url) as engine:
            with engine.begin() as conn:
                deliveries = [
                    int(
                        run_sql(
                            conn,
                            "raw/insert_delivery",
                            {
                                "source": "epgu",
                                "delivery_key": f"window page {n}",
                                "period_start": date(2024, 1, 1),
                                "period_end": date(2024, 12, 31),
                                "checksum_sha256": f"{n:064x}",
                                "size_bytes": 0,
                                "media_type": "application/json",
                                "blob_path": f"epgu/{n}",
                                "fetched_at": datetime.now(UTC),
                                "metadata": "{}",
                            },
                        ).scalar_one()
                    )
                    for n in (1, 2)
                ]
            yield engine, deliveries


def empty_facts(engine: Engine) -> None:
    """Each example starts from no ЕПГУ facts and no batches (deliveries stay)."""
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE core.fact_epgu_application, audit.load_batches CASCADE"))


def fact_table(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        query = f"SELECT {FACT_COLUMNS} FROM core.fact_epgu_application ORDER BY application_id"
        return [tuple(r) for r in conn.execute(sa.text(query))]


@st.composite
def application_versions(draw: st.DrawFn) -> list[dict[str, Any]]:
    """1–6 applications, each in 1–3 versions with distinct updated_at, as API items."""
    ids = draw(
        st.lists(
            st.sampled_from(NASTY_IDS)
            | st.text(alphabet=ID_TEXT, min_size=1, max_size=20).map(str.strip).filter(bool),
            min_size=1,
            max_size=6,
            unique=True,
        )
    )
    versions = []
    for application_id in ids:
        submitted = datetime(2024, 1, 1, tzinfo=IRKUTSK) + timedelta(
            minutes=draw(st.integers(0, 200 * 24 * 60))
        )
        changes = draw(st.lists(st.integers(0, 100 * 24 * 60), min_size=1, max_size=3, unique=True))
        for minutes in changes:
            versions.append(
                {
                    "application_id": application_id,
                    "service_code": draw(
                        st.sampled_from(["3800000000100000001", "3800000000200000016"])
                    ),
                    "target_oktmo": draw(st.sampled_from(["25701000", "25703000"])),
                    "submitted_at": submitted.isoformat(),
                    "updated_at": (submitted + timedelta(minutes=minutes)).isoformat(),
                    "status": draw(st.sampled_from(EPGU_STATUSES)),
                    "requires_visit": draw(st.booleans()),
                }
            )
    return draw(st.permutations(versions))


def merge_batch(engine: Engine, items: list[dict[str, Any]], delivery_id: int, key: str) -> int:
    """One ЕПГУ window through parser, conform and write_verdict, as an accepted batch."""
    content = json.dumps({"items": items, "next_cursor": None}).encode()
    parsed = parse_epgu_page(content, key)
    assert parsed.rejects == [], parsed.rejects
    batch = BatchInput(
        "epgu",
        key,
        WINDOW[0].date(),
        WINDOW[1].date(),
        "0" * 64,
        (delivery_id,),
        parts=(DeliveryPart("applications", delivery_id, parsed),),
        window=WINDOW,
    )
    core = conform_records("epgu", "applications", source_frame("epgu", "applications", [batch]))
    n = len(items)
    verdict = BatchVerdict(
        batch, "loaded", n, n, 0, 0, n, "loaded", [], empty_quarantine(), {"applications": core}, []
    )
    with engine.begin() as conn:
        return write_verdict(conn, verdict, datetime.now(UTC), None)


def latest(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The model: per application, the version with the latest updated_at."""
    winners: dict[str, dict[str, Any]] = {}
    for item in items:
        known = winners.get(item["application_id"])
        if known is None or item["updated_at"] > known["updated_at"]:
            winners[item["application_id"]] = item
    return winners


def business_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A fact row as the model knows it: id, codes, instants, status, flag, delivery."""
    application_id, service, oktmo, submitted, month, updated, status, visit, _, delivery, _ = row
    return (application_id, service, oktmo, submitted, month, updated, status, visit, delivery)


def expected_row(item: dict[str, Any], delivery_id: int) -> tuple[Any, ...]:
    submitted = datetime.fromisoformat(item["submitted_at"])
    local = submitted.astimezone(IRKUTSK)
    return (
        item["application_id"],
        item["service_code"],
        item["target_oktmo"],
        submitted,
        date(local.year, local.month, 1),
        datetime.fromisoformat(item["updated_at"]),
        item["status"],
        item["requires_visit"],
        delivery_id,
    )


@settings(max_examples=15)
@given(earlier=application_versions(), batch=application_versions())
def test_merging_the_same_batch_twice_leaves_the_facts_as_after_once(
    warehouse: tuple[Engine, list[int]],
    earlier: list[dict[str, Any]],
    batch: list[dict[str, Any]],
) -> None:
    """Re-running a window changes nothing: same rows, same lineage (the first load's batch)."""
    engine, (first_delivery, second_delivery) = warehouse
    empty_facts(engine)
    merge_batch(engine, earlier, first_delivery, "earlier window")
    merge_batch(engine, batch, second_delivery, "window")
    once = fact_table(engine)
    merge_batch(engine, batch, second_delivery, "window")
    assert fact_table(engine) == once


@settings(max_examples=15)
@given(versions=application_versions(), data=st.data())
def test_two_windows_merge_to_the_latest_version_in_either_order(
    warehouse: tuple[Engine, list[int]], versions: list[dict[str, Any]], data: st.DataObject
) -> None:
    """Versions split over two windows: either order leaves each application's latest one."""
    engine, deliveries = warehouse
    in_first = data.draw(st.lists(st.booleans(), min_size=len(versions), max_size=len(versions)))
    windows = (
        [v for v, first in zip(versions, in_first, strict=True) if first],
        [v for v, first in zip(versions, in_first, strict=True) if not first],
    )
    delivery_of = {
        (v["application_id"], v["updated_at"]): deliveries[0 if first else 1]
        for v, first in zip(versions, in_first, strict=True)
    }
    winners = latest(versions)
    expected = sorted(
        expected_row(v, delivery_of[(v["application_id"], v["updated_at"])])
        for v in winners.values()
    )
    results = []
    for order in ((0, 1), (1, 0)):
        empty_facts(engine)
        batch_ids = {}
        for index in order:
            if windows[index]:
                batch_ids[index] = merge_batch(
                    engine, windows[index], deliveries[index], f"window {index}"
                )
        rows = fact_table(engine)
        assert sorted(business_row(r) for r in rows) == expected
        # The winning version carries the batch that delivered it, whichever ran last.
        window_of_batch = {batch_id: index for index, batch_id in batch_ids.items()}
        results.append(sorted((r[0], window_of_batch[r[8]], r[10]) for r in rows))
    assert results[0] == results[1]
