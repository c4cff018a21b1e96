"""The I1 share summary of one stored snapshot: the headline figures a data engineer reads.

A pure function of the report's data (`egov.report.data.report_data`), so the table the CLI
prints after a run, the `egov-share-summary` artifact of the `compute-snapshots` flow and the
HTML report show the same figures, read from the same snapshot rows (`core.snapshot_indicator`,
which `mart.indicator_snapshot` exposes). Numbers are formatted the English way here (the
report itself is Russian).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from egov.indicators.engine import STATUSES
from egov.indicators.methodology import INDICATOR_EPGU_SHARE

STATUS_LABELS = {
    "achieved": "achieved",
    "on_track": "on track",
    "at_risk": "at risk",
    "off_track": "off track",
    "deteriorating": "deteriorating",
    "insufficient_data": "insufficient data",
}
NO_STATUS = "no status"
"""A municipality with enough applications but no milestone to be judged against."""


def _year_target(data: Mapping[str, Any], year: str) -> Mapping[str, Any] | None:
    """The plan's milestone of the as-of year (its latest: the year-end one), if any."""
    in_year = [m for m in data.get("milestones") or [] if str(m.get("date", ""))[:4] == year]
    return max(in_year, key=lambda m: str(m["date"])) if in_year else None


def share_summary(data: Mapping[str, Any]) -> dict[str, Any]:
    """Plain-value summary of a snapshot's I1 rows (the report data of that snapshot)."""
    region: Mapping[str, Any] = data.get("region") or {}
    municipalities = list(data.get("municipalities") or [])
    counts = {status: int(data["status_counts"].get(status) or 0) for status in STATUSES}
    target = _year_target(data, str(data["as_of"])[:4])
    inputs: Mapping[str, Any] = data.get("inputs") or {}
    return {
        "indicator": INDICATOR_EPGU_SHARE,
        "as_of": data["as_of"],
        "snapshot_id": data["snapshot_id"],
        "methodology_version": data.get("methodology_version"),
        "plan_version": data.get("plan_version"),
        "first_month": inputs.get("first_month"),
        "last_month": inputs.get("last_month"),
        "load_batches": inputs.get("load_batches"),
        "region_ytd_pct": region.get("actual_pct"),
        "region_numerator": region.get("numerator"),
        "region_denominator": region.get("denominator"),
        "region_month_pct": region.get("month_pct"),
        "region_quarter_pct": region.get("quarter_pct"),
        "region_expected_pct": region.get("expected_pct"),
        "region_gap_pp": region.get("gap_pp"),
        "region_status": region.get("status"),
        "coverage_pct": region.get("coverage_pct"),
        "forms_received": region.get("forms_received"),
        "forms_owed": region.get("forms_owed"),
        "target_date": target["date"] if target else None,
        "target_pct": target["target_pct"] if target else None,
        "municipalities": len(municipalities),
        "status_counts": counts,
        "municipalities_without_status": len(municipalities) - sum(counts.values()),
    }


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value:.1f} %"


def _count(value: Any) -> str:
    return "—" if value is None else f"{value:,}"


def summary_rows(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) lines of a summary, as the CLI table and the artifact show them."""
    of = summary["municipalities"]
    gap = summary["region_gap_pp"]
    target = (
        "—"
        if summary["target_pct"] is None
        else f"{_pct(summary['target_pct'])} by {summary['target_date']}"
    )
    rows = [
        ("snapshot", f"{summary['snapshot_id']}"),
        (
            "versions",
            f"methodology {summary['methodology_version']}, plan {summary['plan_version'] or '—'}",
        ),
        (
            "inputs",
            f"{summary['first_month'] or '—'}..{summary['last_month'] or '—'}, "
            f"{_count(summary['load_batches'])} load batches",
        ),
        ("region, year to date", _pct(summary["region_ytd_pct"])),
        (
            "online / all applications",
            f"{_count(summary['region_numerator'])} / {_count(summary['region_denominator'])}",
        ),
        (
            "region, month / quarter",
            f"{_pct(summary['region_month_pct'])} / {_pct(summary['region_quarter_pct'])}",
        ),
        (
            "plan on the date (gap)",
            f"{_pct(summary['region_expected_pct'])} ("
            + ("—" if gap is None else f"{gap:+.1f} p.p.")
            + ")",
        ),
        ("year's target", target),
        ("region status", STATUS_LABELS.get(summary["region_status"] or "", NO_STATUS)),
        (
            "form coverage",
            f"{_pct(summary['coverage_pct'])} ({_count(summary['forms_received'])} of "
            f"{_count(summary['forms_owed'])})",
        ),
    ]
    rows += [
        (f"municipalities {STATUS_LABELS[status]}", f"{count} of {of}")
        for status, count in summary["status_counts"].items()
    ]
    rows.append(
        (f"municipalities with {NO_STATUS}", f"{summary['municipalities_without_status']} of {of}")
    )
    return rows


def share_summary_markdown(summaries: Sequence[Mapping[str, Any]]) -> str:
    """Summaries as a markdown artifact: one column per snapshot, one row per figure."""
    dates = ", ".join(str(s["as_of"]) for s in summaries)
    lines = [f"# ЕПГУ share (I1) as of {dates}", ""]
    if not summaries:
        return "\n".join([*lines, "No snapshot.", ""])
    columns = [summary_rows(s) for s in summaries]
    lines += [
        "| | " + " | ".join(str(s["as_of"]) for s in summaries) + " |",
        "| --- |" + " ---: |" * len(summaries),
    ]
    for index, (label, _) in enumerate(columns[0]):
        lines.append(f"| {label} | " + " | ".join(c[index][1] for c in columns) + " |")
    lines += [
        "",
        "From the stored snapshot rows (`mart.indicator_snapshot`), as in the HTML report. Shares "
        "are ratios of sums over the year to date; coverage is the municipal forms received of "
        "those owed by the date; statuses follow the methodology (too few applications: "
        "insufficient data).",
    ]
    return "\n".join(lines) + "\n"
