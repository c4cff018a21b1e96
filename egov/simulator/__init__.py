"""Source simulator: a deterministic world of the four source systems, and servers for it.

Each source has its folder (`epgu/`, `mfc/`, `omsu/`, `ekc/`: its records, files or HTTP app,
store); the shared modules hold the world's parameters and random model, the clock, faults and
HTTP plumbing, the world folder and the generation. Callers outside the simulator import from
here (or from a source folder's package).
"""

from egov.simulator.calibration import Calibration, calibrate
from egov.simulator.clock import SimClock
from egov.simulator.defects import DefectLevel, DefectPlan, plan_defects
from egov.simulator.ekc.app import EkcApp
from egov.simulator.ekc.simulate import simulate_ekc
from egov.simulator.ekc.store import EkcStore
from egov.simulator.epgu.app import EpguApp
from egov.simulator.epgu.store import EpguStore
from egov.simulator.faults import FaultPlan
from egov.simulator.generate import generate_world
from egov.simulator.mfc.files import HEADER as MFC_HEADER
from egov.simulator.mfc.files import csv_field
from egov.simulator.months import month_bounds, month_range
from egov.simulator.omsu.files import save_workbook
from egov.simulator.omsu.layout import HEADER as OMSU_HEADER
from egov.simulator.omsu.layout import INFORMING_HEADER as OMSU_INFORMING_HEADER
from egov.simulator.omsu.layout import OmsuReport
from egov.simulator.omsu.workbook import build_workbook
from egov.simulator.parameters import MFC_STATUSES
from egov.simulator.servers import SimulatorServers, serve_forever
from egov.simulator.times import from_unix, to_unix
from egov.simulator.transport import SimulatorError, json_response
from egov.simulator.workers import default_workers
from egov.simulator.world import FORMAT_VERSION as WORLD_FORMAT_VERSION
from egov.simulator.world import MFC_INBOX, OMSU_INBOX, WORLD_MANIFEST

__all__ = [
    "MFC_HEADER",
    "MFC_INBOX",
    "MFC_STATUSES",
    "OMSU_HEADER",
    "OMSU_INBOX",
    "OMSU_INFORMING_HEADER",
    "WORLD_FORMAT_VERSION",
    "WORLD_MANIFEST",
    "Calibration",
    "DefectLevel",
    "DefectPlan",
    "EkcApp",
    "EkcStore",
    "EpguApp",
    "EpguStore",
    "FaultPlan",
    "OmsuReport",
    "SimClock",
    "SimulatorError",
    "SimulatorServers",
    "build_workbook",
    "calibrate",
    "csv_field",
    "default_workers",
    "from_unix",
    "generate_world",
    "json_response",
    "month_bounds",
    "month_range",
    "plan_defects",
    "save_workbook",
    "serve_forever",
    "simulate_ekc",
    "to_unix",
]
