"""The municipal reports of a month: true figures from the other sources, then clerks' drift.

Figures «в т.ч. через ЕПГУ» and «через МФЦ» are the counted applications of the municipality,
service and month (parameters.py: final ЕПГУ status not withdrawn / duplicate, МФЦ status not
«Отозвано заявителем» / «Аннулировано (дубль)»). With defects `realistic` or `heavy` a few rows
drift off those figures by a few per cent (defect kind `figures_drift`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from egov.simulator.calibration import Calibration
from egov.simulator.demand import MonthExpectation
from egov.simulator.draws import OFFICES, OMSU, seeded
from egov.simulator.omsu.layout import SOURCE, TITLE_VARIANTS, OmsuReport


def plan_title_rows(cal: Calibration, seed: int) -> list[int]:
    """Each municipality's title block variant (3–6 rows): its own template, the same each month."""
    # Key (OFFICES, 1) is historical: another key would change the files of every existing world.
    return [
        int(v) for v in seeded(seed, OFFICES, 1).choice(TITLE_VARIANTS, size=cal.n_municipalities)
    ]


def build_omsu_reports(
    cal: Calibration,
    expected: MonthExpectation,
    epgu: npt.NDArray[np.int64],
    mfc: npt.NDArray[np.int64],
    seed: int,
    title_rows: Sequence[int],
) -> list[OmsuReport]:
    """The true report of every municipality valid in the month (defects come later)."""
    year, month = expected.year, expected.month
    rng = seeded(seed, OMSU, year, month)
    mun = np.flatnonzero(cal.municipal)
    in_person = rng.poisson(expected.omsu_in_person[:, mun])
    post = rng.poisson(expected.omsu_post[:, mun])
    services = tuple((cal.service_codes[s], cal.service_names[s]) for s in mun.tolist())
    # the ЕКЦ leaflet campaign after the letter of 21.03.2024 doubles the placements for a while
    campaign = 2.0 if (2024, 4) <= (year, month) <= (2024, 6) else 1.0
    if (year, month) > (2024, 6):
        campaign = 1.4
    size = np.sqrt(cal.population / 20_000.0)
    means = np.array([1.2, 2.0, 3.0, 2.0, 1.0])
    placements = rng.poisson(means[None, :] * np.maximum(size, 0.5)[:, None] * campaign)
    publications = rng.poisson(1.5 + size)
    note_roll = rng.random((cal.n_municipalities, len(means)))
    active = cal.active(year, month)
    reports = []
    for i in np.flatnonzero(active).tolist():
        notes = tuple(
            (
                int(placements[i, k]),
                "листовка ЕКЦ"
                if campaign > 1.0 and note_roll[i, k] < 0.6 and placements[i, k] > 0
                else ("" if note_roll[i, k] < 0.85 else "обновлено"),
            )
            for k in range(len(means))
        )
        reports.append(
            OmsuReport(
                oktmo=cal.oktmos[i],
                name=cal.names[i],
                year=year,
                month=month,
                title_rows=int(title_rows[i]),
                services=services,
                epgu=tuple(int(v) for v in epgu[i, mun]),
                mfc=tuple(int(v) for v in mfc[i, mun]),
                in_person=tuple(int(v) for v in in_person[i]),
                post=tuple(int(v) for v in post[i]),
                placements=notes,
                publications=int(publications[i]),
                neighbour_oktmo=cal.oktmos[(i + 1) % cal.n_municipalities],
            )
        )
    return reports


def apply_drift(
    report: OmsuReport, rate: float, rng: np.random.Generator, force: bool = False
) -> tuple[OmsuReport, list[dict[str, Any]]]:
    """Let a few ЕПГУ / МФЦ figures drift off the counted applications, as clerks' tallies do."""
    epgu, mfc = list(report.epgu), list(report.mfc)
    hit = rng.random(len(epgu)) < rate
    if force and not hit.any():
        hit[int(rng.integers(len(epgu)))] = True
    records = []
    for i in np.flatnonzero(hit).tolist():
        column = "в т.ч. через ЕПГУ" if rng.random() < 0.5 else "через МФЦ"
        values = epgu if column == "в т.ч. через ЕПГУ" else mfc
        true = values[i]
        delta = max(1, round(true * float(rng.uniform(0.01, 0.05))))
        values[i] = true - delta if true >= delta and rng.random() < 0.5 else true + delta
        records.append(
            {
                "source": SOURCE,
                "file": report.file_name,
                "kind": "figures_drift",
                "detail": f"'{column}' of service {report.services[i][0]} is {values[i]}, "
                f"the counted applications {true}",
            }
        )
    if not records:
        return report, []
    return replace(report, epgu=tuple(epgu), mfc=tuple(mfc)), records
