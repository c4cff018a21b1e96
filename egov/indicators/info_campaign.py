"""I3 `info_campaign`: the municipalities' information campaign per month, from their forms.

Per owed municipality-month: whether the form was received, leaflet placements per channel
and in total, how many of the five channels carry any, and the publications about getting
МСЗУ online. A month without a form stays null (no report is not zero).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

CAMPAIGN_CHANNELS = (
    "official_site",
    "info_stands",
    "social_networks",
    "messengers",
    "mass_gathering_places",
)
"""The five placement channels of the form (egov.sources.omsu.CHANNELS without publications)."""

INFO_CAMPAIGN_COLUMNS = [
    "month",
    "oktmo",
    "reported",
    "placements_total",
    "channels_covered",
    "publications",
    *CAMPAIGN_CHANNELS,
]
"""Grain: month x municipality."""


def _optional_int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def info_campaign_rows(owed: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows (columns INFO_CAMPAIGN_COLUMNS) from the owed municipality-months with their
    channel placements (sql/snapshots/select_info_campaign.sql)."""
    rows: list[dict[str, Any]] = []
    for r in owed.to_dict("records"):
        reported = bool(r["reported"])
        channels = {c: _optional_int(r[c]) if reported else None for c in CAMPAIGN_CHANNELS}
        present = [v for v in channels.values() if v is not None]
        rows.append(
            {
                "month": r["month"],
                "oktmo": str(r["oktmo"]),
                "reported": reported,
                "placements_total": sum(present) if reported else None,
                "channels_covered": sum(1 for v in present if v > 0) if reported else None,
                "publications": _optional_int(r["publications"]) if reported else None,
                **channels,
            }
        )
    return rows
