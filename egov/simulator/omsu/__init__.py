"""The simulated municipalities (ОМСУ): monthly reports and their XLSX workbooks."""

from egov.simulator.omsu.defects import OMSU_DEFECT_RATES, plan_omsu_defects
from egov.simulator.omsu.files import save_workbook, write_omsu_report, write_omsu_reports
from egov.simulator.omsu.layout import (
    DEFECT_KINDS,
    HEADER,
    INFORMING_CHANNELS,
    INFORMING_HEADER,
    PUBLICATIONS,
    SHEET_APPLICATIONS,
    SHEET_INFORMING,
    TITLE_VARIANTS,
    OmsuReport,
    document_time,
    file_name,
)
from egov.simulator.omsu.reports import apply_drift, build_omsu_reports, plan_title_rows
from egov.simulator.omsu.workbook import build_workbook

__all__ = [
    "DEFECT_KINDS",
    "HEADER",
    "INFORMING_CHANNELS",
    "INFORMING_HEADER",
    "OMSU_DEFECT_RATES",
    "PUBLICATIONS",
    "SHEET_APPLICATIONS",
    "SHEET_INFORMING",
    "TITLE_VARIANTS",
    "OmsuReport",
    "apply_drift",
    "build_omsu_reports",
    "build_workbook",
    "document_time",
    "file_name",
    "plan_omsu_defects",
    "plan_title_rows",
    "save_workbook",
    "write_omsu_report",
    "write_omsu_reports",
]
