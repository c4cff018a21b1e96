"""МФЦ export rows as rows of core.fact_mfc_application."""

from __future__ import annotations

import pandas as pd

from egov.sources.frames import local_day, month_start_of

CORE_TABLE = "fact_mfc_application"
CORE_COLUMNS = (
    "export_day",
    "case_id",
    "accepted_at",
    "accepted_month",
    "service_code",
    "oktmo",
    "office",
    "status",
    "source_row",
)
"""Columns of the core table the gate fills (the loader adds load_batch_id)."""


def add_accepted_date(frame: pd.DataFrame) -> pd.DataFrame:
    """The local day of acceptance, which the source suite compares with the export's day."""
    frame["accepted_date"] = local_day(frame["accepted_at"])
    return frame


def conform_applications(frame: pd.DataFrame) -> pd.DataFrame:
    """Parsed export rows (stacked, with lineage) in the core table's columns, row for row."""
    return pd.DataFrame(
        {
            "export_day": frame["period_start"].dt.date,
            "case_id": frame["case_id"],
            "accepted_at": frame["accepted_at"],
            "accepted_month": month_start_of(frame["accepted_date"]),
            "service_code": frame["service_code"],
            "oktmo": frame["oktmo"],
            "office": frame["office"],
            "status": frame["status"],
        }
    )
