"""Methodology of the indicators: a versioned settings file, not constants in code.

`methodology/<version>.yaml` holds every rule a future order may change (exclusions, the
minimum denominator, status thresholds, the forecast's weighting, the ЕКЦ cumulative start).
`EGOV_METHODOLOGY_VERSION` picks the file; snapshots record the version and the file's
content hash, so a snapshot can always say which rules made it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from egov.errors import EgovError
from egov.paths import METHODOLOGY_DIR
from egov.yaml_model import YamlModelError, read_yaml_model

INDICATOR_EPGU_SHARE = "epgu_share"
INDICATOR_EKC_LOAD = "ekc_load"
INDICATOR_INFO_CAMPAIGN = "info_campaign"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ExcludedStatuses(_Frozen):
    """Normalised statuses counted on neither side of the share, per source."""

    epgu: tuple[str, ...]
    mfc: tuple[str, ...]


class EpguShareRules(_Frozen):
    """I1 rules: exclusions and the small-number guard."""

    excluded_statuses: ExcludedStatuses
    min_denominator: int = Field(ge=1)
    measured_baseline_months: int = Field(ge=1)


class StatusThresholds(_Frozen):
    """Lowest attainment of each status; below `off_track` a scope is deteriorating."""

    on_track: float
    at_risk: float
    off_track: float

    @model_validator(mode="after")
    def _descending(self) -> StatusThresholds:
        if not self.on_track >= self.at_risk >= self.off_track:
            raise ValueError("thresholds must satisfy on_track >= at_risk >= off_track")
        return self


class ForecastRules(_Frozen):
    """Time-weighted trend of the monthly values and the projection horizon."""

    trend_months: int = Field(ge=2)
    half_life_months: float = Field(gt=0)
    min_trend_months: int = Field(ge=2)
    horizon_months: int = Field(ge=1)


class EkcLoadRules(_Frozen):
    """I2 rules: where the cumulative totals start and the population base of rates."""

    cumulative_from: date
    per_residents: int = Field(ge=1)


class Methodology(_Frozen):
    """One methodology version, as read from its file."""

    version: str = Field(min_length=1)
    description: str
    epgu_share: EpguShareRules
    status_thresholds: StatusThresholds
    forecast: ForecastRules
    ekc_load: EkcLoadRules

    @property
    def epgu_excluded_statuses(self) -> tuple[str, ...]:
        """ЕПГУ statuses counted on neither side (sources.md §1 status values)."""
        return self.epgu_share.excluded_statuses.epgu

    @property
    def mfc_excluded_statuses(self) -> tuple[str, ...]:
        """МФЦ statuses (after egov.sources.mfc.STATUSES maps the Russian text) counted nowhere."""
        return self.epgu_share.excluded_statuses.mfc

    def exclusion_params(self) -> dict[str, Any]:
        """Bind parameters of the SQL that counts applications."""
        return {
            "epgu_excluded": list(self.epgu_excluded_statuses),
            "mfc_excluded": list(self.mfc_excluded_statuses),
        }

    def settings_json(self) -> str:
        """The rules as canonical JSON (sorted keys): what the warehouse stores and hashes."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)

    @property
    def content_sha256(self) -> str:
        """Hash of the rules (not of the file's comments or layout)."""
        return hashlib.sha256(self.settings_json().encode("utf-8")).hexdigest()


def read_methodology(path: Path) -> Methodology:
    """Read and validate one methodology file; errors name the file, line and field."""
    try:
        methodology, _ = read_yaml_model(path, Methodology, "methodology")
    except YamlModelError as exc:
        where = f", line {exc.line}" if exc.line else ""
        field = f", field '{exc.field}'" if exc.field else ""
        raise EgovError(f"methodology file {path}{where}{field}: {exc.message}") from None
    if path.stem != methodology.version:
        raise EgovError(
            f"methodology file {path}: version {methodology.version!r} must match the file "
            f"name ({path.stem}.yaml)"
        )
    return methodology


@lru_cache(maxsize=8)
def load_methodology(version: str, folder: Path = METHODOLOGY_DIR) -> Methodology:
    """The methodology of a version from `<folder>/<version>.yaml`."""
    path = folder / f"{version}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml"))) or "none"
        raise EgovError(f"methodology version {version!r}: no file {path} (known: {known})")
    return read_methodology(path)


def current_methodology() -> Methodology:
    """The methodology the settings select (EGOV_METHODOLOGY_VERSION, default 1.0)."""
    from egov.settings import get_settings

    settings = get_settings()
    return load_methodology(settings.methodology_version, settings.methodology_dir)
