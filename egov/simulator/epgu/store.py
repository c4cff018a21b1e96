"""The ЕПГУ record store: every version of every application, as columns in `epgu/events.npz`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from egov.simulator.arrays import IntArray
from egov.simulator.times import from_unix
from egov.simulator.world import EPGU_DIR
from egov.sources.contract import EPGU_STATUSES


@dataclass
class EpguStore:
    """Every status change of every ЕПГУ application, sorted by (updated_at, app_no)."""

    # The application id is `EPGU-<submission year>-<app_no:09d>`; service and OKTMO are
    # indexes into the dictionaries, which keeps millions of rows small.

    app_no: IntArray
    service_idx: npt.NDArray[np.int16]
    oktmo_idx: npt.NDArray[np.int16]
    submitted_at: IntArray
    updated_at: IntArray
    status: npt.NDArray[np.int8]
    requires_visit: npt.NDArray[np.bool_]
    service_codes: list[str]
    oktmos: list[str]

    COLUMNS = (
        "app_no",
        "service_idx",
        "oktmo_idx",
        "submitted_at",
        "updated_at",
        "status",
        "requires_visit",
    )

    def __len__(self) -> int:
        return int(self.app_no.shape[0])

    def application_id(self, i: int) -> str:
        """Row i's application id, `EPGU-<submission year>-<app_no:09d>`."""
        year = from_unix(int(self.submitted_at[i])).year
        return f"EPGU-{year}-{int(self.app_no[i]):09d}"

    def item(self, i: int) -> dict[str, Any]:
        """Row i as the API's JSON item."""
        return {
            "application_id": self.application_id(i),
            "service_code": self.service_codes[int(self.service_idx[i])],
            "target_oktmo": self.oktmos[int(self.oktmo_idx[i])],
            "submitted_at": from_unix(int(self.submitted_at[i])).isoformat(),
            "updated_at": from_unix(int(self.updated_at[i])).isoformat(),
            "status": EPGU_STATUSES[int(self.status[i])],
            "requires_visit": bool(self.requires_visit[i]),
        }

    def save(self, world: Path) -> None:
        """Write `epgu/events.npz` and `epgu/dictionary.json` into a world folder."""
        folder = world / EPGU_DIR
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "events.npz", **{c: getattr(self, c) for c in self.COLUMNS})
        (folder / "dictionary.json").write_text(
            json.dumps({"service_codes": self.service_codes, "oktmos": self.oktmos}),
            encoding="utf-8",
        )

    @classmethod
    def load(cls, world: Path) -> EpguStore:
        """Read the store of a world folder."""
        folder = world / EPGU_DIR
        arrays = np.load(folder / "events.npz")
        dictionary = json.loads((folder / "dictionary.json").read_text(encoding="utf-8"))
        return cls(
            **{c: arrays[c] for c in cls.COLUMNS},
            service_codes=dictionary["service_codes"],
            oktmos=dictionary["oktmos"],
        )
