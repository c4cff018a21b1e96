"""What a source is to the pipeline: one typed spec per source folder, read by the shared code.

The shared modules (landing, the gate, loading, the CLI) never ask which source they are
handling; they read these fields. A source folder `egov/sources/<key>/` fills them in its
`spec.py` and `egov/sources/registry.py` lists the folders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from egov.quality.inputs import BatchReader, ParseDelivery
from egov.quality.verdicts import BatchVerdict
from egov.settings import Settings
from egov.sources import SourceKey
from egov.sources.inbox_landing import InboxFormat
from egov.sources.landing import LandingResult, RawStore


@dataclass(frozen=True)
class LandingRequest:
    """What one landing run asks of a source: one month (None: all since its mark), up to when."""

    month: date | None
    until: datetime
    """ЕПГУ windows end before this moment (minus the safety lag)."""
    today: date
    """The run's local date: days and files after it do not exist yet."""
    window_hours: int = 24
    """ЕПГУ: the longest window one request covers."""


LandStep = Callable[[Engine, Settings, RawStore, LandingRequest], list[LandingResult]]
"""Plans what the source still owes (a month's, or everything since its mark) and lands it."""
Conform = Callable[[pd.DataFrame], pd.DataFrame]
"""Maps a dataset's stacked parsed frame, row for row, to the core fact table's columns
(without `source_row` and `batch_no`, which the shared step adds)."""
FrameColumns = Callable[[pd.DataFrame], pd.DataFrame]
"""Adds the columns the source suite compares that the parser does not give (local days)."""
TransactionCheck = Callable[[Connection, BatchVerdict], BatchVerdict]
"""A check against the warehouse in the batch's transaction, before the verdict is written
(it may move accepted rows to quarantine)."""


@dataclass(frozen=True)
class MergeStatement:
    """One SQL file (name under sql/) run to move staged rows into a core table."""

    sql: str
    scoped: bool = False
    """Takes the batch's scope as parameters (`period_start`, `oktmo`)."""


def latest_version_wins(table: str) -> tuple[MergeStatement, ...]:
    """Upsert by key: a row's latest version (by its own timestamp) stays (ЕПГУ)."""
    return (MergeStatement(f"core/merge_{table}"),)


def replace_scope(table: str) -> tuple[MergeStatement, ...]:
    """Delete the batch's scope (day, or municipality-month), then insert its rows."""
    return (
        MergeStatement(f"core/delete_{table}_scope", scoped=True),
        MergeStatement(f"core/insert_{table}_from_stage"),
    )


@dataclass(frozen=True)
class DatasetSpec:
    """One table a source's batches carry, and the core fact table it is loaded into."""

    name: str
    core_table: str
    core_columns: tuple[str, ...]
    """Columns of the core table the gate fills (the loader adds `load_batch_id`)."""
    conform: Conform
    merge: tuple[MergeStatement, ...]
    source_suite: str
    """Suite over the parsed records (expectations/<name>.json)."""
    core_suite: str
    """Suite over the conformed rows."""
    month_column: str | None = None
    """Core column naming the month a row counts in (the monthly counts' grain), if any."""


def keep_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """No derived columns: the parser's records are what the source suite compares."""
    return frame


@dataclass(frozen=True)
class SourceSpec:
    """Everything the shared pipeline needs to know about one source."""

    key: SourceKey
    title: str
    """How people name the source (ЕПГУ, МФЦ, ОМСУ, ЕКЦ)."""
    datasets: tuple[DatasetSpec, ...]
    """In load order; the first one's source suite holds the batch rules."""
    land: LandStep
    parse: ParseDelivery
    """Landed bytes to one parsed table per dataset (what `parse_delivery` answers)."""
    read_input: BatchReader
    """A pending delivery from the raw store to the gate's input (parsed, or why not)."""
    calendar_key: str
    """The source's entry in expectations/reporting_calendar.yaml."""
    frame_columns: FrameColumns = keep_frame
    per_municipality: bool = False
    """Batches are per municipality: their OKTMO is a lineage column of the parsed frame."""
    late_changes_touch_previous_month: bool = False
    """A batch may still change the month before its period (late status changes, exports),
    so its reconciliation covers that month too."""
    batch_media_type: str | None = None
    """Only landed deliveries of this media type open a batch (ЕПГУ: the window manifest,
    whose pages it reads); None: every delivery is a batch."""
    transaction_checks: tuple[TransactionCheck, ...] = ()
    inbox: InboxFormat | None = None
    """For a source that delivers files into an inbox folder: how they are found and land."""

    @property
    def batch_suite(self) -> str:
        """The suite whose batch rules and parser-finding map judge a whole batch."""
        return self.datasets[0].source_suite

    def dataset(self, name: str) -> DatasetSpec:
        """The dataset of this name (KeyError naming the source for another)."""
        for dataset in self.datasets:
            if dataset.name == name:
                return dataset
        raise KeyError(f"{self.key} has no dataset {name!r}")
