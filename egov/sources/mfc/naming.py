"""МФЦ export file names `mfc_YYYYMMDD.csv`: the day a file is about, and the inbox scan."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from egov.sources.inbox import InboxNameError, InboxScan, scan_inbox

# [0-9], not \d: \d also matches other scripts' digits, which int() would happily accept.
MFC_NAME = re.compile(r"mfc_(?P<day>[0-9]{8})\.csv")


def parse_mfc_name(name: str) -> date:
    """Day of an МФЦ export from its name `mfc_YYYYMMDD.csv`; InboxNameError otherwise."""
    match = MFC_NAME.fullmatch(name)
    if match is None:
        raise InboxNameError(f"name does not match mfc_YYYYMMDD.csv: {name!r}")
    day = match["day"]
    try:
        return date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        raise InboxNameError(f"{day} in {name!r} is not a calendar date") from None


def scan_mfc_inbox(folder: Path) -> InboxScan:
    """МФЦ daily exports `mfc_YYYYMMDD.csv` of an inbox, keyed by day."""
    return scan_inbox(folder, "mfc", parse_mfc_name)
