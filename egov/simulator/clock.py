"""The simulator servers' "now": real time, or a fixed moment that tests can set and move."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SimClock:
    """The servers' "now": real time, or a fixed moment (`as_of`) that tests can set and move."""

    def __init__(self, as_of: datetime | None = None):
        self._lock = threading.Lock()
        self._as_of: datetime | None = None
        self.set(as_of)

    def now(self) -> datetime:
        """The current simulated moment (aware)."""
        with self._lock:
            return self._as_of if self._as_of is not None else datetime.now(UTC)

    @property
    def fixed(self) -> bool:
        """Whether the clock stands at a fixed moment."""
        with self._lock:
            return self._as_of is not None

    def set(self, as_of: datetime | None) -> None:
        """Stand at `as_of` (aware), or follow real time again with None."""
        if as_of is not None and as_of.utcoffset() is None:
            raise ValueError(f"as_of must be timezone-aware, got {as_of.isoformat()}")
        with self._lock:
            self._as_of = as_of

    def advance(self, delta: timedelta) -> None:
        """Move a fixed clock forward (used as a fake `sleep` in tests)."""
        with self._lock:
            if self._as_of is None:
                raise ValueError("only a fixed clock can be advanced")
            self._as_of = self._as_of + delta
