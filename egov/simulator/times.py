"""Unix seconds of the world's records, and their Irkutsk local time."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import numpy.typing as npt

from egov.calendar import local_midnight
from egov.sources.contract import IRKUTSK

LOCAL_OFFSET_SEC = 8 * 3600
LOCAL_SUFFIX = "+08:00"


def to_unix(moment: datetime) -> int:
    """Unix seconds of an aware datetime."""
    return int(moment.timestamp())


def from_unix(seconds: int) -> datetime:
    """Aware datetime in Irkutsk local time."""
    return datetime.fromtimestamp(int(seconds), tz=UTC).astimezone(IRKUTSK)


def unix_midnight(day: date) -> int:
    """Unix seconds of 00:00 Asia/Irkutsk on `day`."""
    return to_unix(local_midnight(day))


def local_strings(seconds: npt.NDArray[np.int64]) -> list[str]:
    """Unix seconds as '2024-03-05T10:22:31+08:00' strings (vectorised)."""
    # Irkutsk has no DST, so a fixed offset is exact and keeps this a numpy operation.
    local = (seconds + LOCAL_OFFSET_SEC).astype("datetime64[s]")
    return [s + LOCAL_SUFFIX for s in np.datetime_as_string(local, unit="s").tolist()]
