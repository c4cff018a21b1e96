"""`egov snapshot` and `egov report`: indicator snapshots and the adviser's HTML report."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.support import err, one_line_errors, out
from egov.report.summary import STATUS_LABELS

AsOfOption = Annotated[
    datetime,
    typer.Option("--as-of", help="Snapshot date (YYYY-MM-DD).", formats=["%Y-%m-%d"]),
]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def run_snapshot_flow(as_of: datetime) -> dict[str, Any]:
    """Run the compute-snapshots flow as of a date; returns its result."""
    from flows.snapshots import compute_snapshots

    with err.status(f"Computing the snapshot as of {as_of:%Y-%m-%d}"):
        result: dict[str, Any] = compute_snapshots(as_of=as_of.date())
    return result


def print_snapshot(data: dict[str, Any], snapshot: dict[str, Any] | None = None) -> None:
    """Headline, status counts and the municipalities furthest behind."""
    region = data["region"]
    state = ""
    if snapshot is not None:
        state = "new, " if snapshot["is_new"] else "unchanged (already stored), "
    out.print(
        f"snapshot {data['snapshot_id']} as of {data['as_of']}: {state}methodology "
        f"{data['methodology_version']}, plan {data['plan_version']}, "
        f"{data['inputs']['load_batches']:,} load batches",
        soft_wrap=True,
        highlight=False,
    )
    title = f"ЕПГУ share (I1) as of {data['as_of']}: the region and the furthest behind"
    table = Table(title=title)
    for column in ("scope", "YTD share", "expected", "gap, p.p.", "status", "forecast"):
        table.add_column(column, justify="left" if column in ("scope", "status") else "right")
    rows = [("region", region)] + [(m["name"] or m["oktmo"], m) for m in data["furthest_behind"]]
    for name, row in rows:
        table.add_row(
            name,
            _pct(row.get("actual_pct")),
            _pct(row.get("expected_pct")),
            "—" if row.get("gap_pp") is None else f"{row['gap_pp']:+.1f}",
            STATUS_LABELS.get(row.get("status") or "", "—"),
            _pct(row.get("forecast_pct")),
        )
    out.print(table)
    counts = ", ".join(f"{STATUS_LABELS[k]} {v}" for k, v in data["status_counts"].items() if v)
    out.print(f"municipalities: {counts}")


def snapshot_command(as_of: AsOfOption) -> None:
    """Compute the indicator snapshot as of a date (refreshing stale monthly counts first)."""
    from egov.report.data import report_data
    from egov.warehouse.connection import create_warehouse_engine

    result = run_snapshot_flow(as_of)
    snapshot = result["snapshot"]
    engine = create_warehouse_engine()
    try:
        print_snapshot(report_data(engine, snapshot["snapshot_id"]), snapshot)
    finally:
        engine.dispose()


def report_command(
    as_of: AsOfOption,
    out_path: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path(
        "report.html"
    ),
    snapshot_id: Annotated[
        int | None,
        typer.Option(help="Render this stored snapshot (default: the latest of the date)."),
    ] = None,
) -> None:
    """Write the self-contained HTML report of the snapshot as of a date (taking it if the
    date has none yet)."""
    from egov.report.data import current_snapshot_id, report_data
    from egov.report.render import render_report_html
    from egov.warehouse.connection import create_warehouse_engine

    engine = create_warehouse_engine()
    try:
        chosen = snapshot_id or current_snapshot_id(engine, as_of.date())
        if chosen is None:
            chosen = int(run_snapshot_flow(as_of)["snapshot"]["snapshot_id"])
        data = report_data(engine, chosen)
    finally:
        engine.dispose()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(render_report_html(data), encoding="utf-8")
    print_snapshot(data)
    out.print(f"report written to {out_path}")


def register(app: typer.Typer) -> None:
    """Add the snapshot commands to the `egov` app."""
    app.command("snapshot")(one_line_errors(snapshot_command))
    app.command("report")(one_line_errors(report_command))
