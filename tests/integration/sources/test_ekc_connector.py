"""The ЕКЦ connector against the simulator over real HTTP on loopback.

A small call store is built in memory; the server runs on an ephemeral port with a fixed clock
that tests move (a day's export grows until it is final; maintenance ends).
"""

from __future__ import annotations

import json
import random
import socket
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
from pydantic import SecretStr

from egov.simulator import (
    EkcStore,
    FaultPlan,
    SimClock,
    SimulatorError,
    SimulatorServers,
    serve_forever,
    to_unix,
)
from egov.sources.contract import IRKUTSK
from egov.sources.ekc import EkcClient, days_to_fetch, parse_ekc_csv
from egov.sources.epgu import EpguClient
from egov.sources.http import RetryPolicy, SourceAuthError, SourceUnavailableError

USER = "ekc-test"
PASSWORD = "pw-test-91b7e0"
NOW = datetime(2024, 3, 5, 12, 0, tzinfo=IRKUTSK)
OKTMOS = ["25701000", "25703000"]
HEADER = b"call_id,started_at,line,ivr_topic,caller_oktmo,answered,wait_sec,talk_sec,outcome\n"


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=IRKUTSK)


def build_store() -> EkcStore:
    """40 calls a day on 2024-03-01..03-05, a fifth recorded late (up to two days after)."""
    rng = np.random.default_rng(117)
    started: list[int] = []
    recorded: list[int] = []
    for day in range(1, 6):
        midnight = to_unix(local(2024, 3, day))
        for _ in range(40):
            moment = midnight + int(rng.integers(0, 86400))
            late = int(rng.integers(3600, 2 * 86400)) if rng.random() < 0.2 else 60
            started.append(moment)
            recorded.append(moment + late)
    # Edges: a call at local midnight, and the last second of 03-04 recorded after the clock.
    started += [to_unix(local(2024, 3, 4)), to_unix(local(2024, 3, 4, 23, 59, 59))]
    recorded += [to_unix(local(2024, 3, 4)) + 30, to_unix(local(2024, 3, 6, 10))]
    order = np.argsort(np.array(started), kind="stable")
    n = len(started)
    answered = rng.random(n) < 0.8
    return EkcStore(
        call_uuid=np.frombuffer(rng.bytes(16 * n), dtype="V16").copy(),
        started_at=np.array(started, dtype=np.int64)[order],
        recorded_at=np.array(recorded, dtype=np.int64)[order],
        line=rng.choice([117, 122], n).astype(np.int16),
        topic=rng.integers(0, 9, n).astype(np.int8),
        oktmo_idx=rng.integers(-1, len(OKTMOS), n).astype(np.int16),
        answered=answered,
        wait_sec=rng.integers(0, 600, n).astype(np.int32),
        talk_sec=np.where(answered, rng.integers(1, 900, n), 0).astype(np.int32),
        outcome=np.where(answered, rng.integers(0, 3, n), 3).astype(np.int8),
        oktmos=OKTMOS,
    )


def uuid_text(raw: Any) -> str:
    h = bytes(raw).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def expected_ids(store: EkcStore, day: date, now: datetime) -> list[str]:
    begin = to_unix(datetime(day.year, day.month, day.day, tzinfo=IRKUTSK))
    return [
        uuid_text(store.call_uuid[i])
        for i in range(len(store))
        if begin <= store.started_at[i] < begin + 86400 and store.recorded_at[i] <= to_unix(now)
    ]


@pytest.fixture
def store() -> EkcStore:
    return build_store()


@pytest.fixture
def servers(store: EkcStore) -> Iterator[SimulatorServers]:
    with SimulatorServers(
        None, store, clock=SimClock(NOW), ekc_user=USER, ekc_password=PASSWORD
    ) as running:
        yield running


@pytest.fixture
def sleeps() -> list[float]:
    return []


def client(
    servers: SimulatorServers,
    sleep: Any,
    *,
    password: str = PASSWORD,
    max_attempts: int = 6,
) -> EkcClient:
    policy = RetryPolicy(
        max_attempts=max_attempts, base_delay=0.001, sleep=sleep, rng=random.Random(0)
    )
    return EkcClient(
        servers.ekc_url, SecretStr(USER), SecretStr(password), timeout=5.0, policy=policy
    )


def test_a_day_is_served_as_csv_of_the_calls_started_that_local_day(
    servers: SimulatorServers, store: EkcStore, sleeps: list[float]
) -> None:
    day = date(2024, 3, 3)
    fetched = client(servers, sleeps.append).fetch_day(day)
    assert fetched.exists and fetched.content is not None
    assert fetched.request_path == "/export/calls?date=2024-03-03"
    assert fetched.content.startswith(HEADER)
    parsed = parse_ekc_csv(fetched.content, fetched.name, day=day)
    assert parsed.rejects == [] and parsed.is_accounted
    assert parsed.records["call_id"].tolist() == expected_ids(store, day, NOW)
    assert 30 <= len(parsed.records) <= 40  # late calls of a final day are all in
    assert parsed.records["caller_oktmo"].isna().any()
    assert set(parsed.records["caller_oktmo"].dropna()) <= set(OKTMOS)
    assert set(parsed.records["line"]) <= {117, 122}
    assert (parsed.records.loc[~parsed.records["answered"], "talk_sec"] == 0).all()
    assert sleeps == []


def test_the_export_is_utf8_csv_over_http(servers: SimulatorServers) -> None:
    response = requests.get(
        f"{servers.ekc_url}/export/calls",
        params={"date": "2024-03-03"},
        auth=(USER, PASSWORD),
        timeout=5,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_days_before_the_first_export_and_after_today_are_404(
    servers: SimulatorServers, sleeps: list[float]
) -> None:
    ekc = client(servers, sleeps.append)
    before = ekc.fetch_day(date(2023, 7, 31))
    assert not before.exists and before.content is None
    assert before.reason == "ekc day 2023-07-31: the platform has no export for this day (404)"
    assert not ekc.fetch_day(date(2024, 3, 6)).exists
    first = ekc.fetch_day(date(2023, 8, 1))
    assert first.content == HEADER  # the first day exists; this world has no calls on it
    assert sleeps == []  # a 404 is an answer, not a failure


def test_today_is_served_up_to_the_clock(
    servers: SimulatorServers, store: EkcStore, sleeps: list[float]
) -> None:
    fetched = client(servers, sleeps.append).fetch_day(date(2024, 3, 5))
    assert fetched.content is not None
    records = parse_ekc_csv(fetched.content, fetched.name).records
    assert 0 < len(records) < 40
    assert (records["started_at"] <= NOW).all()
    assert records["call_id"].tolist() == expected_ids(store, date(2024, 3, 5), NOW)


def test_a_recent_day_grows_between_two_fetches_as_late_calls_are_recorded(
    servers: SimulatorServers, store: EkcStore, sleeps: list[float]
) -> None:
    ekc, day = client(servers, sleeps.append), date(2024, 3, 4)
    early = ekc.fetch_day(day)
    servers.clock.advance(timedelta(days=2))
    final = ekc.fetch_day(day)
    assert early.content is not None and final.content is not None
    before = parse_ekc_csv(early.content, early.name, day=day).records["call_id"].tolist()
    after = parse_ekc_csv(final.content, final.name, day=day).records["call_id"].tolist()
    assert len(after) > len(before)
    assert set(before) < set(after)
    assert after == expected_ids(store, day, NOW + timedelta(days=2))
    last_second = "2024-03-04T23:59:59+08:00"
    assert last_second.encode() not in early.content and last_second.encode() in final.content


def test_nightly_maintenance_answers_503_until_it_ends_and_the_client_waits_it_out(
    servers: SimulatorServers, store: EkcStore
) -> None:
    servers.clock.set(local(2024, 3, 5, 3, 29, 50))
    servers.set_faults("ekc", nightly_maintenance="03:00-03:30")
    direct = requests.get(
        f"{servers.ekc_url}/export/calls",
        params={"date": "2024-03-03"},
        auth=(USER, PASSWORD),
        timeout=5,
    )
    assert direct.status_code == 503 and direct.headers["Retry-After"] == "10"
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        # Time passes on the server's clock, not for real.
        waited.append(seconds)
        servers.clock.advance(timedelta(seconds=seconds))

    fetched = client(servers, sleep).fetch_day(date(2024, 3, 3))
    assert waited == [10.0]
    assert fetched.content is not None
    assert parse_ekc_csv(fetched.content, fetched.name).records["call_id"].tolist() == (
        expected_ids(store, date(2024, 3, 3), local(2024, 3, 5, 3, 30))
    )


def test_maintenance_windows_may_wrap_midnight(servers: SimulatorServers) -> None:
    servers.set_faults("ekc", nightly_maintenance="23:50-00:10")
    url, params = f"{servers.ekc_url}/export/calls", {"date": "2024-03-03"}
    for moment, status in [
        (local(2024, 3, 4, 23, 49, 59), 200),
        (local(2024, 3, 4, 23, 55), 503),
        (local(2024, 3, 5, 0, 5), 503),
        (local(2024, 3, 5, 0, 10), 200),
    ]:
        servers.clock.set(moment)
        assert (
            requests.get(url, params=params, auth=(USER, PASSWORD), timeout=5).status_code == status
        )


def test_a_wrong_password_is_a_clear_error_without_the_credentials(
    servers: SimulatorServers, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "not-the-password-5c"
    caplog.set_level("DEBUG")
    with pytest.raises(SourceAuthError) as caught:
        client(servers, sleeps.append, password=wrong).fetch_day(date(2024, 3, 3))
    message = str(caught.value)
    assert message == (
        "ekc day 2024-03-03: HTTP 401: authentication required; "
        "check EGOV_EKC_USER and EGOV_EKC_PASSWORD"
    )
    assert sleeps == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (wrong, PASSWORD, "Basic "):
        assert secret not in message and secret not in logged


def test_missing_credentials_get_a_basic_auth_challenge(servers: SimulatorServers) -> None:
    response = requests.get(
        f"{servers.ekc_url}/export/calls", params={"date": "2024-03-03"}, timeout=5
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic realm=")


@pytest.mark.parametrize("value", ["2024-3-3", "2024-02-30", "03.03.2024", ""])
def test_a_malformed_date_is_a_400(servers: SimulatorServers, value: str) -> None:
    response = requests.get(
        f"{servers.ekc_url}/export/calls", params={"date": value}, auth=(USER, PASSWORD), timeout=5
    )
    assert response.status_code == 400 and "YYYY-MM-DD" in response.text


def test_a_503_burst_beyond_the_budget_names_the_source_and_the_day(
    servers: SimulatorServers, sleeps: list[float]
) -> None:
    servers.set_faults("ekc", script=[503, 502, 503, 200])
    with pytest.raises(SourceUnavailableError) as caught:
        client(servers, sleeps.append, max_attempts=3).fetch_day(date(2024, 3, 3))
    assert str(caught.value) == (
        "ekc day 2024-03-03: gave up after 3 attempts: HTTP 503: Service Unavailable (scripted)"
    )
    assert len(sleeps) == 2
    assert servers.faults("ekc").script == [200]


def test_transient_errors_within_the_budget_are_retried(
    servers: SimulatorServers, store: EkcStore, sleeps: list[float]
) -> None:
    servers.set_faults("ekc", script=[502, 500, 429], retry_after_sec=2)
    fetched = client(servers, sleeps.append).fetch_day(date(2024, 3, 3))
    assert fetched.content is not None and len(sleeps) == 3 and sleeps[-1] == 2.0
    ids = parse_ekc_csv(fetched.content, fetched.name).records["call_id"].tolist()
    assert ids == expected_ids(store, date(2024, 3, 3), NOW)


def test_a_daily_run_fetches_the_planned_days_and_gets_every_recorded_call(
    servers: SimulatorServers, store: EkcStore, sleeps: list[float]
) -> None:
    servers.set_faults("ekc", FaultPlan(error_rate=0.3, seed=3))
    ekc = client(servers, sleeps.append, max_attempts=10)
    today = NOW.date()
    planned = days_to_fetch(date(2024, 3, 2), today)  # the 03-03 run fetched 03-01, 03-02
    assert planned == [date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3), date(2024, 3, 4)]
    for day in planned:
        fetched = ekc.fetch_day(day)
        assert fetched.content is not None
        ids = parse_ekc_csv(fetched.content, fetched.name, day=day).records["call_id"].tolist()
        assert ids == expected_ids(store, day, NOW)
    assert sleeps  # the seeded faults did happen


def test_serve_forever_serves_a_saved_world_until_stopped(tmp_path: Path) -> None:
    from tests.integration.sources.test_epgu_connector import build_store as build_epgu_store

    build_epgu_store().save(tmp_path)
    build_store().save(tmp_path)
    stop, ready = threading.Event(), threading.Event()
    urls: dict[str, str] = {}
    announced: list[str] = []

    def on_ready(servers: SimulatorServers) -> None:
        urls.update(epgu=servers.epgu_url, ekc=servers.ekc_url)
        ready.set()

    thread = threading.Thread(
        target=serve_forever,
        args=(tmp_path,),
        kwargs={
            "epgu_port": 0,
            "ekc_port": 0,
            "as_of": NOW.replace(tzinfo=None),  # naive = Irkutsk local time
            "token": SecretStr("world-token"),
            "ekc_user": USER,
            "ekc_password": SecretStr(PASSWORD),
            "ekc_faults": FaultPlan(retry_after_sec=2),
            "announce": announced.append,
            "ready": on_ready,
            "stop": stop,
        },
    )
    thread.start()
    try:
        assert ready.wait(10)
        policy = RetryPolicy(max_attempts=1)
        ekc = EkcClient(urls["ekc"], SecretStr(USER), SecretStr(PASSWORD), policy=policy)
        fetched = ekc.fetch_day(date(2024, 3, 3))
        assert fetched.content is not None and fetched.content.startswith(HEADER)
        epgu = EpguClient(urls["epgu"], SecretStr("world-token"), policy=policy)
        pages = epgu.fetch_window(local(2024, 3, 1), local(2024, 3, 2))
        assert len(json.loads(pages[0].content)["items"]) > 50
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    text = "\n".join(announced)
    assert f"{urls['epgu']}/api/v1/applications" in text and f"{urls['ekc']}/export/calls" in text
    assert "clock:       fixed at 2024-03-05T12:00:00+08:00" in announced
    assert "ekc faults: retry_after_sec=2" in announced
    assert not any(line.startswith("epgu faults") for line in announced)
    assert "world-token" not in text and PASSWORD not in text
    with pytest.raises(requests.ConnectionError):
        requests.get(urls["ekc"] + "/_sim/faults", timeout=5)


def test_serve_forever_refuses_an_incomplete_world(tmp_path: Path) -> None:
    build_store().save(tmp_path)  # no epgu part
    with pytest.raises(SimulatorError, match="is not a complete simulated world"):
        serve_forever(tmp_path, epgu_port=0, ekc_port=0)


def test_a_taken_port_is_a_clear_error(store: EkcStore) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(
            SimulatorError, match=f"ekc simulator cannot listen on 127.0.0.1:{port}"
        ):
            SimulatorServers(None, store, ekc_port=port).start()
