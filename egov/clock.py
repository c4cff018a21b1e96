"""The pipeline's "now": real time, a configured moment, or the end of the simulated world.

Out of the box the connectors point at the simulator (its ports and credentials), so they also
take its clock: a simulated world records its "now" in world.json (noon, Irkutsk, on the 10th of
the month after its last month, when every source has delivered that month). Fetching up to the
real date from such a world would ask for two years of days it does not have. `EGOV_CLOCK` sets
the moment explicitly; real sources (their own token) use real time.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from egov.settings import SIMULATOR_EPGU_TOKEN, Settings, get_settings
from egov.sources.contract import IRKUTSK


def world_now(folder: Path) -> datetime | None:
    """The simulated world's "now" (`as_of` of its world.json), or None if the folder has none."""
    try:
        manifest = json.loads((folder / "world.json").read_text(encoding="utf-8"))
        moment = datetime.fromisoformat(str(manifest["as_of"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return moment if moment.tzinfo is not None else None


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
