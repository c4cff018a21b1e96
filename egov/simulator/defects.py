"""The defect plan of a world: what goes wrong in which delivered file, decided before writing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from egov.simulator.calibration import Calibration
from egov.simulator.draws import PLAN, seeded
from egov.simulator.mfc.defects import MFC_DEFECT_RATES, plan_mfc_defects
from egov.simulator.months import month_bounds
from egov.simulator.omsu.defects import (
    DRIFT_RATE,
    MISSING_REPORTERS,
    OMSU_DEFECT_RATES,
    Reporter,
    plan_omsu_defects,
)

DefectLevel = Literal["none", "realistic", "heavy"]
DEFECT_LEVELS: tuple[DefectLevel, ...] = ("none", "realistic", "heavy")


@dataclass(frozen=True)
class DefectPlan:
    """Which defects go into which delivered file, decided before anything is written."""

    mfc: dict[date, list[str]]
    omsu: dict[Reporter, list[str]]
    """(year, month, municipality index) -> kinds."""
    missing: frozenset[Reporter]
    drift_rate: float
    drift_forced: Reporter | None


def plan_defects(
    cal: Calibration, months: Sequence[tuple[int, int]], seed: int, level: DefectLevel
) -> DefectPlan:
    """Draw the defects of every file; each kind appears at least once unless level is none."""
    if level == "none":
        return DefectPlan({}, {}, frozenset(), 0.0, None)
    # Defects draw from their own generator, so the truth is the same at every level.
    rng = seeded(seed, PLAN)
    days = [
        date(y, m, 1) + timedelta(days=i)
        for y, m in months
        for i in range(month_bounds(y, m)[1].day)
    ]
    mfc = plan_mfc_defects(days, MFC_DEFECT_RATES[level], rng)
    omsu, missing, forced = plan_omsu_defects(
        cal, months, OMSU_DEFECT_RATES[level], MISSING_REPORTERS[level], rng
    )
    return DefectPlan(mfc, omsu, missing, DRIFT_RATE[level], forced)
