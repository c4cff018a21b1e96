"""Facts of the source contract (sources.md) shared by the connectors, parsers and simulator."""

from __future__ import annotations

from datetime import date, timedelta, timezone
from zoneinfo import ZoneInfo

IRKUTSK = timezone(timedelta(hours=8), "Asia/Irkutsk")
"""Local time of every source: Asia/Irkutsk has been UTC+8 all year since 2014 (no DST)."""
IRKUTSK_ZONE = ZoneInfo("Asia/Irkutsk")
"""The same zone for pandas timestamps of parsed records."""

EPGU_STATUSES = ("registered", "in_progress", "completed", "refused", "withdrawn", "duplicate")
"""ЕПГУ application statuses (sources.md, section 1)."""

EKC_FIRST_DAY = date(2023, 8, 1)
"""ЕКЦ has exports from this day on: the contact centre opened on 1 August 2023."""
EKC_TOPICS = (
    "local_government",
    "housing_utilities",
    "healthcare",
    "social_support",
    "transport",
    "education",
    "military_contract",
    "psychological_help",
    "other",
)
"""Voice-menu topics of an ЕКЦ call (sources.md, section 4)."""
EKC_OUTCOMES = ("answered_on_spot", "transferred_to_agency", "forwarded_to_omsu", "abandoned")

MONTHS_RU = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)
"""Month names as the municipal form's title writes them («Отчетный период: март 2024»)."""
