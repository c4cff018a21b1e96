"""ЕПГУ statistics API: window planning, paged fetching with cursor restarts, page parsing.

The API returns the applications created or changed in a half-open `[updated_from, updated_to)`
window, page by page through an opaque cursor that expires (410): an expired cursor restarts the
whole window, so a window is only ever returned complete. Pages are kept byte-exact for the raw
landing zone; `parse_epgu_page` turns one page into typed records and row-level rejects. The
pipeline's view of the source (landing, batches, conform, merge) is `egov.sources.epgu.spec`.
"""

from egov.sources.epgu.client import EpguClient, EpguPage, describe_window, local_iso, plan_windows
from egov.sources.epgu.parse import EPGU_COLUMNS, parse_epgu_page

__all__ = [
    "EPGU_COLUMNS",
    "EpguClient",
    "EpguPage",
    "describe_window",
    "local_iso",
    "parse_epgu_page",
    "plan_windows",
]
