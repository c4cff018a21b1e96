"""Reading single cells of the form: counts, service codes, and a row reject naming its cell."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from egov.sources.omsu.form import MAX_COUNT, SOURCE, cell_text, column_letter, is_blank
from egov.sources.records import RowReject

# "10,0" / "10.00" are whole numbers; "1,000" / "1.000" are ambiguous (thousands separator or
# decimal?) and are rejected rather than read as 1.
_INTEGRAL = re.compile(r"(?P<int>[0-9]+)(?:[.,]0{1,2})?")
_SIGNED_NUMBER = re.compile(r"[-−–]?[0-9]+(?:[.,][0-9]+)?")
SERVICE_CODE = re.compile(r"[0-9]{19}")


def _at_most_max(number: int, was_text: bool) -> tuple[int | None, str | None, bool]:
    if number > MAX_COUNT:
        return None, f"{number} is too large for a count (over {MAX_COUNT})", was_text
    return number, None, was_text


def parse_count(value: Any) -> tuple[int | None, str | None, bool]:
    """(number, error, was text) of a count cell; an empty cell is (None, None, False)."""
    if is_blank(value):
        return None, None, False
    if isinstance(value, bool | datetime | date):
        return None, f"{cell_text(value)!r} is not a number", False
    if isinstance(value, int):
        return (None, f"{value} is negative", False) if value < 0 else _at_most_max(value, False)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None, f"{value} is not a whole number", False
        if value < 0:
            return None, f"{cell_text(value)} is negative", False
        return _at_most_max(int(value), False)
    text = str(value).strip()
    compact = "".join(text.split())  # str.split() also splits at non-breaking spaces
    integral = _INTEGRAL.fullmatch(compact)
    if integral is not None:
        return _at_most_max(int(integral["int"]), True)
    if _SIGNED_NUMBER.fullmatch(compact):
        if compact[0] in "-−–":
            return None, f"{text!r} is negative", True
        return None, f"{text!r} is not a whole number", True
    return None, f"{text!r} is not a number", True


def parse_service_code(value: Any) -> tuple[str | None, str | None, bool]:
    """(code, error, was a number) of a service-code cell."""
    if is_blank(value):
        return None, "value is empty", False
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        if SERVICE_CODE.fullmatch(text):
            return text, None, True
        return None, f"{text!r} is not a 19-digit service code", True
    if isinstance(value, float):
        return None, f"{value!r} is stored as a number and has lost digits (must be text)", True
    text = str(value).strip()
    if SERVICE_CODE.fullmatch(text):
        return text, None, False
    return None, f"{text!r} is not a 19-digit service code", False


def reject(
    name: str,
    row: int,
    positions: Mapping[str, int],
    columns: Mapping[str, str],
    problems: list[tuple[str, Any, str]],
) -> RowReject:
    """A row reject naming the first failing cell and listing the other failing columns."""
    first, value, reason = problems[0]
    reason += f" (cell {column_letter(positions[first])}{row})"
    if len(problems) > 1:
        reason += "; also invalid: " + ", ".join(columns[p[0]] for p in problems[1:])
    return RowReject(
        SOURCE, name, row, columns[first], None if value is None else str(value), reason
    )
