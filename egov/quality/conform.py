"""Parsed records of many batches as one frame, and the same rows conformed to core fact tables.

Pure functions on DataFrames. `source_frame` stacks the records of every part of every batch
with their lineage (`batch_no`, `delivery_id`, `source_file`, `source_row`) and the columns the
source suite compares against the delivery (its period or API window); `conform_records` maps
that frame, row for row, to the columns of the core fact table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from egov.sources.contract import IRKUTSK_ZONE

if TYPE_CHECKING:
    from egov.quality.gate import BatchInput

SOURCE_DATASETS: dict[str, tuple[str, ...]] = {
    "epgu": ("applications",),
    "mfc": ("applications",),
    "omsu": ("applications", "campaign"),
    "ekc": ("calls",),
}
"""The tables each source's batches carry; the first one's source suite holds the batch rules."""

CORE_TABLES: dict[tuple[str, str], str] = {
    ("epgu", "applications"): "fact_epgu_application",
    ("mfc", "applications"): "fact_mfc_application",
    ("omsu", "applications"): "fact_omsu_service_figures",
    ("omsu", "campaign"): "fact_omsu_campaign",
    ("ekc", "calls"): "fact_ekc_call",
}

CORE_COLUMNS: dict[tuple[str, str], tuple[str, ...]] = {
    ("epgu", "applications"): (
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
    ),
    ("mfc", "applications"): (
        "export_day",
        "case_id",
        "accepted_at",
        "accepted_month",
        "service_code",
        "oktmo",
        "office",
        "status",
        "source_row",
    ),
    ("omsu", "applications"): (
        "oktmo",
        "report_month",
        "service_code",
        "total_count",
        "via_epgu_count",
        "via_mfc_count",
        "in_person_count",
        "by_post_count",
        "source_row",
    ),
    ("omsu", "campaign"): (
        "oktmo",
        "report_month",
        "channel",
        "placements",
        "note",
        "source_row",
    ),
    ("ekc", "calls"): (
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
    ),
}
"""Columns of each core fact table that the gate fills (the loader adds load_batch_id)."""


def _local_day(stamps: pd.Series) -> pd.Series:
    """Local calendar day of tz-aware timestamps, as naive midnight (comparable with periods)."""
    local: pd.Series = stamps.dt.tz_convert(IRKUTSK_ZONE).dt.tz_localize(None).dt.normalize()
    return local


def _month_start(days: pd.Series) -> pd.Series:
    months: pd.Series = days.dt.to_period("M").dt.start_time.dt.date
    return months


def source_frame(source: str, dataset: str, batches: Sequence[BatchInput]) -> pd.DataFrame:
    """Records of `dataset` from every batch, stacked with lineage and period columns."""
    pieces: list[pd.DataFrame] = []
    lineage: dict[str, list[Any]] = {
        "batch_no": [],
        "delivery_id": [],
        "source_file": [],
        "period_start": [],
        "period_end": [],
        "window_start": [],
        "window_end": [],
        "oktmo": [],
    }
    for batch_no, batch in enumerate(batches):
        for part in batch.parts:
            if part.dataset != dataset or part.parsed.records.empty:
                continue
            pieces.append(part.parsed.records)
            lineage["batch_no"].append(batch_no)
            lineage["delivery_id"].append(part.delivery_id)
            lineage["source_file"].append(part.parsed.file)
            lineage["period_start"].append(pd.Timestamp(batch.period_start))
            lineage["period_end"].append(pd.Timestamp(batch.period_end))
            window = batch.window
            lineage["window_start"].append(
                None if window is None else pd.Timestamp(window[0]).tz_convert(IRKUTSK_ZONE)
            )
            lineage["window_end"].append(
                None if window is None else pd.Timestamp(window[1]).tz_convert(IRKUTSK_ZONE)
            )
            lineage["oktmo"].append(batch.oktmo)
    if not pieces:
        return pd.DataFrame(
            {c: pd.Series([], dtype="object") for c in ("batch_no", "source_file", "source_row")}
        ).astype({"batch_no": "int64", "source_row": "int64"})
    # One concat, then each lineage value repeated over its piece's rows: copying every piece
    # to add columns one by one cost more than the concat itself.
    frame = pd.concat(pieces, ignore_index=True)
    rows_of_piece = np.repeat(np.arange(len(pieces)), [len(p) for p in pieces])
    if all(w is None for w in lineage["window_start"]):
        del lineage["window_start"], lineage["window_end"]
    if source != "omsu":
        del lineage["oktmo"]
    for column, values in lineage.items():
        frame[column] = pd.Series(values).take(rows_of_piece).reset_index(drop=True)
    if source == "mfc":
        frame["accepted_date"] = _local_day(frame["accepted_at"])
    elif source == "ekc":
        frame["started_date"] = _local_day(frame["started_at"])
    return frame


def conform_records(source: str, dataset: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame's rows (same positions) in the columns of the dataset's core fact table."""
    columns = CORE_COLUMNS[(source, dataset)]
    if frame.empty:
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in columns})
    if (source, dataset) == ("epgu", "applications"):
        core = pd.DataFrame(
            {
                "application_id": frame["application_id"],
                "service_code": frame["service_code"],
                "oktmo": frame["target_oktmo"],
                "submitted_at": frame["submitted_at"],
                "submitted_month": _month_start(_local_day(frame["submitted_at"])),
                "updated_at": frame["updated_at"],
                "status": frame["status"],
                "requires_visit": frame["requires_visit"].astype(bool),
                "delivery_id": frame["delivery_id"],
            }
        )
    elif source == "mfc":
        core = pd.DataFrame(
            {
                "export_day": frame["period_start"].dt.date,
                "case_id": frame["case_id"],
                "accepted_at": frame["accepted_at"],
                "accepted_month": _month_start(frame["accepted_date"]),
                "service_code": frame["service_code"],
                "oktmo": frame["oktmo"],
                "office": frame["office"],
                "status": frame["status"],
            }
        )
    elif (source, dataset) == ("omsu", "applications"):
        core = pd.DataFrame(
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
    elif (source, dataset) == ("omsu", "campaign"):
        core = pd.DataFrame(
            {
                "oktmo": frame["oktmo"],
                "report_month": frame["period_start"].dt.date,
                "channel": frame["channel"],
                "placements": frame["placements"],
                "note": frame["note"].replace("", np.nan) if "note" in frame else np.nan,
            }
        )
    else:
        core = pd.DataFrame(
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
    core["source_row"] = frame["source_row"].to_numpy(dtype=np.int64)
    core["batch_no"] = frame["batch_no"].to_numpy(dtype=np.int64)
    return core
