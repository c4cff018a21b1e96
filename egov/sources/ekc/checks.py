"""ЕКЦ checks the suites cannot make: an empty final export, a call loaded from another day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.engine import Connection

from egov.quality.inputs import PendingDelivery
from egov.quality.quarantine import quarantine_rows
from egov.quality.suites import RowRule
from egov.quality.verdicts import BatchVerdict
from egov.sources.ekc.client import is_final_ekc_export
from egov.sources.records import Finding, ParsedDelivery
from egov.warehouse.sql import run_sql

CORE_SUITE = "core_fact_ekc_call"
"""The suite the across-days rule reports under (it checks rows about to be loaded)."""
# core.fact_ekc_call is keyed by call_id alone. A few repeated ids are quarantined like rows
# failing any rule; more than 5 % look like another day's export under this day's date, and
# rejecting that keeps the day's earlier load in force.
CALL_ID_ACROSS_DAYS = RowRule(
    rule="call_id_is_unique_across_days",
    severity="blocking",
    reason="the call id is already loaded from another day's export",
    expectation_type="lookup in core.fact_ekc_call",
    mostly=0.95,
    column="call_id",
)
# The period locks are per day: without this one a concurrent load of another day could insert
# the same call id between this day's check and its insert.
EKC_CALL_IDS_LOCK = "load/ekc/call_ids"


def check_final_export_has_calls(
    tables: Sequence[ParsedDelivery], pending: PendingDelivery
) -> None:
    """Add a blocking finding to a final ЕКЦ export without calls.

    Today's export fetched after midnight may hold none yet; a final one (fetched two days
    later or more) without calls is a broken export that would replace the day's calls with
    nothing, since the contact centre answers around the clock.
    """
    (parsed,) = tables
    fetched_on = pending.metadata.get("fetched_on")
    if parsed.rows_in or fetched_on is None:
        return
    day, fetched = pending.period_start, date.fromisoformat(str(fetched_on))
    if is_final_ekc_export(day, fetched):
        parsed.findings.append(
            Finding(
                parsed.source,
                parsed.file,
                "final_export_is_empty",
                f"the export of {day.isoformat()}, final when fetched on {fetched.isoformat()}, "
                "holds no calls",
                "blocking",
            )
        )


def check_calls_of_other_days(conn: Connection, verdict: BatchVerdict) -> BatchVerdict:
    """An ЕКЦ verdict with its calls already loaded from another day's export held back."""
    calls = verdict.accepted.get("calls")
    if calls is None:
        return verdict
    run_sql(conn, "loading/acquire_period_lock", {"lock_name": EKC_CALL_IDS_LOCK})
    # Only other days count: the day's own rows are deleted before its rows are inserted.
    loaded = {
        str(r["call_id"]): r["export_day"]
        for r in run_sql(
            conn,
            "quality/select_ekc_calls_loaded_on_other_days",
            {"call_ids": calls["call_id"].astype(str).tolist(), "day": verdict.batch.period_start},
        ).mappings()
    }
    hits = calls[calls["call_id"].isin(list(loaded))]
    reasons = {
        int(row): f"call_id {call_id} is already loaded from the export of {loaded[call_id]}"
        for call_id, row in zip(hits["call_id"], hits["source_row"], strict=True)
    }
    return quarantine_rows(verdict, "calls", CALL_ID_ACROSS_DAYS, CORE_SUITE, reasons)
