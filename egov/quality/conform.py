"""Parsed records of many batches as one frame, and the same rows conformed to core fact tables.

Pure functions on DataFrames. `source_frame` stacks the records of every part of every batch
with their lineage (`batch_no`, `delivery_id`, `source_file`, `source_row`) and the columns the
source suite compares against the delivery (its period or API window); `conform_records` maps
that frame, row for row, to the columns of the core fact table. What is specific to a source
(its derived columns, its mapping to the core table) comes from its spec.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from egov.quality.inputs import BatchInput
from egov.sources.contract import IRKUTSK_ZONE
from egov.sources.registry import SOURCES, source_spec

SOURCE_DATASETS: Mapping[str, tuple[str, ...]] = {
    spec.key: tuple(d.name for d in spec.datasets) for spec in SOURCES
}
"""The tables each source's batches carry; the first one's source suite holds the batch rules."""
CORE_TABLES: Mapping[tuple[str, str], str] = {
    (spec.key, d.name): d.core_table for spec in SOURCES for d in spec.datasets
}
"""Core fact table of each (source, dataset)."""
CORE_COLUMNS: Mapping[tuple[str, str], tuple[str, ...]] = {
    (spec.key, d.name): d.core_columns for spec in SOURCES for d in spec.datasets
}
"""Columns of each core fact table that the gate fills (the loader adds load_batch_id)."""


def source_frame(source: str, dataset: str, batches: Sequence[BatchInput]) -> pd.DataFrame:
    """Records of `dataset` from every batch, stacked with lineage and period columns."""
    spec = source_spec(source)
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
    if not spec.per_municipality:
        del lineage["oktmo"]
    for column, values in lineage.items():
        frame[column] = pd.Series(values).take(rows_of_piece).reset_index(drop=True)
    return spec.frame_columns(frame)


def conform_records(source: str, dataset: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame's rows (same positions) in the columns of the dataset's core fact table."""
    target = source_spec(source).dataset(dataset)
    if frame.empty:
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in target.core_columns})
    core = target.conform(frame)
    core["source_row"] = frame["source_row"].to_numpy(dtype=np.int64)
    core["batch_no"] = frame["batch_no"].to_numpy(dtype=np.int64)
    return core
