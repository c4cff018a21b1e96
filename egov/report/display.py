"""Display formatting for the report: Russian number style, dates, status labels and colours.

Numbers follow Russian typography: decimal comma, one decimal for percentages and a non-breaking
space before the percent sign and between thousands (``40,8 %``, ``123 456``); a missing value
(None) is shown as an em dash «—». Negative values use the minus sign «−», not a hyphen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from egov.sources.contract import MONTHS_RU

NBSP = "\u00a0"
DASH = "—"
MINUS = "\u2212"


@dataclass(frozen=True)
class Status:
    """How one milestone status is shown: Russian label, English hint, colours."""

    key: str | None
    label: str
    hint: str
    colour: str
    text_colour: str


STATUSES: dict[str | None, Status] = {
    s.key: s
    for s in (
        Status("achieved", "достигнуто", "achieved", "#1e7b34", "#ffffff"),
        Status("on_track", "в графике", "on track", "#0f766e", "#ffffff"),
        Status("at_risk", "под угрозой", "at risk", "#f2a900", "#1f1f1f"),
        Status("off_track", "отставание", "off track", "#d32f2f", "#ffffff"),
        Status("deteriorating", "ухудшение", "deteriorating", "#7f1d1d", "#ffffff"),
        Status("insufficient_data", "мало данных", "insufficient data", "#8a8f98", "#ffffff"),
        Status(None, "нет цели", "no target", "#d9dce1", "#1f1f1f"),
    )
}
STATUS_ORDER = (
    "achieved",
    "on_track",
    "at_risk",
    "off_track",
    "deteriorating",
    "insufficient_data",
)

PROJECTION_NOTES = {
    "reached": "цель уже достигнута",
    "beyond_horizon": "не в пределах горизонта",
    "no_upward_trend": "нет роста",
    "no_trend": "тренд не определён",
}

EKC_TOPICS = {
    "local_government": "местное самоуправление",
    "housing_utilities": "ЖКХ",
    "healthcare": "здравоохранение",
    "social_support": "социальная поддержка",
    "transport": "транспорт",
    "education": "образование",
    "military_contract": "военная служба по контракту",
    "psychological_help": "психологическая помощь",
    "other": "прочее",
}

MONTHS_SHORT_RU = (
    "янв",
    "фев",
    "мар",
    "апр",
    "май",
    "июн",
    "июл",
    "авг",
    "сен",
    "окт",
    "ноя",
    "дек",
)


def status(key: object) -> Status:
    """The display of a status key; an unknown key is shown as itself in grey."""
    if key is None or (isinstance(key, str) and key in STATUSES):
        return STATUSES[key]
    return Status(str(key), str(key), str(key), "#8a8f98", "#ffffff")


def _number(value: float, decimals: int) -> str:
    """Russian-style number: thousands grouped by NBSP, decimal comma, true minus sign."""
    text = f"{abs(value):,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    return (MINUS + text) if round(value, decimals) < 0 else text


def num(value: object, decimals: int = 0) -> str:
    """A number with the given decimals, or «—»."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return DASH
    return _number(float(value), decimals)


def pct(value: object) -> str:
    """A percentage with one decimal: ``40,8 %``."""
    text = num(value, 1)
    return text if text == DASH else f"{text}{NBSP}%"


def signed(value: object, decimals: int = 1) -> str:
    """A number with an explicit sign (+ or −); zero has none."""
    text = num(value, decimals)
    if text == DASH or text.startswith(MINUS) or not text.strip("0,"):
        return text
    return "+" + text


def pp(value: object) -> str:
    """A signed difference in percentage points: ``−1,1 п.п.``."""
    text = signed(value)
    return text if text == DASH else f"{text}{NBSP}п.п."


def pace(value: object) -> str:
    """A pace in percentage points per month: ``+0,4 п.п./мес``."""
    text = signed(value)
    return text if text == DASH else f"{text}{NBSP}п.п./мес"


def seconds(value: object) -> str:
    """A duration: ``30 с`` or ``3 мин 01 с``."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return DASH
    total = round(float(value))
    if total < 60:
        return f"{total}{NBSP}с"
    return f"{total // 60}{NBSP}мин {total % 60:02d}{NBSP}с"


def parse_date(value: object) -> date | None:
    """An ISO date string (or date) as a date; anything else as None."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def day(value: object) -> str:
    """An ISO date as ``31.12.2024``; unparseable text is shown as given."""
    parsed = parse_date(value)
    if parsed is not None:
        return parsed.strftime("%d.%m.%Y")
    return DASH if value is None else str(value)


def month(value: object) -> str:
    """A ``YYYY-MM`` month as ``январь 2024``."""
    if isinstance(value, str) and len(value) >= 7 and value[4] == "-" and value[5:7].isdigit():
        number = int(value[5:7])
        if 1 <= number <= 12:
            return f"{MONTHS_RU[number - 1]} {value[:4]}"
    return DASH if value is None else str(value)


def projection(row: Mapping[str, Any]) -> str:
    """When the trend reaches the next target: the date, or the engine's note in words."""
    if row.get("projected_date"):
        return day(row["projected_date"])
    note = row.get("projection_note")
    if note is None:
        return DASH
    return PROJECTION_NOTES.get(str(note), str(note))


def rank_change(value: object) -> tuple[str, str]:
    """Arrow text and CSS class for a rank change; positive means moved up the table."""
    if not isinstance(value, int) or isinstance(value, bool):
        return DASH, "rank-none"
    if value > 0:
        return f"▲{NBSP}{value}", "rank-up"
    if value < 0:
        return f"▼{NBSP}{-value}", "rank-down"
    return "=", "rank-same"


def topic(value: object) -> str:
    """An ЕКЦ voice-menu topic in Russian; an unknown code is shown as given."""
    return EKC_TOPICS.get(str(value), DASH if value is None else str(value))
