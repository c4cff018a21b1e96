"""The ЕКЦ record store: every call, as columns in `ekc/calls.npz`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from egov.simulator.arrays import IntArray
from egov.simulator.world import EKC_DIR


@dataclass
class EkcStore:
    """Every ЕКЦ call, sorted by started_at."""

    # `recorded_at` is when the call appears in the platform's export (a few arrive late, up to
    # two days); `oktmo_idx` is -1 when the caller named no municipality; `call_uuid` holds 16
    # bytes.

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
        """Write `ekc/calls.npz` and `ekc/dictionary.json` into a world folder."""
        folder = world / EKC_DIR
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "calls.npz", **{c: getattr(self, c) for c in self.COLUMNS})
        (folder / "dictionary.json").write_text(
            json.dumps({"oktmos": self.oktmos}), encoding="utf-8"
        )

    @classmethod
    def load(cls, world: Path) -> EkcStore:
        """Read the store of a world folder."""
        folder = world / EKC_DIR
        arrays = np.load(folder / "calls.npz")
        dictionary = json.loads((folder / "dictionary.json").read_text(encoding="utf-8"))
        return cls(**{c: arrays[c] for c in cls.COLUMNS}, oktmos=dictionary["oktmos"])
