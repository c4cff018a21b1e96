"""Methodology settings of the ЕПГУ share (I1): the one place that says what is excluded.

The next issue versions these settings (methodology.md: "every rule that a future order may
change is a versioned setting"); until then the defaults below are the working definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INDICATOR_EPGU_SHARE = "epgu_share"


@dataclass(frozen=True)
class Methodology:
    """Rules of I1 that the aggregate applies; statuses are the facts' normalised values."""

    version: str
    epgu_excluded_statuses: tuple[str, ...]
    """ЕПГУ statuses counted on neither side (sources.md §1 status values)."""
    mfc_excluded_statuses: tuple[str, ...]
    """МФЦ statuses (after egov.sources.mfc.STATUSES maps the Russian text) counted nowhere."""

    def exclusion_params(self) -> dict[str, Any]:
        """Bind parameters of the SQL that counts applications."""
        return {
            "epgu_excluded": list(self.epgu_excluded_statuses),
            "mfc_excluded": list(self.mfc_excluded_statuses),
        }


DEFAULT_METHODOLOGY = Methodology(
    version="default",
    # Duplicates (`Аннулировано (дубль)`) and applications withdrawn before registration
    # (`Отозвано заявителем`); refusals, also at intake, still count (methodology.md, I1).
    epgu_excluded_statuses=("withdrawn", "duplicate"),
    mfc_excluded_statuses=("withdrawn", "duplicate"),
)
