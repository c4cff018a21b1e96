"""How a simulated server misbehaves: rate limits, 5xx, slow answers, maintenance, scripted answers.

A `FaultPlan` makes a server misbehave the way the real systems do; faults can be changed at
runtime through the loopback-only admin endpoint `/_sim/faults`.

`script` is consumed one step per (non-admin) request and, while not empty, replaces the random
faults and maintenance: an int forces that HTTP status (200 = answer normally), "slow" waits
`slow_sec` and then answers normally. Random faults draw from `random.Random(seed)`.
`nightly_maintenance` ("03:00-03:30", local time of the server clock, may wrap midnight)
answers 503 with a Retry-After to the end of the window.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import random
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import Any

from egov.sources.contract import IRKUTSK

ScriptStep = int | str
"""A forced answer: an HTTP status (200 = answer normally) or "slow" (wait, then answer)."""

_ERROR_STATUSES = frozenset({400, 401, 403, 404, 408, 410, 429, 500, 502, 503, 504})
_MAINTENANCE = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})")


def _maintenance_window(text: str | None) -> tuple[clock_time, clock_time] | None:
    """The (start, end) local times of '03:00-03:30', None for no window; ValueError if bad."""
    if text is None:
        return None
    match = _MAINTENANCE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"nightly_maintenance must look like '03:00-03:30', got {text!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError(f"nightly_maintenance has an impossible time: {text!r}")
    return clock_time(h1, m1), clock_time(h2, m2)


def _check_rate(name: str, value: float) -> None:
    """ValueError unless a probability knob is within 0..1."""
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be within 0..1, got {value}")


@dataclass
class FaultPlan:
    """How a server misbehaves; every knob off by default except the 10-minute cursor lifetime."""

    rate_limit_rate: float = 0.0
    retry_after_sec: int = 1
    error_rate: float = 0.0
    error_codes: tuple[int, ...] = (500, 502, 503)
    slow_rate: float = 0.0
    slow_sec: float = 5.0
    cursor_ttl_sec: float = 600.0
    nightly_maintenance: str | None = None
    script: list[ScriptStep] = field(default_factory=list)
    seed: int = 0

    def __post_init__(self) -> None:
        _check_rate("rate_limit_rate", self.rate_limit_rate)
        _check_rate("error_rate", self.error_rate)
        _check_rate("slow_rate", self.slow_rate)
        if self.retry_after_sec < 0 or self.slow_sec < 0 or self.cursor_ttl_sec < 0:
            raise ValueError("retry_after_sec, slow_sec and cursor_ttl_sec must not be negative")
        self.error_codes = tuple(self.error_codes)
        if not self.error_codes or any(c not in (500, 502, 503, 504) for c in self.error_codes):
            raise ValueError(f"error_codes must be among 500, 502, 503, 504: {self.error_codes}")
        _maintenance_window(self.nightly_maintenance)
        self.script = list(self.script)
        for step in self.script:
            if step != "slow" and not (
                isinstance(step, int) and (step == 200 or step in _ERROR_STATUSES)
            ):
                raise ValueError(
                    f"script step {step!r} is neither 'slow', 200 nor one of "
                    f"{', '.join(str(s) for s in sorted(_ERROR_STATUSES))}"
                )

    def to_json(self) -> dict[str, Any]:
        """The plan as a JSON-ready mapping (what GET /_sim/faults returns)."""
        data = dataclasses.asdict(self)
        data["error_codes"] = list(self.error_codes)
        return data

    def updated(self, changes: Mapping[str, Any]) -> FaultPlan:
        """A copy with `changes` (JSON values) applied; ValueError on an unknown or bad knob."""
        known = {f.name: f for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise ValueError(f"unknown fault knob(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, value in changes.items():
            if name in ("error_codes", "script"):
                if not isinstance(value, list | tuple):
                    raise ValueError(f"{name} must be a list")
                value = tuple(value) if name == "error_codes" else list(value)
            elif name == "nightly_maintenance":
                if value is not None and not isinstance(value, str):
                    raise ValueError("nightly_maintenance must be a string like '03:00-03:30'")
            elif name in ("retry_after_sec", "seed"):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(f"{name} must be a whole number")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number")
            values[name] = value
        return dataclasses.replace(copy.deepcopy(self), **values)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultPlan:
        """A plan from a JSON mapping of knobs (unset knobs keep their defaults)."""
        return cls().updated(data)


@dataclass(frozen=True)
class Decision:
    """What the handler does with one request: wait `delay`, then answer `status` or normally."""

    status: int | None = None
    delay: float = 0.0
    retry_after: int | None = None
    reason: str = ""


class FaultState:
    """A server's live fault plan with its random generator, safe across handler threads."""

    def __init__(self, plan: FaultPlan):
        self._lock = threading.Lock()
        self._plan = copy.deepcopy(plan)
        self._rng = random.Random(plan.seed)  # noqa: S311 - fault draws, not security

    @property
    def plan(self) -> FaultPlan:
        """A copy of the live plan."""
        with self._lock:
            return copy.deepcopy(self._plan)

    def replace(self, plan: FaultPlan) -> None:
        """Swap in a new plan; a new seed restarts the random faults."""
        with self._lock:
            if plan.seed != self._plan.seed:
                self._rng = random.Random(plan.seed)  # noqa: S311 - fault draws, not security
            self._plan = copy.deepcopy(plan)

    def update(self, changes: Mapping[str, Any]) -> FaultPlan:
        """Change some knobs (JSON values) and return a copy of the resulting plan."""
        with self._lock:
            plan = self._plan.updated(changes)
            if "seed" in changes:
                self._rng = random.Random(plan.seed)  # noqa: S311 - fault draws, not security
            self._plan = plan
            return copy.deepcopy(plan)

    def decide(self, now: datetime) -> Decision:
        """What to do with the next request, consuming a script step or drawing random faults."""
        with self._lock:
            plan = self._plan
            if plan.script:
                step = plan.script.pop(0)
                if step == "slow":
                    return Decision(delay=plan.slow_sec, reason="scripted slow answer")
                assert isinstance(step, int)
                if step == 200:
                    return Decision()
                retry_after = plan.retry_after_sec if step == 429 else None
                return Decision(step, retry_after=retry_after, reason="scripted")
            window = _maintenance_window(plan.nightly_maintenance)
            if window is not None:
                remaining = _seconds_left_in(window, now.astimezone(IRKUTSK))
                if remaining is not None:
                    return Decision(503, retry_after=remaining, reason="nightly maintenance")
            delay = 0.0
            if plan.slow_rate and self._rng.random() < plan.slow_rate:
                delay = plan.slow_sec
            if plan.rate_limit_rate and self._rng.random() < plan.rate_limit_rate:
                return Decision(429, delay, plan.retry_after_sec, "rate limit")
            if plan.error_rate and self._rng.random() < plan.error_rate:
                return Decision(self._rng.choice(plan.error_codes), delay, reason="random error")
            return Decision(delay=delay)


def _seconds_left_in(window: tuple[clock_time, clock_time], local: datetime) -> int | None:
    """Whole seconds until the maintenance window ends, or None when `local` is outside it."""
    begin, end = window
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    for base in (day - timedelta(days=1), day):
        start = base.replace(hour=begin.hour, minute=begin.minute)
        stop = base.replace(hour=end.hour, minute=end.minute)
        if stop <= start:
            stop += timedelta(days=1)  # the window wraps midnight
        if start <= local < stop:
            return max(1, math.ceil((stop - local).total_seconds()))
    return None
