"""Plain, JSON-ready values from pandas and numpy (for hashes, artifacts and the report)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd


def plain_value(value: Any) -> Any:
    """None for NaN/NaT/None, ISO text for dates, Python scalars for numpy ones."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return plain_value(value.item())
    if isinstance(value, float) and value != value:
        return None
    return value


def plain_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as dicts of plain values (integers stay integers next to nulls)."""
    return [
        {str(k): plain_value(v) for k, v in row.items()}
        for row in frame.astype(object).to_dict("records")
    ]
