"""Municipal form tables as rows of core.fact_omsu_service_figures and core.fact_omsu_campaign."""

from __future__ import annotations

import numpy as np
import pandas as pd

APPLICATIONS_TABLE = "fact_omsu_service_figures"
APPLICATIONS_COLUMNS = (
    "oktmo",
    "report_month",
    "service_code",
    "total_count",
    "via_epgu_count",
    "via_mfc_count",
    "in_person_count",
    "by_post_count",
    "source_row",
)
CAMPAIGN_TABLE = "fact_omsu_campaign"
CAMPAIGN_COLUMNS = ("oktmo", "report_month", "channel", "placements", "note", "source_row")


def conform_applications(frame: pd.DataFrame) -> pd.DataFrame:
    """Service rows (stacked, with lineage) in the core table's columns, row for row."""
    return pd.DataFrame(
        {
            "oktmo": frame["oktmo"],
            "report_month": frame["period_start"].dt.date,
            "service_code": frame["service_code"],
            "total_count": frame["total"],
            "via_epgu_count": frame["via_epgu"],
            "via_mfc_count": frame["via_mfc"],
            "in_person_count": frame["in_person"],
            "by_post_count": frame["by_post"],
        }
    )


def conform_campaign(frame: pd.DataFrame) -> pd.DataFrame:
    """Campaign rows (stacked, with lineage) in the core table's columns, row for row."""
    return pd.DataFrame(
        {
            "oktmo": frame["oktmo"],
            "report_month": frame["period_start"].dt.date,
            "channel": frame["channel"],
            "placements": frame["placements"],
            "note": frame["note"].replace("", np.nan) if "note" in frame else np.nan,
        }
    )
