"""The simulated ЕПГУ: applications, their record store and the applications API."""

from egov.simulator.epgu.app import APPLICATIONS_PATH, EpguApp
from egov.simulator.epgu.simulate import (
    EpguMonth,
    build_epgu_store,
    epgu_counted,
    simulate_epgu_month,
)
from egov.simulator.epgu.store import EpguStore

__all__ = [
    "APPLICATIONS_PATH",
    "EpguApp",
    "EpguMonth",
    "EpguStore",
    "build_epgu_store",
    "epgu_counted",
    "simulate_epgu_month",
]
