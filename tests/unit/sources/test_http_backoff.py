"""The retry delay (exponential growth, cap, jitter, Retry-After) and scrubbing secrets."""

from __future__ import annotations

import base64
import itertools
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests

from egov.sources.http import (
    RetryPolicy,
    _error_detail,
    _with_sent_credentials,
    backoff_delay,
    parse_retry_after,
    redact,
)


def delays(attempt: int, *, jitter: str, base: float = 1.0, cap: float = 60.0) -> list[float]:
    rng = random.Random(42)
    return [
        backoff_delay(attempt, base=base, cap=cap, retry_after=None, rng=rng, jitter=jitter)  # type: ignore[arg-type]
        for _ in range(500)
    ]


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5])
def test_full_jitter_stays_within_zero_and_the_exponential_ceiling(attempt: int) -> None:
    ceiling = 2.0 ** (attempt - 1)
    values = delays(attempt, jitter="full")
    assert all(0.0 <= v <= ceiling for v in values)
    # Spread over the whole range, not a constant: the lower and upper quarters are both hit.
    assert min(values) < ceiling / 4 and max(values) > ceiling * 3 / 4


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5])
def test_equal_jitter_keeps_at_least_half_of_the_ceiling(attempt: int) -> None:
    ceiling = 2.0 ** (attempt - 1)
    values = delays(attempt, jitter="equal")
    assert all(ceiling / 2 <= v <= ceiling for v in values)


def test_delays_grow_exponentially_with_the_attempt_number() -> None:
    means = [sum(delays(a, jitter="equal")) / 500 for a in (1, 2, 3, 4)]
    for earlier, later in itertools.pairwise(means):
        assert later == pytest.approx(2 * earlier, rel=0.1)


def test_the_cap_bounds_every_delay_even_for_huge_attempt_numbers() -> None:
    for attempt in (7, 20, 1000):
        values = delays(attempt, jitter="equal", cap=60.0)
        assert all(30.0 <= v <= 60.0 for v in values)


def test_retry_after_is_a_floor_for_the_delay() -> None:
    rng = random.Random(1)
    for _ in range(200):
        delay = backoff_delay(1, base=0.5, cap=60.0, retry_after=7.0, rng=rng)
        assert delay == 7.0


def test_a_longer_jittered_delay_wins_over_a_short_retry_after() -> None:
    rng = random.Random(3)
    values = [
        backoff_delay(6, base=1.0, cap=60.0, retry_after=1.0, rng=rng, jitter="equal")
        for _ in range(200)
    ]
    assert all(16.0 <= v <= 32.0 for v in values)


def test_retry_after_beyond_the_cap_is_clipped_to_the_cap() -> None:
    delay = backoff_delay(1, base=1.0, cap=60.0, retry_after=3600.0, rng=random.Random(0))
    assert delay == 60.0


def test_the_same_seed_gives_the_same_delays() -> None:
    first = [backoff_delay(3, base=1, cap=60, retry_after=None, rng=random.Random(9))]
    second = [backoff_delay(3, base=1, cap=60, retry_after=None, rng=random.Random(9))]
    assert first == second


@pytest.mark.parametrize("attempt", [0, -1])
def test_attempts_are_counted_from_one(attempt: int) -> None:
    with pytest.raises(ValueError, match="attempt must be 1 or more"):
        backoff_delay(attempt, base=1, cap=60, retry_after=None, rng=random.Random(0))


def test_the_policy_uses_its_own_base_cap_and_rng() -> None:
    policy = RetryPolicy(base_delay=2.0, max_delay=5.0, jitter="equal", rng=random.Random(0))
    assert 1.0 <= policy.delay(1, None) <= 2.0
    assert 2.5 <= policy.delay(10, None) <= 5.0
    assert policy.delay(1, 4.0) == 4.0


def test_a_policy_needs_at_least_one_attempt() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


def test_retry_after_in_seconds_and_as_an_http_date() -> None:
    now = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(" 120 ") == 120.0
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now=now) == 30.0
    earlier = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(earlier, now=now) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5"])
def test_an_absent_or_unreadable_retry_after_is_none(value: str | None) -> None:
    assert parse_retry_after(value) is None


def test_redact_replaces_every_secret_and_ignores_empty_ones() -> None:
    assert redact("token abc and abc again", ["abc", ""]) == "token *** and *** again"


def _error_response(status: int, body: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    return response


def test_a_secret_across_the_length_cut_of_an_error_is_still_scrubbed() -> None:
    secret = "s3cr3t-" + "x" * 25
    body = "e" * 190 + secret  # the cut at 200 characters falls inside the secret
    detail = _error_detail(_error_response(503, body), [secret])
    assert "s3cr3t" not in detail and "***" in detail


def test_the_basic_auth_header_as_sent_counts_as_a_secret() -> None:
    user, password = "operator", "pa:ss w0rd"
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
    secrets = _with_sent_credentials([password], None, (user, password))
    echoed = f"rejected Authorization: Basic {encoded}"
    assert encoded in secrets
    assert encoded not in redact(echoed, secrets)


def test_a_bearer_token_as_sent_counts_as_a_secret() -> None:
    secrets = _with_sent_credentials([], {"Authorization": "Bearer tok-123"}, None)
    assert secrets == ["Bearer tok-123", "tok-123"]
