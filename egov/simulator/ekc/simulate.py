"""Simulating the ЕКЦ contact centre: every call from 1 August 2023, 400–700 a day.

The volume does not follow the world's `scale`: it is calibrated to the Ministry's letter of
21.03.2024 (over 100,000 calls since 1 August 2023, over 20,000 of them on line 122 about local
self-government), which must hold for any world, and a contact centre's load does not shrink
with a test's sample of applications.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from egov.calendar import month_end, months_between
from egov.simulator.arrays import FloatArray
from egov.simulator.calibration import Calibration
from egov.simulator.draws import EKC, log_normal, seeded
from egov.simulator.ekc.store import EkcStore
from egov.simulator.times import unix_midnight
from egov.sources.contract import EKC_FIRST_DAY, EKC_TOPICS

EKC_BASE_PER_DAY = 540.0
EKC_MIN_PER_DAY = 410.0
EKC_MAX_PER_DAY = 690.0
EKC_WEEKDAY = (1.12, 1.06, 1.03, 1.0, 0.98, 0.86, 0.80)
EKC_MONTH = (1.08, 1.02, 1.0, 0.97, 0.95, 0.92, 0.90, 0.93, 1.0, 1.05, 1.1, 1.12)
"""Heating season and the year end bring more calls; summer fewer."""
EKC_LINE_122_SHARE = 0.5
EKC_TOPIC_P: dict[int, tuple[float, ...]] = {
    # order = contract.EKC_TOPICS
    122: (0.44, 0.22, 0.12, 0.08, 0.05, 0.03, 0.01, 0.01, 0.04),
    117: (0.12, 0.20, 0.15, 0.15, 0.08, 0.07, 0.08, 0.05, 0.10),
}
EKC_NO_OKTMO = 0.15
EKC_ANSWERED = 0.90
EKC_LATE_SHARE = 0.03
EKC_HOURS = (
    0.8, 0.5, 0.35, 0.3, 0.3, 0.5, 1.2, 3.0, 5.5, 7.2, 7.6, 7.4,
    7.0, 6.9, 6.9, 6.7, 6.3, 5.8, 5.0, 4.3, 3.6, 2.8, 2.0, 1.3,
)  # fmt: skip
EKC_OUTCOME_P = {
    # answered calls: answered_on_spot, transferred_to_agency, forwarded_to_omsu
    "local_government": (0.35, 0.10, 0.55),
    "other": (0.62, 0.33, 0.05),
}


def ekc_expected_per_day(days: Sequence[date]) -> FloatArray:
    """Expected ЕКЦ calls per day: 400–700, by weekday and season; not scaled (see above)."""
    values = np.array(
        [EKC_BASE_PER_DAY * EKC_WEEKDAY[d.weekday()] * EKC_MONTH[d.month - 1] for d in days],
        dtype=np.float64,
    )
    return np.asarray(np.clip(values, EKC_MIN_PER_DAY, EKC_MAX_PER_DAY), dtype=np.float64)


def simulate_ekc(cal: Calibration, first_day: date, last_day: date, seed: int) -> EkcStore:
    """Every ЕКЦ call that started from max(first_day, 2023-08-01) to last_day (local dates)."""
    start = max(first_day, EKC_FIRST_DAY)
    chunks: list[dict[str, npt.NDArray[Any]]] = []
    # whole months are drawn (a month's calls never depend on the period) and then cut
    for lo in months_between(start, last_day):
        hi = month_end(lo)
        days = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
        chunk = _ekc_month(cal, days, seeded(seed, EKC, lo.year, lo.month))
        keep = (chunk["day"] >= (start - lo).days) & (chunk["day"] <= (last_day - lo).days)
        chunks.append({k: v[keep] for k, v in chunk.items()})

    def col(name: str, dtype: Any) -> npt.NDArray[Any]:
        if not chunks:
            return np.zeros(0, dtype=dtype)
        return np.concatenate([c[name] for c in chunks]).astype(dtype)

    return EkcStore(
        call_uuid=col("uuid", "V16"),
        started_at=col("started_at", np.int64),
        recorded_at=col("recorded_at", np.int64),
        line=col("line", np.int16),
        topic=col("topic", np.int8),
        oktmo_idx=col("oktmo_idx", np.int16),
        answered=col("answered", np.bool_),
        wait_sec=col("wait_sec", np.int32),
        talk_sec=col("talk_sec", np.int32),
        outcome=col("outcome", np.int8),
        oktmos=list(cal.oktmos),
    )


def _ekc_month(
    cal: Calibration, days: Sequence[date], rng: np.random.Generator
) -> dict[str, npt.NDArray[Any]]:
    """The calls of one month's days as columns, sorted by start time."""
    expected = ekc_expected_per_day(days)
    # sources.md: "on the order of 400–700 calls a day"; the draw is kept inside that band
    counts = np.clip(rng.poisson(expected), 400, 700)
    day = np.repeat(np.arange(len(days)), counts)
    n = day.shape[0]
    midnight = np.array([unix_midnight(d) for d in days], dtype=np.int64)
    hours_p = np.array(EKC_HOURS) / np.sum(EKC_HOURS)
    started = midnight[day] + rng.choice(24, size=n, p=hours_p) * 3600 + rng.integers(0, 3600, n)
    order = np.argsort(started, kind="stable")
    day, started = day[order], started[order]

    line = np.where(rng.random(n) < EKC_LINE_122_SHARE, 122, 117).astype(np.int16)
    topic = np.where(
        line == 122,
        rng.choice(len(EKC_TOPICS), size=n, p=EKC_TOPIC_P[122]),
        rng.choice(len(EKC_TOPICS), size=n, p=EKC_TOPIC_P[117]),
    ).astype(np.int8)
    weights = cal.population * cal.active(days[0].year, days[0].month)
    named = rng.choice(cal.n_municipalities, size=n, p=weights / weights.sum())
    oktmo_idx = np.where(rng.random(n) < EKC_NO_OKTMO, -1, named).astype(np.int16)
    # busier days leave more callers in the queue until they hang up
    load = (expected[day] - expected.mean()) / expected.mean()
    answered = rng.random(n) < np.clip(EKC_ANSWERED - 0.15 * load, 0.75, 0.97)
    wait = np.where(
        answered,
        np.clip(log_normal(rng, 35.0, 0.8, n), 1, 1800),
        np.clip(log_normal(rng, 75.0, 0.7, n), 5, 1800),
    ).astype(np.int64)
    talk = np.where(answered, np.clip(log_normal(rng, 200.0, 0.6, n), 20, 3600), 0).astype(np.int64)
    local = topic == EKC_TOPICS.index("local_government")
    outcome_local = rng.choice(3, size=n, p=EKC_OUTCOME_P["local_government"])
    outcome_other = rng.choice(3, size=n, p=EKC_OUTCOME_P["other"])
    outcome = np.where(answered, np.where(local, outcome_local, outcome_other), 3).astype(np.int8)
    ended = started + wait + talk
    recorded = ended + rng.integers(5, 120, n)
    # a few records reach the export late, but always before the day after next begins
    deadline = midnight[day] + 2 * 86400 - 60
    late = rng.random(n) < EKC_LATE_SHARE
    late_at = (
        ended + 3600 + (rng.random(n) * np.maximum(deadline - ended - 3600, 0)).astype(np.int64)
    )
    recorded = np.where(late, np.maximum(late_at, recorded), np.minimum(recorded, deadline))
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # UUID version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    return {
        "day": day,
        "uuid": raw.view("V16").reshape(n),
        "started_at": started,
        "recorded_at": recorded,
        "line": line,
        "topic": topic,
        "oktmo_idx": oktmo_idx,
        "answered": answered,
        "wait_sec": wait,
        "talk_sec": talk,
        "outcome": outcome,
    }
