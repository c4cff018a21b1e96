"""The sources the pipeline knows, in the project's fixed order, and lookup by key."""

from __future__ import annotations

from egov.errors import EgovError
from egov.sources import SOURCE_KEYS, SourceKey
from egov.sources.ekc.spec import SPEC as EKC
from egov.sources.epgu.spec import SPEC as EPGU
from egov.sources.mfc.spec import SPEC as MFC
from egov.sources.omsu.spec import SPEC as OMSU
from egov.sources.spec import SourceSpec

SOURCES: tuple[SourceSpec, ...] = (EPGU, MFC, OMSU, EKC)
"""Every source, in the order of `SOURCE_KEYS` (tables, reports and runs list them so)."""

if tuple(spec.key for spec in SOURCES) != SOURCE_KEYS:
    # A source folder added without its key (or the other way round) would go unnoticed.
    raise RuntimeError("SOURCES must list one spec per SOURCE_KEYS entry, in that order")

_BY_KEY: dict[str, SourceSpec] = {spec.key: spec for spec in SOURCES}


def source_spec(source: str) -> SourceSpec:
    """The spec of a source key, or a clear error listing the valid ones."""
    spec = _BY_KEY.get(source)
    if spec is None:
        raise EgovError(f"unknown source {source!r}: expected one of {', '.join(SOURCE_KEYS)}")
    return spec


def check_source_key(source: str) -> SourceKey:
    """The source key, or a clear error listing the valid ones."""
    return source_spec(source).key
