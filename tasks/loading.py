"""Tasks and the chunk runner shared by the `pipeline` and `backfill` flows."""

from __future__ import annotations

from datetime import date, datetime

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from egov import clock
from egov.loading.backfill import (
    ChunkReport,
    chunk_report,
    failure_message,
    months_to_labels,
    plan_month_chunks,
    plan_recapture_chunks,
    run_summary_markdown,
)
from egov.quality.freshness import missing_periods
from egov.quality.freshness_store import select_loaded_periods, select_municipalities
from egov.quality.reporting_calendar import CALENDAR_PATH, load_reporting_calendar
from egov.quality.summary import BatchSummary
from egov.sources.landing import LandingResult
from egov.warehouse.connection import warehouse_engine
from egov.warehouse.sql import run_sql
from tasks.quality import (
    alert_on_rejected_batches,
    reconcile_municipal_forms,
    validate_and_load_deliveries,
)
from tasks.retry import WAREHOUSE_RETRIES, WAREHOUSE_RETRY_DELAY_SECONDS, is_transient_failure
from tasks.sources import land_deliveries


@task(
    retries=WAREHOUSE_RETRIES,
    retry_delay_seconds=WAREHOUSE_RETRY_DELAY_SECONDS,
    retry_condition_fn=is_transient_failure,
)
def plan_backfill(
    from_month: str,
    to_month: str,
    sources: list[str] | None,
    recapture: bool,
    as_of: datetime | None = None,
) -> list[tuple[str, str]]:
    """(source, month) chunks to run: all of the range, or those with gaps (recapture)."""
    if not recapture:
        return plan_month_chunks(from_month, to_month, sources)
    with warehouse_engine() as engine, engine.connect() as conn:
        loaded, municipalities = select_loaded_periods(conn), select_municipalities(conn)
    missing = missing_periods(
        load_reporting_calendar(CALENDAR_PATH), loaded, as_of or clock.now(), municipalities
    )
    return plan_recapture_chunks(missing, from_month, to_month, sources)


@task(task_run_name="load-{source}-{month}")
def load_chunk(
    source: str,
    month: str | None,
    *,
    until: datetime | None = None,
    today: date | None = None,
    window_hours: int = 24,
) -> ChunkReport:
    """Land and load one chunk (a source's month, or since its mark); a failure is reported.

    Deliveries landed before a failure stay pending and are validated by the next chunk of the
    same source (or the next run), so a failed chunk loses nothing. The landing and loading
    tasks run nested in this one, on whichever worker the flow's task runner picked.
    """
    landed = land_deliveries.with_options(task_run_name=f"land-{source}-{month or 'since-mark'}")(
        source, month, until=until, today=today, window_hours=window_hours, return_state=True
    )
    deliveries: list[LandingResult] = landed.result() if landed.is_completed() else []
    loaded = validate_and_load_deliveries(source, data_docs="failed", return_state=True)
    batches: list[BatchSummary] = []
    if loaded.is_completed():
        batches = loaded.result()
    failed = next((state for state in (landed, loaded) if not state.is_completed()), None)
    error = None
    if failed is not None:
        try:
            raised = failed.result(raise_on_failure=False)
        except Exception:  # a state whose exception cannot be read still has its message
            raised = None
        error = failure_message(
            raised if isinstance(raised, BaseException) else None, failed.message or "failed"
        )
    return chunk_report(source, month, deliveries, batches, error)


def log_chunk(report: ChunkReport) -> None:
    """One line per chunk in the flow run's log; the CLI's progress bar listens for `egov_chunk`."""
    get_run_logger().info(
        "chunk %s %s: %s, %s batches, %s rows loaded%s",
        report.source,
        report.month or "since mark",
        report.status,
        report.batches,
        report.rows_loaded,
        f" ({report.error})" if report.error else "",
        extra={
            "egov_chunk": {
                "source": report.source,
                "month": report.month,
                "status": report.status,
            }
        },
    )


@task(
    retries=WAREHOUSE_RETRIES,
    retry_delay_seconds=WAREHOUSE_RETRY_DELAY_SECONDS,
    retry_condition_fn=is_transient_failure,
)
def select_stale_months() -> list[str]:
    """'YYYY-MM' months whose counts lag the facts: this run's and any a crashed run left."""
    with warehouse_engine() as engine, engine.connect() as conn:
        return months_to_labels(run_sql(conn, "loading/select_stale_months").scalars())


@task
def publish_run_summary(title: str, chunks: list[ChunkReport]) -> None:
    """Publish the chunks' outcomes (per source totals, what changed or failed) as markdown."""
    create_markdown_artifact(
        key="egov-run-summary",
        markdown=run_summary_markdown(title, chunks),
        description=title,
    )


@task
def reconcile_chunks(chunks: list[ChunkReport]) -> None:
    """Reconcile the forms of the months the chunks touched; alert on their rejected batches."""
    batches = [b for chunk in chunks for b in chunk.batch_summaries]
    if batches:
        reconcile_municipal_forms(batches)
        alert_on_rejected_batches(batches)
