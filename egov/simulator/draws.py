"""Seeded random generators of the world and the draws the sources share."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from egov.simulator.arrays import FloatArray, IntArray

# Generator components: a month's draws of one kind never depend on another kind's.
CALIBRATION, EPGU, MFC, OMSU, MFC_DEFECTS, OMSU_DEFECTS, EKC, OFFICES, PLAN = range(9)


def seeded(seed: int, *keys: int) -> np.random.Generator:
    """The generator of one component (and month) of a world's seed."""
    return np.random.default_rng([seed, *keys])


def log_normal(
    rng: np.random.Generator, median: FloatArray | float, sigma: float, n: int
) -> FloatArray:
    """Log-normal draws with a given median (array-broadcastable)."""
    return np.asarray(np.asarray(median) * np.exp(sigma * rng.standard_normal(n)), dtype=np.float64)


def expand(counts: npt.NDArray[np.int64]) -> tuple[IntArray, ...]:
    """Cell indexes of an (A, B, C) count array, one per unit counted."""
    flat = counts.reshape(-1)
    cells = np.repeat(np.arange(flat.size, dtype=np.int64), flat)
    return tuple(np.asarray(a, dtype=np.int64) for a in np.unravel_index(cells, counts.shape))
