"""World parameters: demand per service, seasons, final-status shares and the МФЦ's other services.

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
