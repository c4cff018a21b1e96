"""The simulated МФЦ: offices, the intake of each month and the daily CSV exports."""

from egov.simulator.mfc.defects import MFC_DEFECT_RATES, plan_mfc_defects
from egov.simulator.mfc.files import (
    DEFECT_KINDS,
    ENCODING,
    HEADER,
    NEWLINE,
    MfcDay,
    MfcDictionaries,
    csv_field,
    file_name,
    render_rows,
    write_mfc_day,
    write_mfc_days,
)
from egov.simulator.mfc.offices import Offices, plan_offices
from egov.simulator.mfc.simulate import MfcMonth, mfc_counted, simulate_mfc_month, split_days

__all__ = [
    "DEFECT_KINDS",
    "ENCODING",
    "HEADER",
    "MFC_DEFECT_RATES",
    "NEWLINE",
    "MfcDay",
    "MfcDictionaries",
    "MfcMonth",
    "Offices",
    "csv_field",
    "file_name",
    "mfc_counted",
    "plan_mfc_defects",
    "plan_offices",
    "render_rows",
    "simulate_mfc_month",
    "split_days",
    "write_mfc_day",
    "write_mfc_days",
]
