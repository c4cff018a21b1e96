"""When applications arrive: the production calendar and the day and hour profiles of intake."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import numpy as np

from egov.simulator.arrays import FloatArray
from egov.simulator.calibration import Calibration
from egov.simulator.months import month_bounds

Channel = Literal["epgu", "mfc"]

WEEKDAY_EPGU = (1.10, 1.06, 1.02, 1.0, 0.96, 0.62, 0.56)
WEEKDAY_MFC = (1.0, 1.0, 1.0, 1.0, 1.0, 0.45, 0.04)
HOLIDAY_EPGU = 0.5
HOLIDAY_MFC = 0.02

HOUR_EPGU = (
    0.6, 0.3, 0.2, 0.15, 0.15, 0.3, 0.9, 2.0, 3.8, 5.6, 6.8, 7.0,
    6.6, 6.5, 6.6, 6.3, 6.0, 5.6, 5.4, 5.6, 5.8, 5.0, 3.4, 1.7,
)  # fmt: skip
HOUR_MFC = (
    0, 0, 0, 0, 0, 0, 0, 0, 6.0, 9.0, 10.0, 10.0,
    8.5, 9.0, 9.5, 9.0, 8.5, 7.5, 5.5, 3.5, 0, 0, 0, 0,
)  # fmt: skip

# Official non-working days (Russian production calendar); other years use the fixed holidays.
_NEW_YEAR = tuple((1, d) for d in range(1, 9))
_HOLIDAYS: dict[int, frozenset[tuple[int, int]]] = {
    2023: frozenset(
        (*_NEW_YEAR, (2, 23), (2, 24), (3, 8), (5, 1), (5, 8), (5, 9), (6, 12), (11, 6))
    ),
    2024: frozenset(
        (*_NEW_YEAR, (2, 23), (3, 8), (4, 29), (4, 30), (5, 1), (5, 9), (5, 10), (6, 12),
         (11, 4), (12, 30), (12, 31))
    ),
}  # fmt: skip
_FIXED_HOLIDAYS = frozenset((*_NEW_YEAR, (2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)))
_WORKING_SATURDAYS = {date(2024, 4, 27), date(2024, 11, 2), date(2024, 12, 28)}


def _is_holiday(day: date) -> bool:
    """Whether a day is an official non-working day."""
    return (day.month, day.day) in _HOLIDAYS.get(day.year, _FIXED_HOLIDAYS)


def calendar_weights(year: int, month: int, channel: Channel) -> FloatArray:
    """(D,) relative activity of each day of a month: weekday pattern and non-working days."""
    first, last = month_bounds(year, month)
    weekday = WEEKDAY_EPGU if channel == "epgu" else WEEKDAY_MFC
    holiday = HOLIDAY_EPGU if channel == "epgu" else HOLIDAY_MFC
    values = []
    for i in range(last.day):
        d = first + timedelta(days=i)
        if d in _WORKING_SATURDAYS:
            values.append(weekday[0])
        else:
            values.append(holiday if _is_holiday(d) else weekday[d.weekday()])
    return np.array(values, dtype=np.float64)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a public holiday, or a working Saturday."""
    return day in _WORKING_SATURDAYS or (day.weekday() < 5 and not _is_holiday(day))


def day_weights(cal: Calibration, year: int, month: int, channel: Channel) -> FloatArray:
    """(S, D) share of a month's applications per service falling on each day (rows sum to 1)."""
    base = calendar_weights(year, month, channel)
    days = base.shape[0]
    weights = np.tile(base, (cal.n_services, 1))
    if month == 4:
        # 1 April: the enrolment queue opens at 00:00 on ЕПГУ and at opening time in the МФЦ,
        # so the first days take a large part of the month even on a weekend
        rush = np.ones(days)
        rush[:7] = (12.0, 5.0, 3.0, 2.0, 1.6, 1.3, 1.1)
        enrol = np.array([p == "enrolment" for p in cal.profile], dtype=np.bool_)
        weights[enrol] = np.maximum(weights[enrol], 0.5) * rush[None, :]
    return np.asarray(weights / weights.sum(axis=1, keepdims=True), dtype=np.float64)


def hour_weights(channel: Channel) -> FloatArray:
    """(24,) share of a day's applications per local hour."""
    w = np.array(HOUR_EPGU if channel == "epgu" else HOUR_MFC, dtype=np.float64)
    return np.asarray(w / w.sum(), dtype=np.float64)
