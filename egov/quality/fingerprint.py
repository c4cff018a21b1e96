"""A verdict's fingerprint: what a batch would write, so re-processing can tell if it changed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import numpy as np
import pandas as pd

from egov.quality.verdicts import BatchVerdict

QUARANTINE_KEY = ("dataset", "source_row", "rule", "column_name", "reason")
"""Quarantine columns that say what was held back and why (not the delivery id or file)."""


def _frame_digest(frame: pd.DataFrame, skip: tuple[str, ...] = ()) -> str:
    """Order-independent digest of a frame's values (columns by name)."""
    columns = sorted(c for c in frame.columns if c not in skip)
    if frame.empty:
        return f"empty:{','.join(columns)}"
    # pandas' row hash is deterministic across processes (fixed key); sorting the row hashes
    # makes the digest independent of row order.
    hashes = pd.util.hash_pandas_object(frame[columns].astype(str), index=False).to_numpy()
    return hashlib.sha256(np.sort(hashes).tobytes() + ",".join(columns).encode()).hexdigest()


def _accepted_digest(accepted: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    # The delivery id and batch number say where a row came from, not what it is.
    return {
        dataset: _frame_digest(rows, skip=("delivery_id", "batch_no"))
        for dataset, rows in sorted(accepted.items())
    }


def verdict_fingerprint(verdict: BatchVerdict) -> str:
    """sha256 over status, accounting, rule results, quarantined rows and accepted rows."""
    quarantine = verdict.quarantine
    held_back = quarantine[[c for c in QUARANTINE_KEY if c in quarantine.columns]]
    content = {
        "status": verdict.status,
        "rows": [
            verdict.rows_in,
            verdict.rows_loaded,
            verdict.rows_quarantined,
            verdict.rows_rejected,
        ],
        "volume": verdict.volume,
        "results": sorted(
            [r.suite, r.expectation, r.severity, r.success, r.element_count, r.unexpected_count]
            for r in verdict.results
        ),
        "quarantine": _frame_digest(held_back),
        "accepted": _accepted_digest(verdict.accepted),
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
