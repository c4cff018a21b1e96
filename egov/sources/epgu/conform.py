"""ЕПГУ applications as rows of core.fact_epgu_application."""

from __future__ import annotations

import pandas as pd

from egov.sources.frames import local_day, month_start_of

CORE_TABLE = "fact_epgu_application"
CORE_COLUMNS = (
    "application_id",
    "service_code",
    "oktmo",
    "submitted_at",
    "submitted_month",
    "updated_at",
    "status",
    "requires_visit",
    "delivery_id",
    "source_row",
)
"""Columns of the core table the gate fills (the loader adds load_batch_id)."""


def conform_applications(frame: pd.DataFrame) -> pd.DataFrame:
    """Parsed page items (stacked, with lineage) in the core table's columns, row for row."""
    return pd.DataFrame(
        {
            "application_id": frame["application_id"],
            "service_code": frame["service_code"],
            "oktmo": frame["target_oktmo"],
            "submitted_at": frame["submitted_at"],
            "submitted_month": month_start_of(local_day(frame["submitted_at"])),
            "updated_at": frame["updated_at"],
            "status": frame["status"],
            "requires_visit": frame["requires_visit"].astype(bool),
            "delivery_id": frame["delivery_id"],
        }
    )
