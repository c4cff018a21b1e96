"""Connectors to the four source systems (epgu, mfc, omsu, ekc) and the raw landing zone."""

from __future__ import annotations

from typing import Literal

SourceKey = Literal["epgu", "mfc", "omsu", "ekc"]
SOURCE_KEYS: tuple[SourceKey, ...] = ("epgu", "mfc", "omsu", "ekc")
