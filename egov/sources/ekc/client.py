"""ЕКЦ contact-centre call exports: which days to ask for and fetching one day.

A day's export keeps growing for two days after the day (late records), so the last two days
before today are fetched again on every run; a day fetched while it could still grow is fetched
again once it cannot. Today itself is not fetched by default: it is certain to be incomplete, and
it will be fetched tomorrow anyway."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

import requests
from pydantic import SecretStr

from egov.calendar import month_end
from egov.sources.contract import EKC_FIRST_DAY
from egov.sources.http import HttpSourceClient, RetryPolicy, get_with_retries

log = logging.getLogger("egov.sources")

SOURCE = "ekc"
EXPORT_PATH = "/export/calls"
EKC_COLUMNS = (
    "call_id",
    "started_at",
    "line",
    "ivr_topic",
    "caller_oktmo",
    "answered",
    "wait_sec",
    "talk_sec",
    "outcome",
)


def days_to_fetch(
    last_fetched_day: date | None,
    today: date,
    *,
    first_day: date = EKC_FIRST_DAY,
    refetch_days: int = 2,
    include_today: bool = False,
) -> list[date]:
    """Days to request, oldest first: every day after the last fetched one, plus re-fetches.

    The `refetch_days` days before `today` may still grow, so they are always requested. The
    `refetch_days` days up to `last_fetched_day` were fetched (by a run on the next day) while
    they could still grow; when runs were skipped they are final now and are requested once
    more. `today` (partial) is only included with `include_today`; later days never are.
    """
    if refetch_days < 0:
        raise ValueError(f"refetch_days must not be negative, got {refetch_days}")
    stop = today if include_today else today - timedelta(days=1)
    start = today - timedelta(days=refetch_days)
    if last_fetched_day is None:
        start = first_day
    else:
        start = min(start, last_fetched_day + timedelta(days=1 - refetch_days))
    start = max(start, first_day)
    return [start + timedelta(days=i) for i in range((stop - start).days + 1)]


def is_final_ekc_export(day: date, fetched_on: date) -> bool:
    """Whether an export of `day` fetched on local date `fetched_on` can no longer grow."""
    return fetched_on >= day + timedelta(days=2)


def ekc_days_to_fetch(
    month: date,
    landed_final: Iterable[date],
    *,
    today: date,
    first_day: date,
) -> list[date]:
    """The month's ЕКЦ days that have no final export landed yet (up to yesterday).

    An export is final two days after its day; a day fetched earlier is fetched again.
    """
    final = set(landed_final)
    last = min(month_end(month), today - timedelta(days=1))
    day = max(month, first_day)
    days: list[date] = []
    while day <= last:
        if day not in final:
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class EkcDay:
    """One day's export as delivered; `content` is None when the platform has none (404)."""

    day: date
    content: bytes | None
    request_path: str
    reason: str | None = None

    @property
    def exists(self) -> bool:
        """Whether the platform had an export for the day."""
        return self.content is not None

    @property
    def name(self) -> str:
        """How messages name this delivery: 'calls 2024-03-05'."""
        return f"calls {self.day.isoformat()}"


class EkcClient(HttpSourceClient):
    """Client of the contact-centre export endpoint (basic auth, retries on 503 and the like)."""

    def __init__(
        self,
        base_url: str,
        user: SecretStr,
        password: SecretStr,
        *,
        timeout: float = 30.0,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
    ):
        super().__init__(
            SOURCE, base_url, EXPORT_PATH, timeout=timeout, policy=policy, session=session
        )
        self._user = user
        self._password = password

    def fetch_day(self, day: date) -> EkcDay:
        """The export of the calls that started on `day` (local); 404 = no export for the day."""
        request_path = f"{self._path}?{urlencode({'date': day.isoformat()})}"
        user = self._user.get_secret_value()
        password = self._password.get_secret_value()
        response = get_with_retries(
            self._session,
            self._origin + request_path,
            context=f"ekc day {day.isoformat()}",
            policy=self.policy,
            timeout=self.timeout,
            auth=(user, password),
            ok_statuses=(200, 404),
            secrets=(user, password),
            auth_hint="check EGOV_EKC_USER and EGOV_EKC_PASSWORD",
        )
        if response.status_code == 404:
            # The platform says "before 2023-08-01 or in the future"; a 404 for a day that should
            # exist means a wrong URL or a gap, which the caller reports instead of landing.
            reason = f"ekc day {day.isoformat()}: the platform has no export for this day (404)"
            log.info("%s", reason)
            return EkcDay(day, None, request_path, reason)
        return EkcDay(day, response.content, request_path)
