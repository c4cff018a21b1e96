"""The ЕПГУ connector against the simulator over real HTTP on loopback.

A small world is built in memory; the servers run on ephemeral ports with a fixed clock. Retry
waits go to a recording `sleep`, so no test sleeps for real beyond a sub-second read timeout.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests
import requests.adapters
from pydantic import SecretStr

from egov.simulator import EpguStore, FaultPlan, SimClock, SimulatorServers, to_unix
from egov.sources.contract import EPGU_STATUSES, IRKUTSK
from egov.sources.epgu import EpguClient, EpguPage, parse_epgu_page
from egov.sources.http import (
    RetryPolicy,
    SourceAuthError,
    SourceRejectedError,
    SourceUnavailableError,
)
from egov.sources.records import DeliveryError

TOKEN = "test-token-4f9c2d"
NOW = datetime(2024, 3, 5, 12, 0, tzinfo=IRKUTSK)
SERVICES = ["3800000000160000017", "3800000000100000001"]
OKTMOS = ["25701000", "25703000", "25714000"]
REDELIVERED = 7  # app_no of the application whose status changes on the second day


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=IRKUTSK)


def build_store() -> EpguStore:
    """~300 events on 2024-03-01..03-04, a re-delivery, events on window edges and after NOW."""
    rng = np.random.default_rng(20240301)
    start = to_unix(local(2024, 3, 1))
    events: list[tuple[int, int, int, int, bool]] = []  # app_no, submitted, updated, status, visit
    for app_no in range(100, 400):
        submitted = start + int(rng.integers(0, 4 * 86400))
        events.append((app_no, submitted, submitted, 0, bool(rng.random() < 0.3)))
    submitted = to_unix(local(2024, 3, 1, 9, 30))
    events.append((REDELIVERED, submitted, submitted, 0, False))
    events.append((REDELIVERED, submitted, to_unix(local(2024, 3, 2, 15, 0)), 2, False))
    events.append((1, to_unix(local(2024, 3, 1, 23)), to_unix(local(2024, 3, 2)), 0, False))
    events.append((2, to_unix(local(2024, 3, 1)), to_unix(local(2024, 3, 1)), 1, True))
    events.append((3, to_unix(NOW), to_unix(NOW), 0, False))
    events.append((4, to_unix(NOW), to_unix(NOW) + 1, 0, False))
    events.append((5, to_unix(NOW), to_unix(NOW) + 86400, 3, False))
    events.sort(key=lambda e: (e[2], e[0]))
    table = np.array(events, dtype=np.int64)  # one row per event, columns as in the tuple
    numbers = table[:, 0].copy()
    return EpguStore(
        app_no=numbers,
        service_idx=(numbers % len(SERVICES)).astype(np.int16),
        oktmo_idx=(numbers % len(OKTMOS)).astype(np.int16),
        submitted_at=table[:, 1].copy(),
        updated_at=table[:, 2].copy(),
        status=table[:, 3].astype(np.int8),
        requires_visit=table[:, 4].astype(bool),
        service_codes=SERVICES,
        oktmos=OKTMOS,
    )


def expected_keys(store: EpguStore, start: datetime, end: datetime) -> list[tuple[str, str]]:
    """(application_id, updated_at) of the store's events in [start, end), served by NOW."""
    lo, hi = to_unix(start), min(to_unix(end), to_unix(NOW) + 1)
    return [
        (store.application_id(i), store.item(i)["updated_at"])
        for i in range(len(store))
        if lo <= int(store.updated_at[i]) < hi
    ]


def page_keys(pages: list[EpguPage]) -> list[tuple[str, str]]:
    return [
        (item["application_id"], item["updated_at"])
        for page in pages
        for item in json.loads(page.content)["items"]
    ]


@pytest.fixture
def store() -> EpguStore:
    return build_store()


@pytest.fixture
def servers(store: EpguStore) -> Iterator[SimulatorServers]:
    with SimulatorServers(store, None, clock=SimClock(NOW), token=TOKEN) as running:
        yield running


@pytest.fixture
def sleeps() -> list[float]:
    return []


def client(
    servers: SimulatorServers,
    sleeps: list[float],
    *,
    token: str = TOKEN,
    page_limit: int = 5000,
    max_attempts: int = 6,
    timeout: float = 5.0,
    **kwargs: Any,
) -> EpguClient:
    policy = RetryPolicy(
        max_attempts=max_attempts,
        base_delay=0.001,
        max_delay=60.0,
        sleep=sleeps.append,
        rng=random.Random(0),
    )
    return EpguClient(
        servers.epgu_url,
        SecretStr(token),
        page_limit=page_limit,
        timeout=timeout,
        policy=policy,
        **kwargs,
    )


DAY1 = (local(2024, 3, 1), local(2024, 3, 2))
DAY2 = (local(2024, 3, 2), local(2024, 3, 3))


def test_pagination_returns_every_event_of_the_window_exactly_once(
    servers: SimulatorServers, store: EpguStore, sleeps: list[float]
) -> None:
    expected = expected_keys(store, *DAY1)
    assert len(expected) > 50
    pages = client(servers, sleeps, page_limit=7).fetch_window(*DAY1)
    assert page_keys(pages) == expected  # same order: (updated_at, app_no)
    assert len(set(page_keys(pages))) == len(expected)
    assert [p.page_no for p in pages] == list(range(1, len(pages) + 1))
    assert len(pages) == -(-len(expected) // 7)
    assert all((p.window_start, p.window_end) == DAY1 for p in pages)
    assert all(json.loads(p.content)["total"] == len(expected) for p in pages)
    assert json.loads(pages[-1].content)["next_cursor"] is None
    assert pages[0].request_path == (
        "/api/v1/applications?updated_from=2024-03-01T00%3A00%3A00%2B08%3A00"
        "&updated_to=2024-03-02T00%3A00%3A00%2B08%3A00&limit=7"
    )
    assert "cursor=" in pages[1].request_path
    assert all(TOKEN not in p.request_path for p in pages)
    assert sleeps == []


def test_windows_are_half_open_and_together_cover_every_event_once(
    servers: SimulatorServers, store: EpguStore, sleeps: list[float]
) -> None:
    epgu = client(servers, sleeps, page_limit=50)
    first, second = page_keys(epgu.fetch_window(*DAY1)), page_keys(epgu.fetch_window(*DAY2))
    midnight = "2024-03-02T00:00:00+08:00"
    assert ("EPGU-2024-000000001", midnight) in second
    assert all(updated != midnight for _, updated in first)
    assert ("EPGU-2024-000000002", "2024-03-01T00:00:00+08:00") in first
    both = page_keys(epgu.fetch_window(DAY1[0], DAY2[1]))
    assert first + second == both


def test_a_redelivered_application_comes_again_in_the_later_window_with_its_new_status(
    servers: SimulatorServers, sleeps: list[float]
) -> None:
    epgu = client(servers, sleeps, page_limit=40)
    wanted = "EPGU-2024-000000007"

    def versions(window: tuple[datetime, datetime]) -> list[tuple[str, str]]:
        parsed = [parse_epgu_page(p.content, p.name) for p in epgu.fetch_window(*window)]
        records = pd.concat([delivery.records for delivery in parsed], ignore_index=True)
        mine = records[records["application_id"] == wanted]
        stamps = [str(stamp) for stamp in mine["updated_at"]]
        return list(zip(mine["status"].tolist(), stamps, strict=True))

    assert versions(DAY1) == [("registered", "2024-03-01 09:30:00+08:00")]
    assert versions(DAY2) == [("completed", "2024-03-02 15:00:00+08:00")]


def test_events_after_the_server_clock_are_not_served_yet(
    servers: SimulatorServers, store: EpguStore, sleeps: list[float]
) -> None:
    epgu = client(servers, sleeps)
    window = (local(2024, 3, 5), local(2024, 3, 7))
    ids = [app for app, _ in page_keys(epgu.fetch_window(*window))]
    assert ids == ["EPGU-2024-000000003"]  # updated exactly at NOW; 4 and 5 are later
    servers.clock.advance(timedelta(days=1))
    ids = [app for app, _ in page_keys(epgu.fetch_window(*window))]
    assert ids == ["EPGU-2024-000000003", "EPGU-2024-000000004", "EPGU-2024-000000005"]


def test_pages_parse_into_typed_records(servers: SimulatorServers, sleeps: list[float]) -> None:
    pages = client(servers, sleeps, page_limit=30).fetch_window(*DAY1)
    parsed = [parse_epgu_page(p.content, p.name) for p in pages]
    assert all(p.rejects == [] and p.is_accounted for p in parsed)
    records = pd.concat([p.records for p in parsed], ignore_index=True)
    assert len(records) == sum(len(json.loads(p.content)["items"]) for p in pages)
    assert set(records["status"]) <= set(EPGU_STATUSES)
    assert set(records["target_oktmo"]) <= set(OKTMOS)
    assert records["requires_visit"].any() and not records["requires_visit"].all()
    assert (records["updated_at"] >= pd.Timestamp(DAY1[0])).all()
    assert (records["updated_at"] < pd.Timestamp(DAY1[1])).all()


def test_a_wrong_token_is_a_clear_error_that_does_not_show_any_token(
    servers: SimulatorServers, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-token-77a1"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SourceAuthError) as caught:
        client(servers, sleeps, token=wrong).fetch_window(*DAY1)
    message = str(caught.value)
    assert message == (
        "epgu window 2024-03-01T00:00+08:00..2024-03-02T00:00+08:00: HTTP 401: invalid token; "
        "check EGOV_EPGU_TOKEN"
    )
    assert sleeps == []  # not retried: asking again with the same token cannot help
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert 'HTTP/1.1" 401' in logged  # the server did log the request (at DEBUG)...
    for secret in (wrong, TOKEN, "Bearer"):
        assert secret not in message and secret not in logged  # ...but never a credential


def test_a_missing_token_is_refused_by_the_server(servers: SimulatorServers) -> None:
    response = requests.get(
        f"{servers.epgu_url}/api/v1/applications",
        params={
            "updated_from": "2024-03-01T00:00:00+08:00",
            "updated_to": "2024-03-02T00:00+08:00",
        },
        timeout=5,
    )
    assert response.status_code == 401
    assert response.json() == {"error": "missing bearer token"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_scripted_rate_limit_is_retried_after_the_servers_retry_after(
    servers: SimulatorServers, store: EpguStore, sleeps: list[float]
) -> None:
    servers.set_faults("epgu", script=[200, 429, 429], retry_after_sec=3)
    pages = client(servers, sleeps, page_limit=30).fetch_window(*DAY1)
    assert len(pages) > 1  # the 429s hit a follow-up page, mid-window
    assert page_keys(pages) == expected_keys(store, *DAY1)
    assert sleeps == [3.0, 3.0]  # the jittered backoff (~ms) is raised to Retry-After


def test_a_503_burst_beyond_the_budget_names_the_source_and_the_window(
    servers: SimulatorServers, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    servers.set_faults("epgu", script=[503] * 10)
    caplog.set_level(logging.WARNING, logger="egov.sources")
    with pytest.raises(SourceUnavailableError) as caught:
        client(servers, sleeps, max_attempts=4).fetch_window(*DAY1)
    assert str(caught.value) == (
        "epgu window 2024-03-01T00:00+08:00..2024-03-02T00:00+08:00: "
        "gave up after 4 attempts: HTTP 503: Service Unavailable (scripted)"
    )
    assert len(sleeps) == 3
    assert servers.faults("epgu").script == [503] * 6  # exactly four requests were made
    retries = [r.getMessage() for r in caplog.records if r.name == "egov.sources"]
    assert len(retries) == 3 and "attempt 1 of 4" in retries[0]
    assert all(TOKEN not in text for text in retries)


def test_random_faults_within_the_budget_still_give_a_complete_window(
    servers: SimulatorServers, store: EpguStore, sleeps: list[float]
) -> None:
    servers.set_faults("epgu", error_rate=0.3, rate_limit_rate=0.2, retry_after_sec=0, seed=7)
    pages = client(servers, sleeps, page_limit=10, max_attempts=12).fetch_window(*DAY1)
    assert page_keys(pages) == expected_keys(store, *DAY1)
    assert sleeps  # the seed does produce faults: the retries are real


def test_an_expired_cursor_restarts_the_window_and_the_result_is_complete(
    servers: SimulatorServers, store: EpguStore, sleeps: list[float]
) -> None:
    servers.set_faults("epgu", cursor_ttl_sec=0)  # every cursor is stale on arrival
    expirations: list[str] = []

    def on_response(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        # The first pass took too long: from then on the client is fast enough.
        if response.status_code == 410:
            expirations.append(response.json()["error"])
            servers.set_faults("epgu", cursor_ttl_sec=600)

    session = requests.Session()
    session.hooks["response"].append(on_response)
    pages = client(servers, sleeps, page_limit=20, session=session).fetch_window(*DAY1)
    assert expirations == ["cursor expired: restart the window"]
    assert page_keys(pages) == expected_keys(store, *DAY1)
    assert [p.page_no for p in pages] == list(range(1, len(pages) + 1))
    assert sleeps == []  # a restart is not a retry of a transient failure


def test_a_cursor_that_always_expires_gives_up_after_the_restart_budget(
    servers: SimulatorServers, sleeps: list[float]
) -> None:
    servers.set_faults("epgu", cursor_ttl_sec=0)
    with pytest.raises(SourceUnavailableError) as caught:
        client(servers, sleeps, page_limit=20, max_restarts=2).fetch_window(*DAY1)
    message = str(caught.value)
    assert message.startswith("epgu window 2024-03-01T00:00+08:00..2024-03-02T00:00+08:00: ")
    assert "gave up after 3 attempts" in message and "cursor expired (HTTP 410)" in message


def test_a_window_that_fits_one_page_needs_no_cursor(
    servers: SimulatorServers, store: EpguStore, sleeps: list[float]
) -> None:
    servers.set_faults("epgu", cursor_ttl_sec=0)
    pages = client(servers, sleeps).fetch_window(*DAY1)
    assert len(pages) == 1 and page_keys(pages) == expected_keys(store, *DAY1)


def test_a_slow_answer_beyond_the_read_timeout_is_retried(
    servers: SimulatorServers, store: EpguStore, sleeps: list[float]
) -> None:
    servers.set_faults("epgu", script=["slow"], slow_sec=5.0)
    started = time.monotonic()
    pages = client(servers, sleeps, timeout=0.5).fetch_window(*DAY1)
    assert time.monotonic() - started < 3.0  # the client did not wait for the slow answer
    assert page_keys(pages) == expected_keys(store, *DAY1)
    assert len(sleeps) == 1


def test_a_server_that_is_down_is_reported_after_the_budget(sleeps: list[float]) -> None:
    with SimulatorServers(build_store(), None, token=TOKEN) as stopped:
        url = stopped.epgu_url
    policy = RetryPolicy(max_attempts=3, base_delay=0.001, sleep=sleeps.append)
    epgu = EpguClient(url, SecretStr(TOKEN), timeout=2.0, policy=policy)
    with pytest.raises(SourceUnavailableError) as caught:
        epgu.fetch_window(*DAY1)
    assert "gave up after 3 attempts: ConnectionError" in str(caught.value)
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"updated_to": "2024-03-02T00:00:00+08:00"}, "updated_from is required"),
        (
            {"updated_from": "2024-03-01T00:00:00", "updated_to": "2024-03-02T00:00:00+08:00"},
            "has no UTC offset",
        ),
        ({"updated_from": "yesterday", "updated_to": "2024-03-02T00:00+08:00"}, "not an ISO"),
        (
            {"updated_from": "2024-03-02T00:00+08:00", "updated_to": "2024-03-02T00:00+08:00"},
            "updated_from must be before updated_to",
        ),
        (
            {
                "updated_from": "2024-03-01T00:00+08:00",
                "updated_to": "2024-03-02T00:00+08:00",
                "limit": "0",
            },
            "limit must be a whole number within 1..5000",
        ),
        (
            {
                "updated_from": "2024-03-01T00:00+08:00",
                "updated_to": "2024-03-02T00:00+08:00",
                "limit": "5001",
            },
            "limit must be a whole number within 1..5000",
        ),
        (
            {
                "updated_from": "2024-03-01T00:00+08:00",
                "updated_to": "2024-03-02T00:00+08:00",
                "cursor": "xyz",
            },
            "invalid cursor",
        ),
    ],
)
def test_bad_parameters_are_a_400_with_a_json_error(
    servers: SimulatorServers, params: dict[str, str], error: str
) -> None:
    response = requests.get(
        f"{servers.epgu_url}/api/v1/applications",
        params=params,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    assert response.status_code == 400
    assert error in response.json()["error"]


def test_an_unencoded_plus_in_the_query_gets_a_hint(servers: SimulatorServers) -> None:
    query = "updated_from=2024-03-01T00:00:00+08:00&updated_to=2024-03-02T00:00:00%2B08:00"
    response = requests.get(
        f"{servers.epgu_url}/api/v1/applications?{query}",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    assert response.status_code == 400 and "%2B" in response.json()["error"]


def test_a_cursor_is_bound_to_its_window(servers: SimulatorServers) -> None:
    url = f"{servers.epgu_url}/api/v1/applications"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    first = {"updated_from": "2024-03-01T00:00+08:00", "updated_to": "2024-03-02T00:00+08:00"}
    cursor = requests.get(url, params={**first, "limit": "5"}, headers=auth, timeout=5).json()[
        "next_cursor"
    ]
    other = {**first, "updated_to": "2024-03-03T00:00+08:00", "cursor": cursor}
    response = requests.get(url, params=other, headers=auth, timeout=5)
    assert response.status_code == 400 and "another" in response.json()["error"]


def test_client_errors_other_than_auth_and_410_are_not_retried(
    store: EpguStore, sleeps: list[float]
) -> None:
    with SimulatorServers(store, None, clock=SimClock(NOW), token=TOKEN) as running:
        epgu = EpguClient(
            running.epgu_url + "/wrong-prefix",
            SecretStr(TOKEN),
            policy=RetryPolicy(sleep=sleeps.append),
        )
        with pytest.raises(SourceRejectedError) as caught:
            epgu.fetch_window(*DAY1)
    assert "HTTP 404: no such endpoint: /wrong-prefix/api/v1/applications" in str(caught.value)
    assert sleeps == []


def test_the_fast_page_serialiser_writes_exactly_the_stores_items(
    servers: SimulatorServers, store: EpguStore, sleeps: list[float]
) -> None:
    pages = client(servers, sleeps).fetch_window(local(2024, 2, 1), local(2024, 3, 6))
    items = json.loads(pages[0].content)["items"]
    expected = [store.item(i) for i in range(len(store)) if store.updated_at[i] <= to_unix(NOW)]
    assert items == expected


def test_faults_and_clock_can_be_read_and_changed_over_http(servers: SimulatorServers) -> None:
    base = servers.epgu_url
    assert requests.get(f"{base}/_sim/faults", timeout=5).json() == FaultPlan().to_json()
    changed = requests.post(f"{base}/_sim/faults", json={"error_rate": 0.5}, timeout=5).json()
    assert changed["error_rate"] == 0.5 and servers.faults("epgu").error_rate == 0.5
    refused = requests.post(f"{base}/_sim/faults", json={"explode": True}, timeout=5)
    assert refused.status_code == 400 and "explode" in refused.json()["error"]
    bad = requests.post(f"{base}/_sim/faults", json={"error_rate": 2}, timeout=5)
    assert bad.status_code == 400 and servers.faults("epgu").error_rate == 0.5
    clock = requests.get(f"{base}/_sim/clock", timeout=5).json()
    assert clock == {"now": NOW.isoformat(), "fixed": True}
    moved = requests.post(
        f"{base}/_sim/clock", json={"as_of": "2024-04-01T00:00:00+08:00"}, timeout=5
    )
    assert moved.json()["now"] == "2024-04-01T00:00:00+08:00"
    assert servers.clock.now() == local(2024, 4, 1)


def test_fault_plans_are_validated() -> None:
    with pytest.raises(ValueError, match="error_codes"):
        FaultPlan(error_codes=(404,))
    with pytest.raises(ValueError, match="nightly_maintenance"):
        FaultPlan(nightly_maintenance="3am")
    with pytest.raises(ValueError, match="script step"):
        FaultPlan(script=[302])
    plan = FaultPlan.from_json({"script": [503, "slow", 200], "nightly_maintenance": "23:50-00:10"})
    assert plan.script == [503, "slow", 200]


# --- protocol checks of the client, over a canned transport --------------------------------


class CannedAdapter(requests.adapters.BaseAdapter):
    """Answers each request with the next canned JSON body (a server that misbehaves)."""

    def __init__(self, bodies: list[dict[str, Any] | bytes]):
        super().__init__()
        self.bodies = bodies
        self.urls: list[str] = []

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        self.urls.append(str(request.url))
        body = self.bodies.pop(0)
        response = requests.Response()
        response.status_code = 200
        response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
        response.request = request
        response.url = str(request.url)
        return response

    def close(self) -> None:
        pass


def canned_client(bodies: list[dict[str, Any] | bytes]) -> tuple[EpguClient, CannedAdapter]:
    adapter = CannedAdapter(bodies)
    session = requests.Session()
    session.mount("http://canned/", adapter)
    policy = RetryPolicy(max_attempts=1)
    epgu = EpguClient(
        "http://canned/", SecretStr(TOKEN), policy=policy, max_restarts=1, session=session
    )
    return epgu, adapter


ITEM = {"application_id": "EPGU-2024-000000001"}


def test_pages_that_do_not_add_up_to_the_total_restart_the_window() -> None:
    short = {"items": [ITEM, ITEM], "next_cursor": None, "total": 3}
    complete = {"items": [ITEM, ITEM, ITEM], "next_cursor": None, "total": 3}
    epgu, adapter = canned_client([short, complete])
    pages = epgu.fetch_window(*DAY1)
    assert len(pages) == 1 and json.loads(pages[0].content) == complete
    assert len(adapter.urls) == 2


def test_a_window_that_never_adds_up_is_an_error_naming_the_counts() -> None:
    short = {"items": [ITEM], "next_cursor": None, "total": 2}
    epgu, _ = canned_client([short, short])
    with pytest.raises(SourceUnavailableError) as caught:
        epgu.fetch_window(*DAY1)
    assert "the pages hold 1 items but the API reports a total of 2" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>Bad gateway</html>", "not valid JSON (Expecting value: line 1 column 1 (char 0))"),
        ({"items": [], "next_cursor": "abc", "total": 0}, "a page without items has a next_cursor"),
        (
            {"items": [ITEM], "next_cursor": 5, "total": 1},
            "'next_cursor' is neither a string nor null",
        ),
        ({"items": [ITEM], "total": 1}, "the page has no 'next_cursor'"),
    ],
)
def test_a_page_the_client_cannot_follow_is_a_delivery_error_naming_the_page(
    body: dict[str, Any] | bytes, reason: str
) -> None:
    epgu, _ = canned_client([body])
    with pytest.raises(DeliveryError) as caught:
        epgu.fetch_window(*DAY1)
    assert str(caught.value) == (
        f"epgu window 2024-03-01T00:00+08:00..2024-03-02T00:00+08:00 page 1: {reason}"
    )


def test_the_token_goes_in_the_authorization_header_only() -> None:
    epgu, adapter = canned_client([{"items": [], "next_cursor": None, "total": 0}])
    pages = epgu.fetch_window(*DAY1)
    assert TOKEN not in adapter.urls[0] and TOKEN not in pages[0].request_path
    assert adapter.urls[0] == "http://canned" + pages[0].request_path
