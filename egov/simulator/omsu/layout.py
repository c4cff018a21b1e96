"""The municipal monthly workbook `omsu_<OKTMO>_<YYYY-MM>.xlsx` (sources.md §3): texts and report.

Clean layout of sheet «Обращения»: a title block of 3–6 rows (the variant is the
municipality's own template), the header row, one row per municipal service, a row `Итого`
(in column A) that equals the sum of the service rows as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from egov.calendar import next_month

SOURCE = "omsu"
SHEET_APPLICATIONS = "Обращения"
SHEET_INFORMING = "Информирование"
TITLE = "Отчет о количестве обращений за получением МСЗУ"
HEADER = (
    "№ п/п",
    "Код услуги (ФРГУ)",
    "Наименование услуги",
    "Всего обращений",
    "в т.ч. через ЕПГУ",
    "через МФЦ",
    "лично в ОМСУ",
    "почтой / эл. почтой",
)
INFORMING_HEADER = ("Канал размещения", "Количество размещений", "Примечание")
INFORMING_CHANNELS = (
    "официальный сайт",
    "информационные стенды",
    "социальные сети",
    "мессенджеры",
    "места массового пребывания",
)
PUBLICATIONS = "Публикации о получении МСЗУ в электронном виде"
TOTAL = "Итого"
TITLE_VARIANTS = (3, 4, 5, 6)
OKTMO_TITLE_ROW = {3: 2, 4: 3, 5: 3, 6: 4}
"""Sheet row of «ОКТМО: …» per title variant."""
DEFECT_KINDS = (
    "merged_header",
    "header_text_variant",
    "numbers_as_text",
    "blank_rows",
    "empty_cell",
    "total_mismatch",
    "parts_mismatch",
    "oktmo_mismatch",
    "sheet_order",
)
HEADER_VARIANTS: dict[int, tuple[str, ...]] = {
    0: ("№\nп/п", "№ П/П", "№п/п"),
    1: ("Код услуги\n(ФРГУ)", "КОД УСЛУГИ (ФРГУ)", "код услуги (ФРГУ)"),
    2: ("Наименование\nуслуги", "НАИМЕНОВАНИЕ УСЛУГИ"),
    3: ("ВСЕГО ОБРАЩЕНИЙ", "Всего\nобращений", "всего обращений"),
    4: (
        "в том числе через ЕПГУ",
        "в т.ч.\nчерез ЕПГУ",
        "В т.ч. через ЕПГУ",
        "в том числе\nчерез ЕПГУ",
    ),
    5: ("Через МФЦ", "через\nМФЦ", "ЧЕРЕЗ МФЦ"),
    6: ("Лично в ОМСУ", "лично\nв ОМСУ"),
    7: ("Почтой / эл. почтой", "почтой /\nэл. почтой", "ПОЧТОЙ / ЭЛ. ПОЧТОЙ"),
}
NBSP = "\u00a0"
COLUMN_WIDTHS = (7, 22, 60, 12, 12, 12, 12, 12)


@dataclass(frozen=True)
class OmsuReport:
    """What one municipality reports for one month (true figures, before any defect)."""

    oktmo: str
    name: str
    year: int
    month: int
    title_rows: int
    services: tuple[tuple[str, str], ...]
    """(code, name) of the municipal services, in the order of the regional list."""
    epgu: tuple[int, ...]
    mfc: tuple[int, ...]
    in_person: tuple[int, ...]
    post: tuple[int, ...]
    placements: tuple[tuple[int, str], ...]
    """(count, note) per channel of INFORMING_CHANNELS."""
    publications: int
    neighbour_oktmo: str
    """Another municipality's code: what a copied template shows in `oktmo_mismatch`."""

    @property
    def file_name(self) -> str:
        """The delivered file's name."""
        return file_name(self.oktmo, self.year, self.month)


def file_name(oktmo: str, year: int, month: int) -> str:
    """omsu_<OKTMO>_<YYYY-MM>.xlsx."""
    return f"omsu_{oktmo}_{year:04d}-{month:02d}.xlsx"


def document_time(year: int, month: int) -> datetime:
    """The fixed creation time of a report: 09:00 on the 5th of the following month."""
    return datetime.combine(next_month(date(year, month, 1)).replace(day=5), time(9, 0, 0))
