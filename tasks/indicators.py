"""Tasks of the indicator snapshots (thin wrappers over egov.indicators)."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact

from egov.indicators import monthly_counts
from egov.indicators.share import share_summary, share_summary_markdown
from egov.warehouse.connection import create_warehouse_engine
from tasks.retry import WAREHOUSE_RETRIES, WAREHOUSE_RETRY_DELAY_SECONDS, is_transient_failure

SHARE_SUMMARY_ARTIFACT_KEY = "egov-share-summary"


@task(
    retries=WAREHOUSE_RETRIES,
    retry_delay_seconds=WAREHOUSE_RETRY_DELAY_SECONDS,
    retry_condition_fn=is_transient_failure,
)
def months_with_facts() -> list[date]:
    """Every month the facts (or the aggregate) have, for a refresh of everything."""
    engine = create_warehouse_engine()
    try:
        return monthly_counts.months_with_facts(engine)
    finally:
        engine.dispose()


@task(
    retries=WAREHOUSE_RETRIES,
    retry_delay_seconds=WAREHOUSE_RETRY_DELAY_SECONDS,
    retry_condition_fn=is_transient_failure,
)
def refresh_monthly_counts(months: list[date]) -> list[dict[str, Any]]:
    """Bring the monthly application counts of the months in line with the facts.

    A retry after a lost connection is safe: each month is one transaction, and a month that
    was already merged merges to no change.
    """
    engine = create_warehouse_engine()
    try:
        return monthly_counts.refresh_monthly_counts(engine, months)
    finally:
        engine.dispose()


@task(
    retries=WAREHOUSE_RETRIES,
    retry_delay_seconds=WAREHOUSE_RETRY_DELAY_SECONDS,
    retry_condition_fn=is_transient_failure,
)
def summarise_share(as_of: date) -> dict[str, Any]:
    """The ЕПГУ share summary as of a date (plain values)."""
    engine = create_warehouse_engine()
    try:
        return share_summary(engine, as_of)
    finally:
        engine.dispose()


@task
def publish_share_summary(summary: dict[str, Any]) -> None:
    """Publish the ЕПГУ share summary as a markdown artifact."""
    create_markdown_artifact(
        key=SHARE_SUMMARY_ARTIFACT_KEY,
        markdown=share_summary_markdown(summary),
        description=f"ЕПГУ share (I1) year to date as of {summary['as_of']}",
    )
