"""What the indicator tests' March world is (see conftest.py)."""

from __future__ import annotations

from datetime import date, datetime

from egov.sources.contract import IRKUTSK

MARCH = date(2024, 3, 1)
EPGU_FROM = datetime(2024, 3, 1, tzinfo=IRKUTSK)
EPGU_UNTIL = datetime(2024, 4, 10, tzinfo=IRKUTSK)
"""Past the month's end, so late status changes of March applications are in the facts."""
SERVER_NOW = datetime(2024, 12, 31, tzinfo=IRKUTSK)
MISSING_FORM = "25703000"
"""Its March workbook is taken out of the inbox: the municipality has no form that month."""
