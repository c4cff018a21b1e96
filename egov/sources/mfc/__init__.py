"""МФЦ daily exports `mfc_YYYYMMDD.csv` (sources.md §2): the parser and its contract.

The pipeline's view of the source (inbox landing, conform, merge) is `egov.sources.mfc.spec`.
"""

from egov.sources.mfc.parse import parse_mfc_csv
from egov.sources.mfc.reading import COLUMNS, OPTIONAL_FIELDS, STATUSES, decode_mfc

__all__ = ["COLUMNS", "OPTIONAL_FIELDS", "STATUSES", "decode_mfc", "parse_mfc_csv"]
