"""A month's expected demand per municipality, service and channel: what the sources draw around."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from egov.simulator.arrays import FloatArray
from egov.simulator.calibration import Calibration
from egov.simulator.months import month_index
from egov.simulator.parameters import (
    EPGU_COUNTED,
    MAX_EPGU_FRACTION,
    MFC_COUNTED,
    NOISE_FIRST_YEAR,
    NOISE_MONTHS,
    ORIGIN_YEAR,
    OTHER_MFC_SERVICES,
)


@dataclass(frozen=True)
class MonthExpectation:
    """Expected counts of one month, (M, S) unless noted, before the scale-free Poisson draws."""

    year: int
    month: int
    epgu: FloatArray
    """ЕПГУ applications (all final statuses)."""
    mfc: FloatArray
    """МФЦ МСЗУ rows (all statuses)."""
    omsu_in_person: FloatArray
    omsu_post: FloatArray
    mfc_other: FloatArray
    """(M, K) МФЦ rows of the non-МСЗУ services."""
    online_counted: FloatArray
    """Counted ЕПГУ applications without a visit."""
    total_counted: FloatArray
    """Counted applications over all channels."""


def _logit(p: FloatArray | float) -> Any:
    """log(p / (1 - p)), elementwise."""
    return np.log(p) - np.log1p(-np.asarray(p))


def _sigmoid(x: FloatArray) -> FloatArray:
    """The inverse of the logit, elementwise."""
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def target_online_share(cal: Calibration, year: int, month: int) -> FloatArray:
    """(M,) designed monthly online share of municipal services, noise included."""
    t = month_index(year, month)
    lo = _logit(cal.anchors)
    if t <= 0:
        x = lo[:, 0]
    elif t <= 11:
        x = lo[:, 0] + (lo[:, 1] - lo[:, 0]) * t / 11
    elif t <= 23:
        x = lo[:, 1] + (lo[:, 2] - lo[:, 1]) * (t - 11) / 12
    else:
        # beyond the plan-schedule years growth slows down by half
        x = lo[:, 2] + 0.5 * (lo[:, 2] - lo[:, 1]) * (t - 23) / 12
    k = int(np.clip(t + 12 * (ORIGIN_YEAR - NOISE_FIRST_YEAR), 0, NOISE_MONTHS - 1))
    return _sigmoid(np.asarray(x + cal.noise[:, k], dtype=np.float64))


def _centred_shares(
    p: FloatArray, offsets: FloatArray, weights: FloatArray, qmax: FloatArray
) -> FloatArray:
    """Per-service online shares q[m,s] = min(qmax, σ(logit p + offset + δ_m)) averaging p[m]."""
    # δ_m is found by bisection so that the demand-weighted mean over services equals p[m]:
    # services differ, but the municipality's level stays the designed one.
    base = _logit(np.clip(p, 1e-4, 1 - 1e-4))[:, None] + offsets[None, :]
    lo = np.full(p.shape, -6.0)
    hi = np.full(p.shape, 6.0)
    total = weights.sum(axis=1)
    safe_total = np.where(total > 0, total, 1.0)
    for _ in range(40):
        mid = (lo + hi) / 2
        q = np.minimum(qmax[None, :], _sigmoid(base + mid[:, None]))
        mean = (q * weights).sum(axis=1) / safe_total
        too_high = mean > p
        hi = np.where(too_high, mid, hi)
        lo = np.where(too_high, lo, mid)
    return np.minimum(qmax[None, :], _sigmoid(base + ((lo + hi) / 2)[:, None]))


def demand_growth(year: int, month: int) -> float:
    """Slow growth of demand overall (+3 % a year)."""
    return float(1.03 ** (month_index(year, month) / 12))


def expected_month(cal: Calibration, year: int, month: int, scale: float) -> MonthExpectation:
    """Expected counts per municipality, service and channel in one month."""
    active = cal.active(year, month).astype(np.float64)
    per_mille = cal.population * active / 1000.0 * scale * demand_growth(year, month)
    service_rate = cal.rate * cal.season[:, month - 1]
    demand = per_mille[:, None] * service_rate[None, :]
    rural = np.array([p == "rural" for p in cal.profile], dtype=np.bool_)
    demand[:, rural] *= cal.rural_factor[:, None]

    mun = cal.municipal
    p = target_online_share(cal, year, month)
    qmax = MAX_EPGU_FRACTION * (1.0 - cal.requires_visit)
    q = _centred_shares(p, cal.online_offset[mun], demand[:, mun], qmax[mun])
    epgu_fraction = np.zeros_like(demand)
    epgu_fraction[:, mun] = q / (1.0 - cal.requires_visit[mun])[None, :]
    # Regional services: their own ЕПГУ share, moving with the municipality's digital habits.
    shift = 0.4 * (_logit(np.clip(p, 1e-4, 1 - 1e-4)) - _logit(0.28))
    regional = np.clip(cal.online_offset[~mun], 0.01, 0.99)
    epgu_fraction[:, ~mun] = np.minimum(
        MAX_EPGU_FRACTION, _sigmoid(_logit(regional)[None, :] + shift[:, None])
    )

    epgu_counted = demand * epgu_fraction
    offline = demand - epgu_counted
    mfc_share = np.where(mun[None, :], cal.mfc_part[:, None], 1.0)
    mfc_counted = offline * mfc_share
    direct = offline - mfc_counted
    other_rates = np.array([r for _, _, r in OTHER_MFC_SERVICES], dtype=np.float64)
    general = cal.season[cal.profile.index("general")] if "general" in cal.profile else None
    other_season = 1.0 if general is None else float(general[month - 1])
    return MonthExpectation(
        year=year,
        month=month,
        epgu=epgu_counted / EPGU_COUNTED,
        mfc=mfc_counted / MFC_COUNTED,
        omsu_in_person=direct * (1.0 - cal.post_part)[:, None],
        omsu_post=direct * cal.post_part[:, None],
        mfc_other=per_mille[:, None] * other_rates[None, :] * other_season,
        online_counted=epgu_counted * (1.0 - cal.requires_visit)[None, :],
        total_counted=demand,
    )


def expected_ytd_online_shares(cal: Calibration, year: int, through_month: int = 12) -> FloatArray:
    """(M,) expected year-to-date online share of municipal services (the indicator's formula)."""
    online = np.zeros(cal.n_municipalities)
    total = np.zeros(cal.n_municipalities)
    for month in range(1, through_month + 1):
        e = expected_month(cal, year, month, 1.0)
        online += e.online_counted[:, cal.municipal].sum(axis=1)
        total += e.total_counted[:, cal.municipal].sum(axis=1)
    return np.asarray(online / np.where(total > 0, total, 1.0), dtype=np.float64)


def share_summary(shares: FloatArray, threshold: float) -> dict[str, int]:
    """How many municipalities are at or above / below a threshold share."""
    reached = int(np.sum(shares >= threshold))
    return {"at_or_above": reached, "below": int(shares.shape[0]) - reached}
