"""A world folder: where each source's records and deliveries go, and its manifest `world.json`.

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
import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from egov.calendar import next_month
from egov.sources.contract import IRKUTSK

WORLD_MANIFEST = "world.json"
FORMAT_VERSION = 2
"""2: world.json records the world's clock (`as_of`)."""
WORLD_DELIVERED_DAY = 10
"""Day of the month after a world's last month by which every source has delivered that month
(the municipal forms' deadline is the 10th): the world's "now"."""
EPGU_DIR = "epgu"
EKC_DIR = "ekc"
MFC_INBOX = "inbox/mfc"
OMSU_INBOX = "inbox/omsu"


def world_clock(last_month: date) -> datetime:
    """The world's "now": noon (Irkutsk) on the 10th of the month after its last month."""
    day = next_month(last_month) + timedelta(days=WORLD_DELIVERED_DAY - 1)
    return datetime.combine(day, time(12, 0), IRKUTSK)


def clear_world(out: Path) -> None:
    """Remove what an earlier generation left, so the folder holds exactly one world."""
    for pattern, folder in (("mfc_*.csv", MFC_INBOX), ("omsu_*.xlsx", OMSU_INBOX)):
        for path in sorted((out / folder).glob(pattern)):
            path.unlink()
    for folder in (EPGU_DIR, EKC_DIR):
        shutil.rmtree(out / folder, ignore_errors=True)
    (out / WORLD_MANIFEST).unlink(missing_ok=True)


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    """Write `world.json`: UTF-8, indented, Cyrillic kept readable."""
    (out / WORLD_MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
