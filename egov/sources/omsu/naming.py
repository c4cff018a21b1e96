"""ОМСУ workbook names `omsu_<OKTMO>_<YYYY-MM>.xlsx`: municipality and month, and the scan."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from egov.sources.inbox import InboxNameError, InboxScan, MunicipalityMonth, scan_inbox

# [0-9], not \d: \d also matches other scripts' digits, which int() would happily accept.
OMSU_NAME = re.compile(r"omsu_(?P<oktmo>[0-9]{8})_(?P<year>[0-9]{4})-(?P<month>[0-9]{2})\.xlsx")


def parse_omsu_name(name: str) -> MunicipalityMonth:
    """Municipality and month of an ОМСУ workbook from `omsu_<OKTMO>_<YYYY-MM>.xlsx`."""
    match = OMSU_NAME.fullmatch(name)
    if match is None:
        raise InboxNameError(f"name does not match omsu_<8-digit OKTMO>_<YYYY-MM>.xlsx: {name!r}")
    year, month = int(match["year"]), int(match["month"])
    # Year 0000 matches the pattern but is no calendar year (date() would raise ValueError).
    if not 1 <= month <= 12 or year < 1:
        raise InboxNameError(f"{match['year']}-{match['month']} in {name!r} is not a month")
    return MunicipalityMonth(match["oktmo"], date(year, month, 1))


def scan_omsu_inbox(folder: Path) -> InboxScan:
    """ОМСУ monthly workbooks of an inbox, keyed by (oktmo, month)."""
    return scan_inbox(folder, "omsu", parse_omsu_name)
