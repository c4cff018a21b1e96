"""Simulating the МФЦ intake of a month: МСЗУ and other services, offices, times and statuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from egov.simulator.activity import (
    IntakeProfile,
    calendar_weights,
    day_weights,
    hour_weights,
    is_working_day,
)
from egov.simulator.arrays import IntArray
from egov.simulator.calibration import Calibration
from egov.simulator.demand import MonthExpectation
from egov.simulator.draws import MFC, expand, seeded
from egov.simulator.mfc.files import MfcDay
from egov.simulator.mfc.offices import Offices
from egov.simulator.months import month_bounds
from egov.simulator.parameters import MFC_COUNTED_STATUSES, MFC_STATUS_P, MFC_STATUSES

MFC_INTAKE = IntakeProfile(
    weekday=(1.0, 1.0, 1.0, 1.0, 1.0, 0.45, 0.04),
    holiday=0.02,
    hours=(
        0, 0, 0, 0, 0, 0, 0, 0, 6.0, 9.0, 10.0, 10.0,
        8.5, 9.0, 9.5, 9.0, 8.5, 7.5, 5.5, 3.5, 0, 0, 0, 0,
    ),
)  # fmt: skip
"""Offices open on working days, 08:00 to 20:00, a few on Saturdays."""


@dataclass(frozen=True)
class MfcMonth:
    """The МФЦ rows of one month in file order; services past the catalogue are non-МСЗУ."""

    year: int
    month: int
    day: IntArray
    minute: IntArray
    service: IntArray
    municipality: IntArray
    office: IntArray
    status: IntArray

    def __len__(self) -> int:
        return int(self.day.shape[0])


def simulate_mfc_month(
    cal: Calibration, expected: MonthExpectation, offices: Offices, seed: int
) -> MfcMonth:
    """Draw one month of МФЦ intake: МСЗУ and other services, offices, times, statuses."""
    year, month = expected.year, expected.month
    rng = seeded(seed, MFC, year, month)
    msz = rng.poisson(expected.mfc[:, :, None] * day_weights(cal, year, month, MFC_INTAKE)[None])
    base = calendar_weights(year, month, MFC_INTAKE)
    other = rng.poisson(expected.mfc_other[:, :, None] * (base / base.sum())[None, None, :])
    m1, s1, d1 = expand(msz)
    m2, s2, d2 = expand(other)
    m = np.concatenate([m1, m2])
    s = np.concatenate([s1, s2 + cal.n_services])
    d = np.concatenate([d1, d2])
    n = m.shape[0]

    first, _ = month_bounds(year, month)
    short_day = np.array(
        [not is_working_day(first + timedelta(days=i)) for i in range(base.shape[0])]
    )[d]
    hours: IntArray = np.asarray(rng.choice(24, size=n, p=hour_weights(MFC_INTAKE)), dtype=np.int64)
    # Saturdays and holidays: offices open 9:00–16:00 only
    hours = np.where(short_day, rng.integers(9, 16, n), hours)
    minute = hours * 60 + rng.integers(0, 60, n)
    pick = np.asarray(rng.random(n), dtype=np.float64)
    office = offices.first[m] + (pick[:, None] > offices.cumulative[m]).sum(axis=1)
    status: IntArray = np.asarray(
        rng.choice(len(MFC_STATUSES), size=n, p=list(MFC_STATUS_P)), dtype=np.int64
    )
    order = np.lexsort((office, minute, d))
    return MfcMonth(
        year=year,
        month=month,
        day=d[order],
        minute=minute[order],
        service=s[order],
        municipality=m[order],
        office=office[order],
        status=status[order],
    )


def mfc_counted(cal: Calibration, rows: MfcMonth) -> npt.NDArray[np.int64]:
    """(M, S) counted МСЗУ rows (status not withdrawn / duplicate) of a month."""
    keep = np.isin(rows.status, MFC_COUNTED_STATUSES) & (rows.service < cal.n_services)
    cells = rows.municipality[keep] * cal.n_services + rows.service[keep]
    counts = np.bincount(cells, minlength=cal.n_municipalities * cal.n_services)
    return counts.reshape(cal.n_municipalities, cal.n_services).astype(np.int64)


def split_days(rows: MfcMonth, next_case: dict[int, int]) -> list[MfcDay]:
    """One MfcDay per day of the month, numbering cases on from `next_case[year]`."""
    _, last = month_bounds(rows.year, rows.month)
    bounds = np.searchsorted(rows.day, np.arange(last.day + 1))
    start = next_case.get(rows.year, 1)
    days = []
    for i in range(last.day):
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        days.append(
            MfcDay(
                day=date(rows.year, rows.month, i + 1),
                case_year=rows.year,
                case_no=np.arange(start + lo, start + hi, dtype=np.int64),
                minute=rows.minute[lo:hi],
                service=rows.service[lo:hi],
                office=rows.office[lo:hi],
                status=rows.status[lo:hi],
            )
        )
    next_case[rows.year] = start + len(rows)
    return days
