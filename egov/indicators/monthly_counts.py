"""Refreshing core.agg_application_monthly, one month per transaction, rewriting only changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection, Engine

from egov.calendar import month_label, months_of
from egov.indicators.methodology import Methodology, current_methodology
from egov.warehouse.sql import run_sql


def refresh_month(
    conn: Connection, month: date, methodology: Methodology | None = None
) -> dict[str, Any]:
    """Merge one month's counts (and its lineage) from the facts, in the caller's transaction.

    Takes the month's advisory lock first, so two runs refreshing the same month queue up
    instead of racing on the same keys.
    """
    params = {"month": month}
    methodology = methodology or current_methodology()
    run_sql(conn, "indicators/acquire_month_lock", params)
    run_sql(
        conn,
        "indicators/create_monthly_counts_staging",
        {**params, **methodology.exclusion_params()},
    )
    deleted = run_sql(conn, "indicators/delete_stale_monthly_counts", params).rowcount
    updated = run_sql(conn, "indicators/update_changed_monthly_counts").rowcount
    inserted = run_sql(conn, "indicators/insert_new_monthly_counts").rowcount
    # The snapshot's lineage of the month, from the same facts in the same transaction.
    run_sql(conn, "indicators/replace_month_load_batches", params)
    run_sql(conn, "indicators/delete_stale_month", params)
    return {
        "month": month_label(month),
        "inserted": int(inserted),
        "updated": int(updated),
        "deleted": int(deleted),
    }


def refresh_monthly_counts(
    engine: Engine, months: Iterable[date], methodology: Methodology | None = None
) -> list[dict[str, Any]]:
    """Refresh the aggregate for each month (any day of it), one transaction per month.

    Returns per month the rows inserted, updated and deleted; re-running with the same facts
    reports zeros and leaves the table byte-identical.
    """
    methodology = methodology or current_methodology()
    results = []
    for month in months_of(months):
        with engine.begin() as conn:
            results.append(refresh_month(conn, month, methodology))
    return results


def months_with_facts(engine: Engine) -> list[date]:
    """Every month with application facts, a loaded form, or rows already aggregated."""
    with engine.connect() as conn:
        return [r.month for r in run_sql(conn, "indicators/select_months_with_facts")]
