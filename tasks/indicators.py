"""Tasks of the indicator snapshots (thin wrappers over egov.indicators)."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact

from egov.indicators import monthly_counts
from egov.indicators.methodology import current_methodology
from egov.indicators.snapshot import take_snapshot as take_snapshot_now
from egov.warehouse.connection import warehouse_engine
from tasks.retry import WAREHOUSE_RETRIES, WAREHOUSE_RETRY_DELAY_SECONDS, is_transient_failure

SHARE_SUMMARY_ARTIFACT_KEY = "egov-share-summary"
SNAPSHOT_SUMMARY_ARTIFACT_KEY = "egov-snapshot-summary"


@task(
    retries=WAREHOUSE_RETRIES,
    retry_delay_seconds=WAREHOUSE_RETRY_DELAY_SECONDS,
    retry_condition_fn=is_transient_failure,
)
def months_with_facts() -> list[date]:
    """Every month the facts (or the aggregate) have, for a refresh of everything."""
    with warehouse_engine() as engine:
        return monthly_counts.months_with_facts(engine)


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
    with warehouse_engine() as engine:
        return monthly_counts.refresh_monthly_counts(engine, months)


@task(
    retries=WAREHOUSE_RETRIES,
    retry_delay_seconds=WAREHOUSE_RETRY_DELAY_SECONDS,
    retry_condition_fn=is_transient_failure,
)
def take_snapshot(as_of: date) -> dict[str, Any]:
    """Compute and store the indicator snapshot as of a date (nothing new when the same inputs
    were snapshotted already).

    A retry is safe: the snapshot is one transaction, keyed by its inputs.
    """
    with warehouse_engine() as engine:
        return take_snapshot_now(engine, as_of, current_methodology())


@task(
    retries=WAREHOUSE_RETRIES,
    retry_delay_seconds=WAREHOUSE_RETRY_DELAY_SECONDS,
    retry_condition_fn=is_transient_failure,
)
def read_report_data(snapshot_id: int) -> dict[str, Any]:
    """The report's data of a stored snapshot (plain values)."""
    from egov.report.data import report_data

    with warehouse_engine() as engine:
        return report_data(engine, snapshot_id)


@task
def publish_share_summary(summary: dict[str, Any]) -> None:
    """Publish a snapshot's I1 figures (egov.report.summary) as a markdown artifact."""
    from egov.report.summary import share_summary_markdown

    create_markdown_artifact(
        key=SHARE_SUMMARY_ARTIFACT_KEY,
        markdown=share_summary_markdown([summary]),
        description=(
            f"ЕПГУ share (I1) of snapshot {summary['snapshot_id']} as of {summary['as_of']}"
        ),
    )


@task
def publish_snapshot_summary(data: dict[str, Any]) -> None:
    """Publish the report's summary of a snapshot as a markdown artifact."""
    from egov.report.render import report_markdown

    create_markdown_artifact(
        key=SNAPSHOT_SUMMARY_ARTIFACT_KEY,
        markdown=report_markdown(data),
        description=f"Indicator snapshot {data['snapshot_id']} as of {data['as_of']}",
    )
