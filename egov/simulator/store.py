"""On-disk record stores of a simulated world that the epgu and ekc servers serve.

Layout of a world folder (written by `egov sources generate`):

    world.json                          manifest: period, scale, seed, defects, counts
    epgu/events.npz + epgu/dictionary.json   every version of every application
    ekc/calls.npz  + ekc/dictionary.json     every call
    inbox/mfc/mfc_YYYYMMDD.csv          daily MFC exports (windows-1251)
    inbox/omsu/omsu_<OKTMO>_<YYYY-MM>.xlsx   monthly municipal workbooks

Columnar numpy arrays keep a two-year world at scale 1.0 (millions of events) quick to write
and to load; times are Unix seconds (UTC).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from egov.sources.contract import EPGU_STATUSES, IRKUTSK

WORLD_MANIFEST = "world.json"
EPGU_DIR = "epgu"
EKC_DIR = "ekc"
MFC_INBOX = "inbox/mfc"
OMSU_INBOX = "inbox/omsu"

IntArray = npt.NDArray[np.int64]


def to_unix(moment: datetime) -> int:
    """Unix seconds of an aware datetime."""
    return int(moment.timestamp())


def from_unix(seconds: int) -> datetime:
    """Aware datetime in Irkutsk local time."""
    return datetime.fromtimestamp(int(seconds), tz=UTC).astimezone(IRKUTSK)


@dataclass
class EpguStore:
    """Every version of every ЕПГУ application, sorted by (updated_at, app_no).

    One row per (application, status change). The application id is
    `EPGU-<submission year>-<app_no:09d>`; codes are indexes into the dictionaries.
    """

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
        folder = world / EPGU_DIR
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "events.npz", **{c: getattr(self, c) for c in self.COLUMNS})
        (folder / "dictionary.json").write_text(
            json.dumps({"service_codes": self.service_codes, "oktmos": self.oktmos}),
            encoding="utf-8",
        )

    @classmethod
    def load(cls, world: Path) -> EpguStore:
        folder = world / EPGU_DIR
        arrays = np.load(folder / "events.npz")
        dictionary = json.loads((folder / "dictionary.json").read_text(encoding="utf-8"))
        return cls(
            **{c: arrays[c] for c in cls.COLUMNS},
            service_codes=dictionary["service_codes"],
            oktmos=dictionary["oktmos"],
        )


@dataclass
class EkcStore:
    """Every ЕКЦ call, sorted by started_at.

    `recorded_at` is when the call appears in the platform's export (a few arrive late, up to two
    days); `oktmo_idx` is -1 when the caller named no municipality; `call_uuid` holds 16 bytes.
    """

    call_uuid: npt.NDArray[np.void]
    started_at: IntArray
    recorded_at: IntArray
    line: npt.NDArray[np.int16]
    topic: npt.NDArray[np.int8]
    oktmo_idx: npt.NDArray[np.int16]
    answered: npt.NDArray[np.bool_]
    wait_sec: npt.NDArray[np.int32]
    talk_sec: npt.NDArray[np.int32]
    outcome: npt.NDArray[np.int8]
    oktmos: list[str]

    COLUMNS = (
        "call_uuid",
        "started_at",
        "recorded_at",
        "line",
        "topic",
        "oktmo_idx",
        "answered",
        "wait_sec",
        "talk_sec",
        "outcome",
    )

    def __len__(self) -> int:
        return int(self.started_at.shape[0])

    def save(self, world: Path) -> None:
        folder = world / EKC_DIR
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "calls.npz", **{c: getattr(self, c) for c in self.COLUMNS})
        (folder / "dictionary.json").write_text(
            json.dumps({"oktmos": self.oktmos}), encoding="utf-8"
        )

    @classmethod
    def load(cls, world: Path) -> EkcStore:
        folder = world / EKC_DIR
        arrays = np.load(folder / "calls.npz")
        dictionary = json.loads((folder / "dictionary.json").read_text(encoding="utf-8"))
        return cls(**{c: arrays[c] for c in cls.COLUMNS}, oktmos=dictionary["oktmos"])
