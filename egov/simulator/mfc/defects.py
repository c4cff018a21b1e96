"""Which МФЦ daily exports carry which defects, and how often at each defect level."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np

from egov.simulator.activity import is_working_day
from egov.simulator.mfc.files import DEFECT_KINDS

MFC_DEFECT_RATES: dict[str, dict[str, float]] = {
    # per daily file
    "realistic": {
        "utf8_bom": 0.015,
        "trailing_empty_lines": 0.04,
        "oktmo_with_spaces": 0.02,
        "oktmo_11_digits": 0.02,
        "header_extra_spaces": 0.01,
    },
    "heavy": dict.fromkeys(DEFECT_KINDS, 0.3),
}


def plan_mfc_defects(
    days: Sequence[date], rates: Mapping[str, float], rng: np.random.Generator
) -> dict[date, list[str]]:
    """The defect kinds of each day's export; every kind lands on at least one day."""
    plan: dict[date, list[str]] = {}
    for kind, rate in rates.items():
        chosen = [d for d, r in zip(days, rng.random(len(days)), strict=True) if r < rate]
        if not chosen:
            # a working day: the export of a closed office may have no rows to spoil
            working = [d for d in days if is_working_day(d)] or days
            chosen = [working[int(rng.integers(len(working)))]]
        for d in chosen:
            plan.setdefault(d, []).append(kind)
    return plan
