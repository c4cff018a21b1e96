"""ЕКЦ contact-centre call exports: which days to ask for, fetching one day, parsing its CSV.

A day's export keeps growing for two days after the day (late records), so the last two days
before today are fetched again on every run. The pipeline's view of the source (landing,
checks, conform, merge) is `egov.sources.ekc.spec`.
"""

from egov.sources.ekc.client import (
    EKC_COLUMNS,
    EkcClient,
    EkcDay,
    days_to_fetch,
    ekc_days_to_fetch,
    is_final_ekc_export,
)
from egov.sources.ekc.parse import parse_ekc_csv

__all__ = [
    "EKC_COLUMNS",
    "EkcClient",
    "EkcDay",
    "days_to_fetch",
    "ekc_days_to_fetch",
    "is_final_ekc_export",
    "parse_ekc_csv",
]
