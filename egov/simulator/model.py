"""Calibration of the simulated world: who applies for what, where, when and through which channel.

Pure functions of the reference data and a seed (no files, no wall clock). Everything the
generator draws is a Poisson or multinomial draw around the expectations computed here.

Calibration targets (sources.md, mission.md), at scale 1.0 for the whole oblast:

- МСЗУ demand of about 0.11 applications per resident a month, split over the 40 services of
  the catalogue by a per-service rate (`SERVICE_RATES`, per 1,000 residents a month);
- the online share of a municipality (ЕПГУ without a visit over ЕПГУ + МФЦ + ОМСУ direct, its
  municipal services) follows a logit-linear path through three anchors (January 2023,
  December 2023, December 2024) plus AR(1) monthly noise. Municipalities fall into four groups:
  leaders (most reach 40 % year to date in 2023 and all reach 50 % in 2024), middling (reach
  neither or only 2024 narrowly), laggards, and two that go backwards;
- this gives ЕПГУ about 1.5–2 million МСЗУ applications a year and about 100–120 thousand МСЗУ
  rows a month in the МФЦ exports; other (non-МСЗУ) МФЦ services fill them up to about 300
  thousand rows a month;
- seasonality: the first-grade enrolment rush from 1 April, summer dip, year-end rise.

Counting rule shared by the generator and the municipal forms: an application *counts* unless
its final ЕПГУ status is `withdrawn` or `duplicate`, or its МФЦ status is «Отозвано заявителем»
or «Аннулировано (дубль)». The expected shares below are over counted applications.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

ORIGIN_YEAR = 2023
"""Month index 0 of the trajectories is January 2023 (the plan-schedule's first year)."""
NOISE_FIRST_YEAR = 2015
NOISE_MONTHS = 12 * 30
"""Trajectory noise is drawn once for 2015-01..2044-12, so a month's values never depend on
which period is generated."""

EPGU_FINAL_STATUS_P = {"completed": 0.81, "refused": 0.10, "withdrawn": 0.05, "duplicate": 0.04}
"""Final status of a ЕПГУ application (order = EPGU_STATUSES[2:])."""
EPGU_COUNTED = EPGU_FINAL_STATUS_P["completed"] + EPGU_FINAL_STATUS_P["refused"]

MFC_STATUSES = (
    "Принято",
    "Выдан результат",
    "Отказ в приеме",
    "Отозвано заявителем",
    "Аннулировано (дубль)",
)
MFC_STATUS_P = (0.55, 0.33, 0.05, 0.03, 0.04)
"""A daily export is a snapshot a day after intake: most cases are still «Принято»."""
MFC_COUNTED_STATUSES = (0, 1, 2)
MFC_COUNTED = sum(MFC_STATUS_P[i] for i in MFC_COUNTED_STATUSES)

MAX_EPGU_FRACTION = 0.97
"""No service is ever wholly online: some people always come in person."""

Group = Literal["leader", "middling", "laggard", "backslider"]

# Per 1,000 residents a month (annual mean), seasonal profile, logit offset of the online
# propensity against the municipality's level (municipal services) or the ЕПГУ share of
# counted applications (regional services), keyed by the number in the regional list.
SERVICE_RATES: dict[int, tuple[float, str, float]] = {
    1: (6.0, "kindergarten", 0.9),
    2: (4.0, "enrolment", 1.3),
    3: (3.0, "camps", 0.5),
    4: (0.6, "construction", -0.4),
    5: (0.4, "construction", -0.6),
    6: (1.2, "construction", -0.2),
    7: (2.5, "construction", 0.0),
    8: (0.3, "construction", -0.8),
    9: (0.2, "construction", -1.0),
    10: (1.5, "general", 0.2),
    11: (0.3, "general", -0.6),
    12: (1.5, "general", -0.5),
    13: (1.5, "general", -0.3),
    14: (0.3, "general", -0.7),
    15: (0.2, "general", -0.5),
    16: (3.5, "construction", -0.1),
    17: (3.0, "construction", 0.0),
    18: (3.0, "construction", -0.1),
    19: (0.8, "general", -0.4),
    20: (0.5, "general", 0.3),
    21: (4.0, "general", 0.1),
    22: (9.0, "general", -0.6),
    23: (5.0, "rural", -1.1),
    24: (1.2, "construction", -0.3),
    25: (0.8, "construction", -0.2),
    26: (2.0, "general", 0.35),
    27: (6.0, "general", 0.45),
    28: (16.0, "general", 0.30),
    29: (1.5, "general", 0.35),
    30: (11.0, "health", 0.85),
    31: (4.0, "health", 0.40),
    32: (1.5, "spo", 0.55),
    33: (3.0, "school_year", 0.95),
    34: (0.2, "general", 0.70),
    35: (0.5, "general", 0.60),
    36: (0.6, "hunting", 0.50),
    37: (1.2, "forest", 0.35),
    38: (1.2, "marriage", 0.70),
    39: (1.5, "general", 0.25),
    40: (3.0, "general", 0.35),
}
DEFAULT_MUNICIPAL = (1.0, "general", 0.0)
DEFAULT_REGIONAL = (1.0, "general", 0.5)

SEASONS: dict[str, tuple[float, ...]] = {
    # Jan..Dec; the summer dip and the year-end rise of ordinary office work
    "general": (0.85, 0.95, 1.05, 1.05, 0.95, 0.90, 0.82, 0.90, 1.05, 1.08, 1.07, 1.25),
    # first-grade enrolment opens on 1 April; a second wave from 6 July for other children
    "enrolment": (0.15, 0.15, 0.2, 6.0, 1.2, 0.8, 1.5, 1.3, 0.6, 0.2, 0.15, 0.15),
    "kindergarten": (0.9, 0.95, 1.1, 1.2, 1.15, 0.9, 0.8, 0.95, 1.1, 1.0, 0.95, 0.9),
    "camps": (0.5, 0.8, 1.6, 2.3, 1.9, 1.2, 0.6, 0.4, 0.3, 0.3, 0.5, 0.9),
    "construction": (0.6, 0.7, 0.9, 1.15, 1.3, 1.3, 1.2, 1.15, 1.05, 0.95, 0.85, 0.85),
    "rural": (1.0, 1.0, 1.1, 1.1, 1.0, 0.9, 0.85, 0.9, 1.0, 1.05, 1.0, 1.1),
    "health": (1.1, 1.1, 1.05, 1.0, 0.95, 0.9, 0.85, 0.9, 1.0, 1.05, 1.1, 1.0),
    "spo": (0.2, 0.2, 0.2, 0.3, 0.5, 2.5, 3.5, 2.5, 0.8, 0.2, 0.2, 0.2),
    "school_year": (1.1, 1.1, 1.1, 1.0, 1.2, 0.6, 0.3, 0.5, 1.2, 1.2, 1.2, 1.5),
    "hunting": (0.6, 0.5, 0.6, 0.8, 1.0, 0.9, 1.0, 1.8, 1.9, 1.2, 0.9, 0.8),
    "forest": (0.6, 0.7, 1.0, 1.3, 1.4, 1.3, 1.1, 1.0, 1.0, 0.9, 0.8, 0.7),
    "marriage": (0.6, 0.9, 0.8, 0.9, 1.0, 1.3, 1.4, 1.6, 1.3, 0.9, 0.7, 0.9),
}

# Non-МСЗУ services of the МФЦ (federal and other): code, name, per 1,000 residents a month.
# The codes are illustrative and deliberately outside the МСЗУ catalogue. Two names carry a `;`
# or `"` so that the CSV quoting is exercised.
OTHER_MFC_SERVICES: tuple[tuple[str, str, float], ...] = (
    ("3800000000200000101", "Выдача (замена) паспорта гражданина Российской Федерации", 9.0),
    (
        "3800000000200000102",
        "Оформление и выдача заграничного паспорта (срок действия 5 лет; 10 лет)",
        4.0,
    ),
    ("3800000000200000103", "Регистрационный учет граждан по месту жительства", 6.5),
    ("3800000000200000104", "Регистрационный учет граждан по месту пребывания", 2.0),
    (
        "3800000000200000105",
        "Государственный кадастровый учет и государственная регистрация прав на недвижимое "
        "имущество",
        12.0,
    ),
    (
        "3800000000200000106",
        "Предоставление сведений из Единого государственного реестра недвижимости",
        7.0,
    ),
    (
        "3800000000200000107",
        "Регистрация в системе индивидуального (персонифицированного) учета (СНИЛС)",
        3.0,
    ),
    ("3800000000200000108", "Прием заявлений о назначении пенсии", 3.5),
    (
        "3800000000200000109",
        "Выдача государственного сертификата на материнский (семейный) капитал",
        1.2,
    ),
    (
        "3800000000200000110",
        "Назначение единого пособия в связи с рождением и воспитанием ребенка",
        5.0,
    ),
    ("3800000000200000111", "Государственная регистрация индивидуальных предпринимателей", 0.8),
    ("3800000000200000112", "Постановка на учет физического лица в налоговом органе (ИНН)", 1.5),
    ("3800000000200000113", "Выдача справки о наличии (отсутствии) судимости", 2.5),
    ("3800000000200000114", "Выдача и замена водительского удостоверения", 2.5),
    (
        "3800000000200000115",
        "Регистрация, подтверждение и восстановление учетной записи в ЕСИА",
        8.0,
    ),
    ("3800000000200000116", "Выдача полиса обязательного медицинского страхования", 2.5),
    ("3800000000200000117", 'Информирование о мерах поддержки АО "Корпорация "МСП""', 0.4),
    ("3800000000200000118", "Выдача сведений о трудовой деятельности", 1.8),
    ("3800000000200000119", "Прием заявлений о предоставлении налоговых льгот", 1.0),
    ("3800000000200000120", "Выдача архивных справок Социального фонда России", 0.8),
)

WEEKDAY_EPGU = (1.10, 1.06, 1.02, 1.0, 0.96, 0.62, 0.56)
WEEKDAY_MFC = (1.0, 1.0, 1.0, 1.0, 1.0, 0.45, 0.04)
HOLIDAY_EPGU = 0.5
HOLIDAY_MFC = 0.02

HOUR_EPGU = (
    0.6, 0.3, 0.2, 0.15, 0.15, 0.3, 0.9, 2.0, 3.8, 5.6, 6.8, 7.0,
    6.6, 6.5, 6.6, 6.3, 6.0, 5.6, 5.4, 5.6, 5.8, 5.0, 3.4, 1.7,
)  # fmt: skip
HOUR_MFC = (
    0, 0, 0, 0, 0, 0, 0, 0, 6.0, 9.0, 10.0, 10.0,
    8.5, 9.0, 9.5, 9.0, 8.5, 7.5, 5.5, 3.5, 0, 0, 0, 0,
)  # fmt: skip

# Official non-working days (Russian production calendar); other years use the fixed holidays.
_NEW_YEAR = tuple((1, d) for d in range(1, 9))
_HOLIDAYS: dict[int, frozenset[tuple[int, int]]] = {
    2023: frozenset(
        (*_NEW_YEAR, (2, 23), (2, 24), (3, 8), (5, 1), (5, 8), (5, 9), (6, 12), (11, 6))
    ),
    2024: frozenset(
        (*_NEW_YEAR, (2, 23), (3, 8), (4, 29), (4, 30), (5, 1), (5, 9), (5, 10), (6, 12),
         (11, 4), (12, 30), (12, 31))
    ),
}  # fmt: skip
_FIXED_HOLIDAYS = frozenset((*_NEW_YEAR, (2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)))
_WORKING_SATURDAYS = {date(2024, 4, 27), date(2024, 11, 2), date(2024, 12, 28)}


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


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month."""
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def month_index(year: int, month: int) -> int:
    """Months since January 2023."""
    return (year - ORIGIN_YEAR) * 12 + month - 1


def parse_month(text: str) -> tuple[int, int]:
    """'2024-03' -> (2024, 3)."""
    year, month = text.split("-")
    return int(year), int(month)


def month_range(first: str, last: str) -> list[tuple[int, int]]:
    """Every (year, month) from `first` to `last` inclusive ('YYYY-MM')."""
    y, m = parse_month(first)
    end = parse_month(last)
    if (y, m) > end:
        raise ValueError(f"first month {first} is after last month {last}")
    months = []
    while (y, m) <= end:
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def _logit(p: FloatArray | float) -> Any:
    return np.log(p) - np.log1p(-np.asarray(p))


def _sigmoid(x: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def _is_holiday(day: date) -> bool:
    return (day.month, day.day) in _HOLIDAYS.get(day.year, _FIXED_HOLIDAYS)


def _assign_groups(n: int, rng: np.random.Generator) -> list[Group]:
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
    rng = np.random.default_rng([seed, 0])
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
    """Per-service online shares q[m,s] = min(qmax, σ(logit p + offset + δ_m)), with δ_m chosen so
    that the weighted mean over services equals p[m]: services differ, the municipality's level
    stays the designed one."""
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


def calendar_weights(year: int, month: int, channel: Literal["epgu", "mfc"]) -> FloatArray:
    """(D,) relative activity of each day of a month: weekday pattern and non-working days."""
    first, last = month_bounds(year, month)
    weekday = WEEKDAY_EPGU if channel == "epgu" else WEEKDAY_MFC
    holiday = HOLIDAY_EPGU if channel == "epgu" else HOLIDAY_MFC
    values = []
    for i in range(last.day):
        d = first + timedelta(days=i)
        if d in _WORKING_SATURDAYS:
            values.append(weekday[0])
        else:
            values.append(holiday if _is_holiday(d) else weekday[d.weekday()])
    return np.array(values, dtype=np.float64)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a public holiday, or a working Saturday."""
    return day in _WORKING_SATURDAYS or (day.weekday() < 5 and not _is_holiday(day))


def day_weights(
    cal: Calibration, year: int, month: int, channel: Literal["epgu", "mfc"]
) -> FloatArray:
    """(S, D) share of a month's applications per service falling on each day (rows sum to 1)."""
    base = calendar_weights(year, month, channel)
    days = base.shape[0]
    weights = np.tile(base, (cal.n_services, 1))
    if month == 4:
        # 1 April: the enrolment queue opens at 00:00 on ЕПГУ and at opening time in the МФЦ,
        # so the first days take a large part of the month even on a weekend
        rush = np.ones(days)
        rush[:7] = (12.0, 5.0, 3.0, 2.0, 1.6, 1.3, 1.1)
        enrol = np.array([p == "enrolment" for p in cal.profile], dtype=np.bool_)
        weights[enrol] = np.maximum(weights[enrol], 0.5) * rush[None, :]
    return np.asarray(weights / weights.sum(axis=1, keepdims=True), dtype=np.float64)


def hour_weights(channel: Literal["epgu", "mfc"]) -> FloatArray:
    """(24,) share of a day's applications per local hour."""
    w = np.array(HOUR_EPGU if channel == "epgu" else HOUR_MFC, dtype=np.float64)
    return np.asarray(w / w.sum(), dtype=np.float64)


# --- ЕКЦ (contact centre) ----------------------------------------------------------------

EKC_BASE_PER_DAY = 540.0
EKC_MIN_PER_DAY = 410.0
EKC_MAX_PER_DAY = 690.0
EKC_WEEKDAY = (1.12, 1.06, 1.03, 1.0, 0.98, 0.86, 0.80)
EKC_MONTH = (1.08, 1.02, 1.0, 0.97, 0.95, 0.92, 0.90, 0.93, 1.0, 1.05, 1.1, 1.12)
"""Heating season and the year end bring more calls; summer fewer."""
EKC_LINE_122_SHARE = 0.5
EKC_TOPIC_P: dict[int, tuple[float, ...]] = {
    # order = store.EKC_TOPICS
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


def ekc_expected_per_day(days: Sequence[date]) -> FloatArray:
    """Expected ЕКЦ calls per day: 400–700, by weekday and season; not scaled (see generate)."""
    values = np.array(
        [EKC_BASE_PER_DAY * EKC_WEEKDAY[d.weekday()] * EKC_MONTH[d.month - 1] for d in days],
        dtype=np.float64,
    )
    return np.asarray(np.clip(values, EKC_MIN_PER_DAY, EKC_MAX_PER_DAY), dtype=np.float64)


def share_summary(shares: FloatArray, threshold: float) -> dict[str, int]:
    """How many municipalities are at or above / below a threshold share."""
    reached = int(np.sum(shares >= threshold))
    return {"at_or_above": reached, "below": int(shares.shape[0]) - reached}


def log_normal(
    rng: np.random.Generator, median: FloatArray | float, sigma: float, n: int
) -> FloatArray:
    """Log-normal draws with a given median (array-broadcastable)."""
    return np.asarray(np.asarray(median) * np.exp(sigma * rng.standard_normal(n)), dtype=np.float64)


__all__ = [
    "EPGU_COUNTED",
    "MFC_COUNTED",
    "MFC_STATUSES",
    "OTHER_MFC_SERVICES",
    "Calibration",
    "MonthExpectation",
    "calibrate",
    "day_weights",
    "ekc_expected_per_day",
    "expected_month",
    "expected_ytd_online_shares",
    "hour_weights",
    "log_normal",
    "month_bounds",
    "month_index",
    "month_range",
    "parse_month",
    "share_summary",
    "target_online_share",
]
