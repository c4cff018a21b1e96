"""Cross-source reconciliation: the municipal form's ЕПГУ and МФЦ figures against the facts.

The form's «в т.ч. через ЕПГУ» and «через МФЦ» duplicate what the epgu and mfc sources deliver
(sources.md §3); they are never added to an indicator, only compared. A difference beyond the
tolerance is a warning on the form's batch with both numbers. The rules (tolerance, statuses
the form does not count) are in the `reconciliation` list of the omsu source suite.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from egov.quality.suites import Suite, suite_for
from egov.quality.verdicts import RuleResult
from egov.quality.write import expectation_result_params
from egov.warehouse.sql import run_sql

MAX_LISTED = 50


def is_within_tolerance(
    written: int, counted: int, *, tolerance_abs: int, tolerance_pct: float
) -> bool:
    """|written − counted| ≤ max(absolute tolerance, tolerance_pct % of the counted value)."""
    allowed = max(float(tolerance_abs), abs(counted) * tolerance_pct / 100.0)
    return abs(written - counted) <= allowed + 1e-9


def compare_forms(rows: Iterable[Mapping[str, Any]], suite: Suite) -> dict[int, list[RuleResult]]:
    """Per form batch, one result per reconciliation rule; rows whose source is incomplete or
    whose form cell is empty are not compared (they count in neither element_count nor fails)."""
    by_batch: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        by_batch[int(row["load_batch_id"])].append(row)
    results: dict[int, list[RuleResult]] = {}
    for batch_id, form_rows in by_batch.items():
        batch_results: list[RuleResult] = []
        for rule in suite.reconciliation:
            compared = 0
            differences: list[dict[str, Any]] = []
            for row in form_rows:
                written, counted = row[rule["form_column"]], row[rule["counted_column"]]
                if written is None or counted is None:
                    continue
                compared += 1
                if not is_within_tolerance(
                    int(written),
                    int(counted),
                    tolerance_abs=int(rule["tolerance_abs"]),
                    tolerance_pct=float(rule["tolerance_pct"]),
                ):
                    differences.append(
                        {
                            "oktmo": row["oktmo"],
                            "month": row["report_month"].isoformat()[:7],
                            "service_code": row["service_code"],
                            "form": int(written),
                            "counted": int(counted),
                            "difference": int(written) - int(counted),
                        }
                    )
            if not compared:
                continue
            details = {
                "reason": rule["reason"],
                "tolerance_abs": rule["tolerance_abs"],
                "tolerance_pct": rule["tolerance_pct"],
                "differences": differences[:MAX_LISTED],
            }
            batch_results.append(
                RuleResult(
                    str(rule["rule"]),
                    suite.name,
                    "blocking" if rule["severity"] == "blocking" else "warning",
                    not differences,
                    compared,
                    len(differences),
                    details,
                )
            )
        if batch_results:
            results[batch_id] = batch_results
    return results


def reconcile_months(engine: Engine, months: Sequence[date]) -> dict[int, list[RuleResult]]:
    """Compare the forms of the months with the epgu / mfc facts; record the results."""
    if not months:
        return {}
    suite = suite_for("omsu", "applications", "source")
    excluded = {
        str(r["counted_column"]): list(r["excluded_statuses"]) for r in suite.reconciliation
    }
    with engine.begin() as conn:
        rows = run_sql(
            conn,
            "quality/select_form_reconciliation",
            {
                "months": sorted(set(months)),
                "epgu_excluded": excluded.get("epgu_counted", []),
                "mfc_excluded": excluded.get("mfc_counted", []),
            },
        ).mappings()
        results = compare_forms([dict(r) for r in rows], suite)
        params = [
            expectation_result_params(batch_id, r)
            for batch_id, batch_results in sorted(results.items())
            for r in batch_results
        ]
        if params:
            run_sql(conn, "quality/insert_expectation_result", params)
    return results
