"""Flow that brings the monthly counts up to date, takes the indicator snapshot and summarises
it (the ЕПГУ share, I1, as the stored snapshot rows and the report show it)."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

from egov import clock
from egov.calendar import month_label, parse_month, previous_month_end
from egov.quality.alerts import on_flow_failure
from egov.report.summary import share_summary
from tasks import indicators
from tasks.warehouse import check_warehouse_schema


def default_as_of(today: date, is_final: bool) -> date:
    """Today for a provisional run; for a final one the last day of the previous month (the
    final run on the 11th closes the month whose forms were due on the 10th)."""
    return previous_month_end(today) if is_final else today


@flow(name="compute-snapshots", log_prints=True, on_failure=[on_flow_failure])
def compute_snapshots(
    months: list[str] | None = None, as_of: date | None = None, is_final: bool = False
) -> dict[str, Any]:
    """Refresh the monthly counts of the months ('YYYY-MM'; None = every month with facts),
    take the indicator snapshot as of `as_of` and publish its summaries as artifacts.

    Returns the snapshot's share summary (egov.report.summary.share_summary) with the run's
    `is_final`, `months_refreshed`, `refresh` and `snapshot`.
    """
    # Bad month strings fail before any warehouse work, naming the value.
    wanted = sorted({parse_month(m) for m in months}) if months is not None else None
    check_warehouse_schema()
    if wanted is None:
        wanted = indicators.months_with_facts()
    refreshed = indicators.refresh_monthly_counts(wanted)
    as_of = as_of or default_as_of(clock.today(), is_final)
    snapshot = indicators.take_snapshot(as_of)
    data = indicators.read_report_data(snapshot["snapshot_id"])
    summary = {
        **share_summary(data),
        "is_final": is_final,
        "months_refreshed": [month_label(m) for m in wanted],
        "refresh": refreshed,
        "snapshot": snapshot,
    }
    indicators.publish_share_summary(summary)
    indicators.publish_snapshot_summary(data)
    return summary
