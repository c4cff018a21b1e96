"""Simulating ЕПГУ applications: submissions and the times of their status changes, month by month.

An application is registered, sometimes goes in_progress, then reaches a final completed /
refused / withdrawn / duplicate from minutes to 20 days later; every version is kept, also those
after the period's end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from egov.simulator.activity import IntakeProfile, day_weights, hour_weights
from egov.simulator.arrays import BoolArray, IntArray
from egov.simulator.calibration import Calibration
from egov.simulator.demand import MonthExpectation
from egov.simulator.draws import EPGU, expand, log_normal, seeded
from egov.simulator.epgu.store import EpguStore
from egov.simulator.months import month_bounds
from egov.simulator.parameters import EPGU_FINAL_STATUS_P
from egov.simulator.times import unix_midnight

EPGU_INTAKE = IntakeProfile(
    weekday=(1.10, 1.06, 1.02, 1.0, 0.96, 0.62, 0.56),
    holiday=0.5,
    hours=(
        0.6, 0.3, 0.2, 0.15, 0.15, 0.3, 0.9, 2.0, 3.8, 5.6, 6.8, 7.0,
        6.6, 6.5, 6.6, 6.3, 6.0, 5.6, 5.4, 5.6, 5.8, 5.0, 3.4, 1.7,
    ),
)  # fmt: skip
"""The portal takes applications around the clock, less at weekends and on holidays."""


@dataclass(frozen=True)
class EpguMonth:
    """The applications submitted in one month, sorted by submission time."""

    oktmo_idx: npt.NDArray[np.int16]
    service_idx: npt.NDArray[np.int16]
    submitted_at: IntArray
    requires_visit: BoolArray
    final_status: npt.NDArray[np.int8]
    progress_at: IntArray
    """Time of the in_progress version, -1 when there is none."""
    final_at: IntArray

    def __len__(self) -> int:
        return int(self.submitted_at.shape[0])


def simulate_epgu_month(cal: Calibration, expected: MonthExpectation, seed: int) -> EpguMonth:
    """Draw one month of ЕПГУ applications and the times of their status changes."""
    year, month = expected.year, expected.month
    rng = seeded(seed, EPGU, year, month)
    weights = day_weights(cal, year, month, EPGU_INTAKE)
    counts = rng.poisson(expected.epgu[:, :, None] * weights[None, :, :])
    m, s, d = expand(counts)
    n = m.shape[0]
    hours: IntArray = np.asarray(
        rng.choice(24, size=n, p=hour_weights(EPGU_INTAKE)), dtype=np.int64
    )
    first, _ = month_bounds(year, month)
    submitted: IntArray = unix_midnight(first) + d * 86400 + hours * 3600
    submitted += rng.integers(0, 3600, n)
    order = np.argsort(submitted, kind="stable")
    m, s, submitted = m[order], s[order], submitted[order]

    requires_visit = rng.random(n) < cal.requires_visit[s]
    statuses = np.asarray(rng.choice(4, size=n, p=list(EPGU_FINAL_STATUS_P.values())))
    final = (statuses + 2).astype(np.int8)
    completed_or_refused = final <= 3
    progress_p = np.where(completed_or_refused, 0.7, np.where(final == 4, 0.3, 0.0))
    has_progress = rng.random(n) < progress_p
    to_progress = np.clip(log_normal(rng, 4 * 3600.0, 1.0, n), 300, 3 * 86400).astype(np.int64)
    progress_at = np.where(has_progress, submitted + to_progress, -1)
    decision = np.clip(
        log_normal(rng, cal.decision_days[s] * 86400.0, 0.7, n), 3600, 20 * 86400
    ).astype(np.int64)
    # a duplicate is caught by the portal within hours and never goes in progress
    decision = np.where(final == 5, rng.integers(300, 12 * 3600, n), decision)
    final_at = np.where(has_progress, progress_at, submitted) + decision
    return EpguMonth(
        oktmo_idx=m.astype(np.int16),
        service_idx=s.astype(np.int16),
        submitted_at=submitted.astype(np.int64),
        requires_visit=requires_visit,
        final_status=final,
        progress_at=progress_at.astype(np.int64),
        final_at=final_at.astype(np.int64),
    )


def build_epgu_store(cal: Calibration, months: Sequence[EpguMonth]) -> EpguStore:
    """Every version of every application, numbered in submission order from 1."""
    sizes = [len(x) for x in months]
    total = sum(sizes)
    app_no = np.arange(1, total + 1, dtype=np.int64)
    oktmo = np.concatenate([x.oktmo_idx for x in months])
    service = np.concatenate([x.service_idx for x in months])
    submitted = np.concatenate([x.submitted_at for x in months])
    visit = np.concatenate([x.requires_visit for x in months])
    final = np.concatenate([x.final_status for x in months])
    progress = np.concatenate([x.progress_at for x in months])
    final_at = np.concatenate([x.final_at for x in months])
    has_progress = progress >= 0
    # one version per application, one per in_progress, one final; columns are built and sorted
    # one at a time to keep the peak memory of a two-year world low
    rows = (slice(None), has_progress, slice(None))

    def versions(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return np.concatenate([values[r] for r in rows])

    updated_at = np.concatenate([submitted, progress[has_progress], final_at])
    numbers = versions(app_no)
    order = np.lexsort((numbers, updated_at))
    status = np.concatenate(
        [np.zeros(total, dtype=np.int8), np.ones(int(has_progress.sum()), dtype=np.int8), final]
    )
    return EpguStore(
        app_no=numbers[order],
        service_idx=versions(service)[order],
        oktmo_idx=versions(oktmo)[order],
        submitted_at=versions(submitted)[order],
        updated_at=updated_at[order],
        status=status[order],
        requires_visit=versions(visit)[order],
        service_codes=list(cal.service_codes),
        oktmos=list(cal.oktmos),
    )


def epgu_counted(cal: Calibration, month: EpguMonth) -> npt.NDArray[np.int64]:
    """(M, S) counted applications (final status not withdrawn / duplicate) of a month."""
    keep = month.final_status <= 3
    cells = month.oktmo_idx[keep].astype(np.int64) * cal.n_services + month.service_idx[keep]
    counts = np.bincount(cells, minlength=cal.n_municipalities * cal.n_services)
    return counts.reshape(cal.n_municipalities, cal.n_services).astype(np.int64)
