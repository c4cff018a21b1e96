"""Tasks of the data-quality gate (thin wrappers over egov.quality)."""

from __future__ import annotations

from typing import Literal

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from egov.calendar import parse_month
from egov.loading.backfill import ChunkReport, chunk_report
from egov.loading.reprocess import reprocess_source
from egov.quality import load
from egov.quality.alerts import emit_alert
from egov.quality.batches import rejected_batches, touched_months
from egov.quality.reconcile import reconcile_months
from egov.quality.summary import BatchSummary
from egov.settings import get_settings
from egov.sources.ingest import raw_store
from egov.sources.ingest_summary import ingest_summary_markdown
from egov.sources.landing import LandingResult
from egov.warehouse.connection import warehouse_engine
from tasks.retry import WAREHOUSE_RETRIES, WAREHOUSE_RETRY_DELAY_SECONDS, is_transient_failure


@task(
    task_run_name="validate-and-load-{source}",
    retries=WAREHOUSE_RETRIES,
    retry_delay_seconds=WAREHOUSE_RETRY_DELAY_SECONDS,
    retry_condition_fn=is_transient_failure,
)
def validate_and_load_deliveries(
    source: str, data_docs: Literal["all", "failed"] = "all"
) -> list[BatchSummary]:
    """Validate every landed, not yet validated delivery of a source and load it per batch.

    A retry after a lost connection resumes: committed batches are no longer pending. Data Docs
    pages are built for every validation, or (`failed`, what backfills use: a page costs about
    0.2 s) only for those with a failed expectation.
    """
    settings = get_settings()
    with warehouse_engine() as engine:
        run_id = flow_run.get_id()
        batches, gx_results = load.validate_and_load(
            engine,
            raw_store(settings),
            source,
            flow_run_id=str(run_id) if run_id else None,
            keep_results=data_docs,
        )
    if gx_results:
        from egov.quality.data_docs import build_data_docs
        from egov.quality.suites import gx_runtime

        build_data_docs(gx_runtime().context, gx_results, settings.resolved_data_docs_dir)
    return batches


@task(
    task_run_name="reprocess-{source}-{first_month}-{last_month}",
    retries=WAREHOUSE_RETRIES,
    retry_delay_seconds=WAREHOUSE_RETRY_DELAY_SECONDS,
    retry_condition_fn=is_transient_failure,
)
def reprocess_deliveries(source: str, first_month: str, last_month: str) -> ChunkReport:
    """Re-validate and reload a source's landed deliveries of a month range (its chunk report).

    A retry after a lost connection resumes: a committed batch records its verdict, so the
    retry finds it unchanged.
    """
    with warehouse_engine() as engine:
        run_id = flow_run.get_id()
        batches = reprocess_source(
            engine,
            raw_store(get_settings()),
            source,
            parse_month(first_month, what="from"),
            parse_month(last_month, what="to"),
            flow_run_id=str(run_id) if run_id else None,
        )
    return chunk_report(source, f"{first_month}..{last_month}", [], batches)


@task(
    retries=WAREHOUSE_RETRIES,
    retry_delay_seconds=WAREHOUSE_RETRY_DELAY_SECONDS,
    retry_condition_fn=is_transient_failure,
)
def reconcile_municipal_forms(batches: list[BatchSummary]) -> int:
    """Compare the municipal forms of the months the batches touched with epgu / mfc facts."""
    with warehouse_engine() as engine:
        results = reconcile_months(engine, touched_months(batches))
    return sum(1 for rules in results.values() for r in rules if not r.success)


@task
def alert_on_rejected_batches(batches: list[BatchSummary]) -> int:
    """Raise one alert per rejected batch, with the source, period and reason."""
    rejected = rejected_batches(batches)
    for batch in rejected:
        emit_alert(
            "rejected_batch",
            batch.source,
            batch.period_label,
            batch.message,
            details={"batch_id": batch.batch_id, "batch_key": batch.batch_key},
        )
    return len(rejected)


@task(task_run_name="publish-{source}-quality-summary")
def publish_quality_summary(
    source: str, landed: list[LandingResult], batches: list[BatchSummary]
) -> None:
    """Publish what was landed, accepted, quarantined and rejected as a markdown artifact."""
    create_markdown_artifact(
        key=f"{source}-ingest-summary",
        markdown=ingest_summary_markdown(source, landed, batches),
        description=f"{source}: deliveries landed, validated and loaded",
    )
