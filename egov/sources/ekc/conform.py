"""ЕКЦ calls as rows of core.fact_ekc_call."""

from __future__ import annotations

import pandas as pd

from egov.sources.frames import local_day

CORE_TABLE = "fact_ekc_call"
CORE_COLUMNS = (
    "call_id",
    "call_date",
    "started_at",
    "line",
    "topic",
    "caller_oktmo",
    "is_answered",
    "wait_sec",
    "talk_sec",
    "outcome",
    "source_row",
)
"""Columns of the core table the gate fills (the loader adds load_batch_id)."""


def add_started_date(frame: pd.DataFrame) -> pd.DataFrame:
    """The local day a call started, which the source suite compares with the export's day."""
    frame["started_date"] = local_day(frame["started_at"])
    return frame


def conform_calls(frame: pd.DataFrame) -> pd.DataFrame:
    """Parsed calls (stacked, with lineage) in the core table's columns, row for row."""
    return pd.DataFrame(
        {
            "call_id": frame["call_id"],
            "call_date": frame["started_date"].dt.date,
            "started_at": frame["started_at"],
            "line": frame["line"].astype(str),
            "topic": frame["ivr_topic"],
            "caller_oktmo": frame["caller_oktmo"],
            "is_answered": frame["answered"].astype(bool),
            "wait_sec": frame["wait_sec"],
            "talk_sec": frame["talk_sec"],
            "outcome": frame["outcome"],
        }
    )
