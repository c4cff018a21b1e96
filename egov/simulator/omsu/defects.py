"""Which municipal workbooks carry which defects, which reports never come, and how often."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from egov.simulator.calibration import Calibration
from egov.simulator.omsu.layout import DEFECT_KINDS

Reporter = tuple[int, int, int]
"""(year, month, municipality index): one municipality's report of one month."""

OMSU_DEFECT_RATES: dict[str, dict[str, float]] = {
    # per workbook
    "realistic": {
        "merged_header": 0.02,
        "header_text_variant": 0.03,
        "numbers_as_text": 0.03,
        "blank_rows": 0.03,
        "empty_cell": 0.02,
        "total_mismatch": 0.02,
        "parts_mismatch": 0.02,
        "oktmo_mismatch": 0.01,
        "sheet_order": 0.02,
    },
    "heavy": dict.fromkeys(DEFECT_KINDS, 0.25),
}
DRIFT_RATE = {"realistic": 0.03, "heavy": 0.15}
"""Share of service rows whose ЕПГУ or МФЦ figure drifts off the counted applications."""
MISSING_REPORTERS = {"realistic": (2, 0.12), "heavy": (5, 0.35)}
"""(municipalities that skip reports, chance of skipping a month)."""


def plan_omsu_defects(
    cal: Calibration,
    months: Sequence[tuple[int, int]],
    rates: Mapping[str, float],
    missing_reporters: tuple[int, float],
    rng: np.random.Generator,
) -> tuple[dict[Reporter, list[str]], frozenset[Reporter], Reporter]:
    """Defect kinds per delivered report, the reports never delivered, and one forced drift."""
    # every kind, a missing report and a drift land at least once, so a test world shows them all
    count, chance = missing_reporters
    reporters = [(y, m, i) for y, m in months for i in np.flatnonzero(cal.active(y, m)).tolist()]
    skippers = rng.choice(
        cal.n_municipalities, size=min(count, cal.n_municipalities), replace=False
    )
    missing = {r for r in reporters if r[2] in set(skippers.tolist()) and rng.random() < chance}
    if not missing:
        candidates = [r for r in reporters if r[2] in set(skippers.tolist())] or reporters
        missing = {candidates[int(rng.integers(len(candidates)))]}
    delivered = [r for r in reporters if r not in missing]
    plan: dict[Reporter, list[str]] = {}
    for kind, rate in rates.items():
        hits = [r for r, x in zip(delivered, rng.random(len(delivered)), strict=True) if x < rate]
        if not hits:
            hits = [delivered[int(rng.integers(len(delivered)))]]
        for r in hits:
            plan.setdefault(r, []).append(kind)
    forced = delivered[int(rng.integers(len(delivered)))]
    return plan, frozenset(missing), forced
