"""Tasks that read, load and report the reference data."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import runtime, task
from prefect.artifacts import create_markdown_artifact

from egov.reference.bundle import ReferenceBundle, read_reference_bundle
from egov.reference.load import write_reference_bundle
from egov.reference.summary import reference_load_markdown
from egov.settings import get_settings
from egov.warehouse.connection import warehouse_engine
from tasks.retry import WAREHOUSE_RETRIES, WAREHOUSE_RETRY_DELAY_SECONDS, is_transient_failure


@task
def read_reference_files(reference_dir: str | None) -> ReferenceBundle:
    """Read and validate every reference file (default: EGOV_REFERENCE_DIR); fails before writes."""
    return read_reference_bundle(
        Path(reference_dir) if reference_dir else get_settings().reference_dir
    )


@task(
    retries=WAREHOUSE_RETRIES,
    retry_delay_seconds=WAREHOUSE_RETRY_DELAY_SECONDS,
    retry_condition_fn=is_transient_failure,
)
def write_reference_data(bundle: ReferenceBundle) -> list[dict[str, Any]]:
    """Load the bundle into the warehouse in one transaction; returns one result per dataset."""
    flow_run_id = runtime.flow_run.id
    with warehouse_engine() as engine:
        results = write_reference_bundle(engine, bundle, str(flow_run_id) if flow_run_id else None)
    return [asdict(r) for r in results]


@task
def publish_reference_summary(results: list[dict[str, Any]]) -> None:
    """Publish the load results as a markdown artifact on the flow run."""
    create_markdown_artifact(
        key="reference-load-summary",
        markdown=reference_load_markdown(results),
        description="Reference data load: what changed per dataset",
    )
