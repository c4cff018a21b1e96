"""The pipeline's "now": real time, a configured moment, or the end of the simulated world.

Out of the box the connectors point at the simulator (its ports and credentials), so they also
take its clock: a simulated world ends with its last month, and its "now" is noon (Irkutsk) on
the 10th of the following month, when every source has delivered that month and the municipal
forms are due. Fetching up to the real date from such a world would ask for two years of empty
days. `EGOV_CLOCK` sets the moment explicitly; real sources (their own token) use real time.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

from egov.calendar import next_month, parse_month
from egov.settings import SIMULATOR_EPGU_TOKEN, Settings, get_settings
from egov.sources.contract import IRKUTSK

WORLD_DELIVERED_DAY = 10
"""Day of the month after a world's last month by which every source has delivered it."""
WORLD_DELIVERED_TIME = time(12, 0)


def world_now(folder: Path) -> datetime | None:
    """The simulated world's "now" (from its world.json), or None if the folder holds none."""
    try:
        manifest = json.loads((folder / "world.json").read_text(encoding="utf-8"))
        last = parse_month(str(manifest["last_month"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    day = next_month(last) + timedelta(days=WORLD_DELIVERED_DAY - 1)
    return datetime.combine(day, WORLD_DELIVERED_TIME, IRKUTSK)


def is_simulated(settings: Settings) -> bool:
    """Whether the connectors talk to the simulator (its default ЕПГУ token)."""
    return settings.epgu_token.get_secret_value() == SIMULATOR_EPGU_TOKEN


def now(settings: Settings | None = None) -> datetime:
    """This moment for the pipeline (Irkutsk time): EGOV_CLOCK, the world's end, or real time."""
    settings = settings or get_settings()
    if settings.clock is not None:
        return settings.clock.astimezone(IRKUTSK)
    if is_simulated(settings):
        simulated = world_now(settings.resolved_world_dir)
        if simulated is not None:
            return simulated
    return datetime.now(IRKUTSK)


def today(settings: Settings | None = None) -> date:
    """Today's date in Irkutsk by the pipeline's clock."""
    return now(settings).date()
