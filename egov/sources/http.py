"""A small retrying HTTP GET for the source APIs: backoff with jitter, Retry-After, clear errors.

Transient answers (429, 500, 502, 503, 504), connection errors and read timeouts are retried up to
the policy's budget; 401/403, 410 and other client errors are not, because asking again cannot
help. Every message names the source and the window or day, and never a secret: credentials are
passed in headers only, and any text that reaches a message or a log is scrubbed of them.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Literal, Self
from urllib.parse import urlsplit

import requests

from egov.errors import EgovError
from egov.settings import Settings

log = logging.getLogger("egov.sources")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Answers that say "try again later"."""

Jitter = Literal["full", "equal"]


class SourceUnavailableError(EgovError):
    """The source kept failing (transient errors) until the retry budget was spent."""

    def __init__(self, context: str, attempts: int, reason: str):
        self.context = context
        self.attempts = attempts
        self.reason = reason
        super().__init__(f"{context}: gave up after {attempts} attempts: {reason}")


class SourceHttpError(EgovError):
    """The source answered with a client error that a retry cannot fix."""

    def __init__(self, context: str, status: int, detail: str):
        self.context = context
        self.status = status
        self.detail = detail
        message = f"{context}: HTTP {status}"
        super().__init__(f"{message}: {detail}" if detail else message)


class SourceAuthError(SourceHttpError):
    """401/403: the credentials were rejected (the message says which setting to check)."""


class CursorExpiredError(SourceHttpError):
    """410 Gone: a paging cursor expired; the caller restarts what it was paging through."""


class SourceRejectedError(SourceHttpError):
    """Any other 4xx: the request itself is wrong (bad parameters, unknown path)."""


class HttpSourceClient:
    """Base of the HTTP source clients: endpoint, timeout, retry policy, a private session."""

    def __init__(
        self,
        source: str,
        base_url: str,
        endpoint_path: str,
        *,
        timeout: float,
        policy: RetryPolicy | None,
        session: requests.Session | None,
    ):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{source} base URL must be an http(s) URL, got {base_url!r}")
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._path = parts.path.rstrip("/") + endpoint_path
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self._session = session or private_session()

    def close(self) -> None:
        """Release the pooled connections."""
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def private_session() -> requests.Session:
    """A session that ignores proxy variables and ~/.netrc, so credentials go only to the source."""
    session = requests.Session()
    session.trust_env = False
    return session


def backoff_delay(
    attempt: int,
    *,
    base: float,
    cap: float,
    retry_after: float | None,
    rng: random.Random,
    jitter: Jitter = "full",
) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based).

    Exponential growth `base * 2**(attempt-1)` bounded by `cap`, randomised ("full": uniform in
    [0, d]; "equal": uniform in [d/2, d]) so that many clients do not retry in lockstep. A
    server's Retry-After is a floor, and `cap` bounds everything (Retry-After included, as the
    settings document): a longer Retry-After is clipped, which costs at most one more 429.
    """
    if attempt < 1:
        raise ValueError(f"attempt must be 1 or more, not {attempt}")
    if base < 0 or cap < 0:
        raise ValueError("base and cap must not be negative")
    # min() before the power would overflow: 2**1100 is fine for ints but not for floats.
    exponent = min(attempt - 1, 64)
    ceiling = min(cap, base * 2.0**exponent)
    if jitter == "full":
        delay = rng.uniform(0.0, ceiling)
    else:
        delay = ceiling / 2 + rng.uniform(0.0, ceiling / 2)
    if retry_after is not None and retry_after > delay:
        delay = retry_after
    return max(0.0, min(delay, cap))


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date; None when absent or bad."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass
class RetryPolicy:
    """How often and how patiently a request is retried; `sleep`/`rng` are injectable for tests."""

    max_attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0
    jitter: Jitter = "full"
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be 1 or more, not {self.max_attempts}")

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Backoff after failed attempt `attempt` under this policy."""
        return backoff_delay(
            attempt,
            base=self.base_delay,
            cap=self.max_delay,
            retry_after=retry_after,
            rng=self.rng,
            jitter=self.jitter,
        )


def retry_policy(settings: Settings) -> RetryPolicy:
    """The retry policy the settings configure for every HTTP source."""
    return RetryPolicy(
        max_attempts=settings.http_max_attempts,
        base_delay=settings.http_backoff_base_sec,
        max_delay=settings.http_backoff_cap_sec,
    )


def redact(text: str, secrets: Iterable[str]) -> str:
    """The text with every non-empty secret replaced by '***'."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _error_detail(response: requests.Response, secrets: Collection[str]) -> str:
    """A short, secret-free description of an error body (the JSON `error` when there is one)."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("error"), str):
        text = payload["error"]
    else:
        text = response.text
    # Scrub before squeezing whitespace and cutting: either could leave part of a secret that
    # no longer matches it.
    text = " ".join(redact(text, secrets).split())
    if len(text) > 200:
        text = text[:197] + "..."
    return text


def _with_sent_credentials(
    secrets: Collection[str], headers: Mapping[str, str] | None, auth: tuple[str, str] | None
) -> list[str]:
    """The secrets plus the credentials as sent (Authorization values, Basic base64), longest
    first: a server or a proxy may quote the header it rejected."""
    sent = [v for k, v in (headers or {}).items() if k.lower() == "authorization"]
    if auth is not None:
        prepared = requests.Request("GET", "http://localhost/", auth=auth).prepare()
        sent.append(prepared.headers["Authorization"])
    forms = {*secrets, *sent, *(value.partition(" ")[2] for value in sent)}
    return sorted((f for f in forms if f), key=len, reverse=True)


def get_with_retries(
    session: requests.Session,
    url: str,
    *,
    context: str,
    policy: RetryPolicy,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    ok_statuses: Collection[int] = (200,),
    secrets: Collection[str] = (),
    auth_hint: str = "",
) -> requests.Response:
    """GET `url` until it answers one of `ok_statuses`, retrying transient failures.

    `context` names what is being fetched ("epgu window ...", "ekc day ...") in every message;
    `secrets` are scrubbed from any text that could reach a message or a log; `auth_hint` is
    appended to the 401/403 message (e.g. which setting holds the credential).
    """
    secrets = _with_sent_credentials(secrets, headers, auth)
    reason = "no attempt made"
    for attempt in range(1, policy.max_attempts + 1):
        retry_after: float | None = None
        try:
            # No redirects: a redirected request could carry the credentials to another host.
            response = session.get(
                url,
                headers=dict(headers or {}),
                auth=auth,
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            reason = f"timed out after {timeout:g} s ({type(exc).__name__})"
        except requests.RequestException as exc:
            # Connection refused/reset, a body cut short: the next attempt may well succeed.
            reason = f"{type(exc).__name__}: {redact(str(exc), secrets)}"
        else:
            status = response.status_code
            if status in ok_statuses:
                return response
            if status in RETRY_STATUSES:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                # What the server said and asked for: the reason the run finally reports.
                detail = _error_detail(response, secrets)
                reason = f"HTTP {status}" + (f": {detail}" if detail else "")
                if retry_after is not None:
                    reason += f"; Retry-After {retry_after:g} s"
            elif status in (401, 403):
                detail = _error_detail(response, secrets)
                raise SourceAuthError(
                    context, status, "; ".join(p for p in (detail, auth_hint) if p)
                )
            elif status == 410:
                raise CursorExpiredError(context, status, _error_detail(response, secrets))
            else:
                raise SourceRejectedError(context, status, _error_detail(response, secrets))
        if attempt == policy.max_attempts:
            break
        delay = policy.delay(attempt, retry_after)
        log.warning(
            "%s: %s (attempt %d of %d); retrying in %.2f s",
            context,
            reason,
            attempt,
            policy.max_attempts,
            delay,
        )
        policy.sleep(delay)
    raise SourceUnavailableError(context, policy.max_attempts, reason)
