"""Calibrating a world: the municipalities, services and online-share paths drawn from a seed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np

from egov.simulator.arrays import BoolArray, FloatArray
from egov.simulator.draws import CALIBRATION, seeded
from egov.simulator.months import month_bounds
from egov.simulator.parameters import (
    DEFAULT_MUNICIPAL,
    DEFAULT_REGIONAL,
    NOISE_MONTHS,
    SEASONS,
    SERVICE_RATES,
)

Group = Literal["leader", "middling", "laggard", "backslider"]


@dataclass(frozen=True)
class Calibration:
    """Everything the generator needs about municipalities and services, as arrays."""

    oktmos: tuple[str, ...]
    """Sorted OKTMO codes: the `oktmo_idx` dictionary of the stores."""
    names: tuple[str, ...]
    kinds: tuple[str, ...]
    admin_centers: tuple[str, ...]
    population: FloatArray
    validity: tuple[tuple[tuple[date, date | None], ...], ...]
    groups: tuple[Group, ...]
    anchors: FloatArray
    """(M, 3) monthly online share in Jan 2023, Dec 2023, Dec 2024."""
    noise: FloatArray
    """(M, NOISE_MONTHS) logit noise of the monthly online share."""
    mfc_part: FloatArray
    """(M,) share of МФЦ among the offline channels of municipal services."""
    post_part: FloatArray
    """(M,) share of post / e-mail among direct ОМСУ applications."""
    service_codes: tuple[str, ...]
    service_names: tuple[str, ...]
    reg_list_no: tuple[int, ...]
    municipal: BoolArray
    rate: FloatArray
    season: FloatArray
    """(S, 12) seasonal factor, mean 1."""
    profile: tuple[str, ...]
    online_offset: FloatArray
    """(S,) municipal services: logit offset; regional: base ЕПГУ share of counted."""
    requires_visit: FloatArray
    """(S,) share of ЕПГУ applications that still need a visit."""
    decision_days: FloatArray
    """(S,) median days from registration to the final ЕПГУ status."""
    rural_factor: FloatArray
    """(M,) multiplier of rural services (household books) by municipality kind."""

    @property
    def n_municipalities(self) -> int:
        """M: every OKTMO code of the reference, valid or not."""
        return len(self.oktmos)

    @property
    def n_services(self) -> int:
        """S: the services of the catalogue."""
        return len(self.service_codes)

    def active(self, year: int, month: int) -> BoolArray:
        """Municipalities whose code is valid on some day of the month."""
        first, last = month_bounds(year, month)
        return np.array(
            [
                any(f <= last and (t is None or t >= first) for f, t in spans)
                for spans in self.validity
            ],
            dtype=np.bool_,
        )


def _assign_groups(n: int, rng: np.random.Generator) -> list[Group]:
    """Each municipality's group: a third leaders, a quarter laggards, at most two backsliders."""
    backsliders = min(2, n // 10)
    leaders = round(n / 3)
    laggards = round(n / 4)
    middling = n - backsliders - leaders - laggards
    sizes: tuple[tuple[Group, int], ...] = (
        ("backslider", backsliders),
        ("leader", leaders),
        ("laggard", laggards),
        ("middling", middling),
    )
    pool: list[Group] = [group for group, size in sizes for _ in range(size)]
    order = rng.permutation(n)
    return [pool[int(i)] for i in order]


def _anchors(group: Group, rng: np.random.Generator) -> tuple[float, float, float]:
    """Online share in January 2023, December 2023 and December 2024 for a group."""
    u = rng.uniform
    if group == "leader":
        return u(0.27, 0.35), u(0.47, 0.57), u(0.58, 0.70)
    if group == "middling":
        return u(0.22, 0.32), u(0.36, 0.46), u(0.45, 0.56)
    if group == "laggard":
        return u(0.20, 0.28), u(0.25, 0.34), u(0.30, 0.40)
    p0 = u(0.26, 0.34)
    p1 = p0 - u(0.02, 0.05)
    return p0, p1, p1 - u(0.01, 0.04)


def _unique_municipalities(
    rows: Sequence[Mapping[str, Any]],
) -> list[tuple[str, Mapping[str, Any], tuple[tuple[date, date | None], ...]]]:
    """Per OKTMO code (sorted): its latest reference row and all its validity spans."""
    by_code: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_code.setdefault(str(row["oktmo"]), []).append(row)
    result = []
    for code in sorted(by_code):
        spans = sorted(by_code[code], key=lambda r: r["valid_from"])
        result.append((code, spans[-1], tuple((r["valid_from"], r["valid_to"]) for r in spans)))
    return result


def calibrate(
    municipalities: Sequence[Mapping[str, Any]],
    services: Sequence[Mapping[str, Any]],
    seed: int,
) -> Calibration:
    """Calibrate the world from the reference rows (bundle dataset rows) and a seed."""
    rng = seeded(seed, CALIBRATION)
    units = _unique_municipalities(municipalities)
    n = len(units)
    groups = _assign_groups(n, rng)
    anchors = np.array([_anchors(g, rng) for g in groups], dtype=np.float64)
    # AR(1) in logit space: months drift together, so a bad month is often followed by another
    shocks = rng.normal(0.0, 0.07, size=(n, NOISE_MONTHS))
    noise = np.empty_like(shocks)
    noise[:, 0] = shocks[:, 0]
    for t in range(1, NOISE_MONTHS):
        noise[:, t] = 0.55 * noise[:, t - 1] + shocks[:, t]
    population = np.array(
        [float(row.get("population_for_rates") or 1000) for _, row, _ in units], dtype=np.float64
    )
    kinds = tuple(str(row["kind"]) for _, row, _ in units)
    ordered = sorted(services, key=lambda r: int(r["reg_list_no"]))
    municipal = np.array([r["level"] == "municipal" for r in ordered], dtype=np.bool_)
    params = [
        SERVICE_RATES.get(
            int(r["reg_list_no"]),
            DEFAULT_MUNICIPAL if r["level"] == "municipal" else DEFAULT_REGIONAL,
        )
        for r in ordered
    ]
    season = np.array([SEASONS[p[1]] for p in params], dtype=np.float64)
    season /= season.mean(axis=1, keepdims=True)
    return Calibration(
        oktmos=tuple(code for code, _, _ in units),
        names=tuple(str(row["name"]) for _, row, _ in units),
        kinds=kinds,
        admin_centers=tuple(str(row["admin_center"]) for _, row, _ in units),
        population=population,
        validity=tuple(spans for _, _, spans in units),
        groups=tuple(groups),
        anchors=anchors,
        noise=noise,
        mfc_part=rng.uniform(0.60, 0.85, size=n),
        post_part=rng.uniform(0.08, 0.30, size=n),
        service_codes=tuple(str(r["service_code"]) for r in ordered),
        service_names=tuple(str(r["name"]) for r in ordered),
        reg_list_no=tuple(int(r["reg_list_no"]) for r in ordered),
        municipal=municipal,
        rate=np.array([p[0] for p in params], dtype=np.float64),
        season=season,
        profile=tuple(p[1] for p in params),
        online_offset=np.array([p[2] for p in params], dtype=np.float64),
        requires_visit=rng.uniform(0.10, 0.20, size=len(ordered)),
        decision_days=np.where(
            municipal, rng.uniform(3, 9, len(ordered)), rng.uniform(1, 5, len(ordered))
        ),
        rural_factor=np.array([0.15 if k == "ГО" else 1.6 for k in kinds], dtype=np.float64),
    )
