"""The МФЦ offices of a world: a central one in each municipality's centre, more in large ones."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from egov.simulator.arrays import IntArray
from egov.simulator.calibration import Calibration
from egov.simulator.draws import OFFICES, seeded

STREETS = (
    "ул. Ленина",
    "ул. Советская",
    "ул. Карла Маркса",
    "ул. Мира",
    "ул. Гагарина",
    "ул. Октябрьская",
    "ул. Лермонтова",
    "ул. Пушкина",
    "ул. Байкальская",
    "ул. Партизанская",
    "ул. Трудовая",
    "ул. Строителей",
    "ул. Школьная",
    "ул. Комсомольская",
    "ул. Жукова",
    "ул. Депутатская",
    "пр-т Мира",
    "ул. Кирова",
)


@dataclass(frozen=True)
class Offices:
    """МФЦ offices: a central one in each municipality's centre, more in the large ones."""

    names: tuple[str, ...]
    municipality: IntArray
    cumulative: npt.NDArray[np.float64]
    """(M, max offices) cumulative choice probability of a municipality's offices."""
    first: IntArray
    """Index of each municipality's first office."""


def plan_offices(cal: Calibration, seed: int) -> Offices:
    """The offices of every municipality, with names like «МФЦ г. Иркутск, ул. Жукова, 5а»."""
    rng = seeded(seed, OFFICES)
    counts = np.select(
        [cal.population > 400_000, cal.population > 150_000, cal.population > 45_000],
        [6, 3, 2],
        1,
    ).astype(np.int64)
    names: list[str] = []
    owner: list[int] = []
    cumulative = np.ones((cal.n_municipalities, int(counts.max())))
    for m, (centre, k) in enumerate(zip(cal.admin_centers, counts.tolist(), strict=True)):
        streets = rng.choice(len(STREETS), size=k, replace=False)
        for j, street in enumerate(streets.tolist()):
            house = int(rng.integers(1, 140))
            letter = "а" if rng.random() < 0.2 else ""
            prefix = "МФЦ" if j == 0 else "Филиал МФЦ"
            names.append(f"{prefix} {centre}, {STREETS[street]}, {house}{letter}")
            owner.append(m)
        # the central office takes the largest part of the visitors
        weights = np.array([2.0] + [1.0] * (k - 1))
        cumulative[m, :k] = np.cumsum(weights / weights.sum())
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    return Offices(tuple(names), np.array(owner, dtype=np.int64), cumulative, first)
