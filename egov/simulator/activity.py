"""When applications arrive: the production calendar and the day and hour profiles of intake."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from egov.simulator.arrays import FloatArray
from egov.simulator.calibration import Calibration
from egov.simulator.months import month_bounds


@dataclass(frozen=True)
class IntakeProfile:
    """How a channel's intake spreads over a week, public holidays and the hours of a day."""

    weekday: tuple[float, ...]
    """Relative activity Monday to Sunday."""
    holiday: float
    """Relative activity of an official non-working day."""
    hours: tuple[float, ...]
    """Relative activity of each local hour, 0 to 23."""


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


def calendar_weights(year: int, month: int, profile: IntakeProfile) -> FloatArray:
    """(D,) relative activity of each day of a month: weekday pattern and non-working days."""
    first, last = month_bounds(year, month)
    weekday, holiday = profile.weekday, profile.holiday
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


def day_weights(cal: Calibration, year: int, month: int, profile: IntakeProfile) -> FloatArray:
    """(S, D) share of a month's applications per service falling on each day (rows sum to 1)."""
    base = calendar_weights(year, month, profile)
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


def hour_weights(profile: IntakeProfile) -> FloatArray:
    """(24,) share of a day's applications per local hour."""
    w = np.array(profile.hours, dtype=np.float64)
    return np.asarray(w / w.sum(), dtype=np.float64)
