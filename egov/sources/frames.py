"""Vectorised local day and month of parsed timestamps, shared by the sources' conform steps."""

from __future__ import annotations

import pandas as pd

from egov.sources.contract import IRKUTSK_ZONE


def local_day(stamps: pd.Series) -> pd.Series:
    """Local calendar day of tz-aware timestamps, as naive midnight (comparable with periods)."""
    local: pd.Series = stamps.dt.tz_convert(IRKUTSK_ZONE).dt.tz_localize(None).dt.normalize()
    return local


def month_start_of(days: pd.Series) -> pd.Series:
    """First day (a `date`) of each day's month: `egov.calendar.month_start` over a column."""
    months: pd.Series = days.dt.to_period("M").dt.start_time.dt.date
    return months
