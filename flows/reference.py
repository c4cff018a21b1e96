"""Flow that loads the reference data (municipalities, services, channels, plan-schedules)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from tasks.reference import publish_reference_summary, read_reference_files, write_reference_data
from tasks.warehouse import check_warehouse_schema


@flow(name="load-reference-data", log_prints=True)
def load_reference_data(reference_dir: str | None = None) -> list[dict[str, Any]]:
    """Validate the reference folder, load it atomically and publish a summary artifact."""
    check_warehouse_schema()
    bundle = read_reference_files(reference_dir)
    results = write_reference_data(bundle)
    publish_reference_summary(results)
    return results
