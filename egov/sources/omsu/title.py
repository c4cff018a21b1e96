"""The form's title block: municipality, OKTMO and period found by their labels, checked."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from egov.sources.inbox import MunicipalityMonth
from egov.sources.omsu.form import SPACES, TITLE_ROWS, fold
from egov.sources.omsu.grid import Sheet
from egov.sources.records import FindingCollector

DIGITS = re.compile(r"[0-9]+")
MONTHS: dict[str, int] = {
    name: number
    for number, forms in enumerate(
        [
            ("январь", "января"),
            ("февраль", "февраля"),
            ("март", "марта"),
            ("апрель", "апреля"),
            ("май", "мая"),
            ("июнь", "июня"),
            ("июль", "июля"),
            ("август", "августа"),
            ("сентябрь", "сентября"),
            ("октябрь", "октября"),
            ("ноябрь", "ноября"),
            ("декабрь", "декабря"),
        ],
        start=1,
    )
    for name in forms
}


_MUNICIPALITY = re.compile(
    r"муниципальное\s+образование\s*:?\s*(?P<v>\S.*?)(?=\s+(?:октмо|отчетный\s+период)\b|$)",
    re.IGNORECASE,
)
_OKTMO = re.compile(r"октмо\s*:?\s*(?P<v>[0-9][0-9\s]*)", re.IGNORECASE)
_PERIOD = re.compile(r"отчетный\s+период\s*:?\s*(?P<v>\S.*)", re.IGNORECASE)
_PERIOD_WORDS = re.compile(r"(?P<month>[а-я]+)\s+(?P<year>[0-9]{4})", re.IGNORECASE)
_PERIOD_NUMBERS = re.compile(
    r"(?P<month>[0-9]{1,2})[./](?P<year>[0-9]{4})|(?P<y>[0-9]{4})-(?P<m>[0-9]{2})"
)


@dataclass
class Title:
    """What the title block says, as read, and the rows it says it on."""

    municipality: str | None = None
    oktmo: str | None = None
    oktmo_raw: str | None = None
    period: date | None = None
    period_raw: str | None = None
    rows: dict[str, int] = field(default_factory=dict)


def parse_period(text: str) -> date | None:
    """The month a title's period names, or None when it names none a calendar holds."""
    folded = fold(text)
    words = _PERIOD_WORDS.search(folded)
    if words is not None and words["month"] in MONTHS:
        # Year 0000 has four digits but no date: unreadable, like a month 13.
        year = int(words["year"])
        return date(year, MONTHS[words["month"]], 1) if year >= 1 else None
    numbers = _PERIOD_NUMBERS.search(folded)
    if numbers is not None:
        month = int(numbers["month"] or numbers["m"])
        year = int(numbers["year"] or numbers["y"])
        if 1 <= month <= 12 and year >= 1:
            return date(year, month, 1)
    return None


def read_title(sheet: Sheet, header_row: int) -> Title:
    """Title-block values found by their label anywhere in the rows above the header."""
    title = Title()
    for row in range(1, min(header_row, TITLE_ROWS + 1)):
        # Cells are joined so a label and its value may sit in one cell or in neighbours.
        line = SPACES.sub(" ", " ".join(t for t in sheet.row_texts(row, filled=False) if t))
        matchable = line.replace("ё", "е").replace("Ё", "Е")  # same length: spans stay valid
        if title.municipality is None and (found := _MUNICIPALITY.search(matchable)):
            title.municipality = line[found.start("v") : found.end("v")].strip()
            title.rows["municipality"] = row
        if title.oktmo_raw is None and (found := _OKTMO.search(matchable)):
            title.oktmo_raw = found["v"].strip()
            compact = "".join(title.oktmo_raw.split())
            if DIGITS.fullmatch(compact) and len(compact) in (8, 11):
                title.oktmo = compact[:8]
            title.rows["oktmo"] = row
        if title.period_raw is None and (found := _PERIOD.search(matchable)):
            title.period_raw = found["v"].strip()
            title.period = parse_period(title.period_raw)
            title.rows["period"] = row
    return title


def check_title(title: Title, key: MunicipalityMonth, findings: FindingCollector) -> None:
    """Findings where the title block is missing a line or disagrees with the file name."""
    if title.municipality is None:
        findings.add(
            "municipality_missing_in_sheet", "no «Муниципальное образование:» line", "info"
        )
    if title.oktmo_raw is None:
        findings.add("oktmo_missing_in_sheet", "no «ОКТМО:» line in the title block")
    elif title.oktmo is None:
        findings.add(
            "oktmo_unreadable_in_sheet",
            f"«ОКТМО: {title.oktmo_raw}» is not an 8-digit OKTMO",
            row=title.rows["oktmo"],
        )
    elif title.oktmo != key.oktmo:
        findings.add(
            "oktmo_name_mismatch",
            f"file name says OKTMO {key.oktmo}, the sheet says {title.oktmo}: "
            "cannot tell which municipality the figures belong to",
            "blocking",
            row=title.rows["oktmo"],
        )
    if title.period_raw is None:
        findings.add("period_missing_in_sheet", "no «Отчетный период:» line in the title block")
    elif title.period is None:
        findings.add(
            "period_unreadable_in_sheet",
            f"«Отчетный период: {title.period_raw}» is not a month and year",
            row=title.rows["period"],
        )
    elif title.period != key.month:
        findings.add(
            "period_name_mismatch",
            f"file name says {key.month:%Y-%m}, the sheet says {title.period:%Y-%m}: "
            "cannot tell which month the figures belong to",
            "blocking",
            row=title.rows["period"],
        )
