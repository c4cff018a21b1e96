"""Municipal monthly report workbooks `omsu_<OKTMO>_<YYYY-MM>.xlsx` (sources.md §3): the parser.

The pipeline's view of the source (inbox landing, two tables, conform, merge) is
`egov.sources.omsu.spec`.
"""

from egov.sources.inbox import MunicipalityMonth
from egov.sources.omsu.applications import OmsuTotals
from egov.sources.omsu.form import APPLICATION_COLUMNS, CAMPAIGN_COLUMNS, CHANNELS
from egov.sources.omsu.naming import parse_omsu_name
from egov.sources.omsu.workbook import OmsuReport, parse_omsu_workbook

__all__ = [
    "APPLICATION_COLUMNS",
    "CAMPAIGN_COLUMNS",
    "CHANNELS",
    "MunicipalityMonth",
    "OmsuReport",
    "OmsuTotals",
    "parse_omsu_name",
    "parse_omsu_workbook",
]
