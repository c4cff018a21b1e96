"""The simulated ЕКЦ contact centre: calls, their record store and the daily call export."""

from egov.simulator.ekc.app import EKC_HEADER, EXPORT_PATH, EkcApp
from egov.simulator.ekc.simulate import ekc_expected_per_day, simulate_ekc
from egov.simulator.ekc.store import EkcStore

__all__ = [
    "EKC_HEADER",
    "EXPORT_PATH",
    "EkcApp",
    "EkcStore",
    "ekc_expected_per_day",
    "simulate_ekc",
]
