"""The simulated ЕКЦ platform's daily call export (sources.md §4) over an EkcStore."""

from __future__ import annotations

import base64
import binascii
import hmac
import math
import re
from datetime import date
from typing import Any

import numpy as np

from egov.simulator.clock import SimClock
from egov.simulator.ekc.store import EkcStore
from egov.simulator.times import local_strings, unix_midnight
from egov.simulator.transport import App, Response, ServerName, SimulatorError, text_response
from egov.sources.contract import EKC_FIRST_DAY, EKC_OUTCOMES, EKC_TOPICS, IRKUTSK

EXPORT_PATH = "/export/calls"
EKC_HEADER = "call_id,started_at,line,ivr_topic,caller_oktmo,answered,wait_sec,talk_sec,outcome"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class EkcApp(App):
    """The ЕКЦ platform's daily call export over an EkcStore."""

    name: ServerName = "ekc"

    def __init__(self, store: EkcStore, user: str, password: str, clock: SimClock):
        if store.call_uuid.dtype.itemsize != 16:
            raise SimulatorError(f"ekc call_uuid must hold 16 bytes, not {store.call_uuid.dtype}")
        self.store = store
        self._user = user.encode()
        self._password = password.encode()
        self.clock = clock
        self._started = np.asarray(store.started_at, dtype=np.int64)
        self._topics = np.array(EKC_TOPICS, dtype=object)
        self._outcomes = np.array(EKC_OUTCOMES, dtype=object)
        # Index -1 (no municipality named) maps to the last entry: an empty cell.
        self._oktmos = np.array([*store.oktmos, ""], dtype=object)

    def error(self, status: int, message: str, *headers: tuple[str, str]) -> Response:
        """A plain-text error body."""
        return text_response(status, message + "\n", *headers)

    def _authorised(self, header: str | None) -> bool:
        """Whether a Basic Authorization header carries the platform's user and password."""
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:], validate=True).partition(b":")
        except (binascii.Error, ValueError):
            return False
        # Both comparisons always run: the answer's timing says nothing about which one failed.
        user_ok = hmac.compare_digest(user, self._user)
        password_ok = hmac.compare_digest(password, self._password)
        return user_ok and password_ok

    def handle(self, path: str, query: dict[str, list[str]], headers: Any) -> Response:
        """Serve GET /export/calls?date=YYYY-MM-DD."""
        if path != EXPORT_PATH:
            return self.error(404, f"no such endpoint: {path}")
        if not self._authorised(headers.get("Authorization")):
            return self.error(
                401,
                "authentication required",
                ("WWW-Authenticate", 'Basic realm="ekc", charset="UTF-8"'),
            )
        values = query.get("date")
        text = values[0] if values else ""
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            day = date.fromisoformat(text)
        except ValueError:
            return self.error(400, f"date must be YYYY-MM-DD, got {text!r}")
        today = self.clock.now().astimezone(IRKUTSK).date()
        if day < EKC_FIRST_DAY or day > today:
            return self.error(404, f"no export for {day.isoformat()}")
        return Response(200, self.export(day).encode("utf-8"), "text/csv; charset=utf-8")

    def export(self, day: date) -> str:
        """The CSV of calls started on local `day` and recorded by the clock."""
        s = self.store
        begin = unix_midnight(day)
        lo = int(np.searchsorted(self._started, begin, side="left"))
        hi = int(np.searchsorted(self._started, begin + 86400, side="left"))
        rows = np.arange(lo, hi)
        rows = rows[s.recorded_at[lo:hi] <= math.floor(self.clock.now().timestamp())]
        hexes = s.call_uuid[rows].tobytes().hex()
        ids = [
            f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
            for h in (hexes[32 * i : 32 * i + 32] for i in range(len(rows)))
        ]
        lines = [EKC_HEADER]
        lines.extend(
            f"{call_id},{started},{line},{topic},{oktmo},{answered},{wait},{talk},{outcome}"
            for call_id, started, line, topic, oktmo, answered, wait, talk, outcome in zip(
                ids,
                local_strings(np.asarray(s.started_at[rows], dtype=np.int64)),
                s.line[rows].tolist(),
                self._topics[s.topic[rows]].tolist(),
                self._oktmos[s.oktmo_idx[rows]].tolist(),
                np.where(s.answered[rows], "true", "false").tolist(),
                s.wait_sec[rows].tolist(),
                s.talk_sec[rows].tolist(),
                self._outcomes[s.outcome[rows]].tolist(),
                strict=True,
            )
        )
        return "\n".join(lines) + "\n"
