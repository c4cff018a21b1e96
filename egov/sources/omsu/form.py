"""What the municipal form looks like (sheets, columns, channels, limits), how texts compare."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

SOURCE = "omsu"
APPLICATIONS_SHEET = "Обращения"
CAMPAIGN_SHEET = "Информирование"

MAX_ROWS = 2000
MAX_COLUMNS = 50
"""A report form has 42-ish service rows and 8 columns; content beyond this is not a form."""
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
"""Guards against a zip bomb before openpyxl expands the sheets in memory."""
MAX_COUNT = 2**31 - 1
"""Counts are PostgreSQL `integer` in the warehouse: a larger figure would fail the load."""
TITLE_ROWS = 15
HEADER_SEARCH_ROWS = 30
EXAMPLES = 5


APPLICATION_COLUMNS: dict[str, str] = {
    "number": "№ п/п",
    "service_code": "Код услуги (ФРГУ)",
    "service_name": "Наименование услуги",
    "total": "Всего обращений",
    "via_epgu": "в т.ч. через ЕПГУ",
    "via_mfc": "через МФЦ",
    "in_person": "лично в ОМСУ",
    "by_post": "почтой / эл. почтой",
}
"""Record field -> header text of the contract (sheet «Обращения»)."""
COUNT_FIELDS = ("total", "via_epgu", "via_mfc", "in_person", "by_post")
PART_FIELDS = COUNT_FIELDS[1:]
OPTIONAL_APPLICATION_FIELDS = frozenset({"number"})

CAMPAIGN_COLUMNS: dict[str, str] = {
    "channel": "Канал размещения",
    "placements": "Количество размещений",
    "note": "Примечание",
}
"""Record field -> header text of the contract (sheet «Информирование»)."""
OPTIONAL_CAMPAIGN_FIELDS = frozenset({"note"})

CHANNELS: dict[str, str] = {
    "официальный сайт": "official_site",
    "информационные стенды": "info_stands",
    "социальные сети": "social_networks",
    "мессенджеры": "messengers",
    "места массового пребывания": "mass_gathering_places",
    "Публикации о получении МСЗУ в электронном виде": "publications",
}
"""Channel text of the contract -> normalised channel key."""


SPACES = re.compile(r"\s+")
_SPELLED_OUT = re.compile(r"в\s+том\s+числе")

Grid = dict[tuple[int, int], Any]


def fold(text: str) -> str:
    """Comparison form of free text: whitespace collapsed, case and ё folded."""
    return SPACES.sub(" ", text).strip().casefold().replace("ё", "е")


def header_key(text: str) -> str:
    """Comparison form of a header cell: letters and digits only, «в том числе» as «втч».

    Dropping punctuation and spaces makes «почтой/эл.почтой» equal «почтой / эл. почтой»;
    the group prefix «в т.ч.» is dropped so «в т.ч. через МФЦ» matches «через МФЦ».
    """
    folded = _SPELLED_OUT.sub("в т.ч.", fold(text))
    key = "".join(ch for ch in folded if ch.isalnum() or ch == "№")
    return key[3:] if key.startswith("втч") and len(key) > 3 else key


APPLICATION_KEYS = {header_key(text): name for name, text in APPLICATION_COLUMNS.items()} | {
    "№": "number",
    "n": "number",
    "nпп": "number",
}
CAMPAIGN_KEYS = {header_key(text): name for name, text in CAMPAIGN_COLUMNS.items()}
CHANNEL_KEYS = {header_key(text): key for text, key in CHANNELS.items()}


def is_blank(value: Any) -> bool:
    """An empty cell, or one with only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """Text of a cell as a person reads it (15.0 -> '15')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def column_letter(column: int) -> str:
    """Excel column letters of a 1-based column number (27 -> 'AA')."""
    letters = ""
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def rows_text(rows: Sequence[int]) -> str:
    """'rows 3, 5, 9, 12, 14 (and 12 more)' for a message."""
    shown = ", ".join(str(r) for r in rows[:EXAMPLES])
    more = len(rows) - EXAMPLES
    return (
        ("row " if len(rows) == 1 else "rows ")
        + shown
        + (f" (and {more} more)" if more > 0 else "")
    )
