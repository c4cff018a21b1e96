"""`egov quality …`: what the quality gate found, read back from the warehouse."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from cli.support import one_line_errors, out
from egov.errors import WarehouseError

if TYPE_CHECKING:
    from egov.quality.report import QualityFindings

quality_app = typer.Typer(
    help="Inspect the data-quality gate's results in the warehouse.", no_args_is_help=True
)


def _read_findings(source: str | None, period: str | None) -> QualityFindings:
    import sqlalchemy as sa
    from psycopg2 import errors as pg_errors

    from egov.quality.report import select_quality_findings
    from egov.warehouse.connection import create_warehouse_engine

    engine = create_warehouse_engine()
    try:
        with engine.connect() as conn:
            return select_quality_findings(conn, source, period)
    except sa.exc.ProgrammingError as exc:
        if isinstance(exc.orig, pg_errors.UndefinedTable):
            raise WarehouseError(
                "the warehouse has no quality tables yet: run `egov warehouse upgrade`"
            ) from None
        raise
    finally:
        engine.dispose()


def _period(start: date, end: date) -> str:
    if start == end:
        return str(start)
    if start.day == 1 and (end + timedelta(days=1)).day == 1 and end - start < timedelta(days=31):
        return start.strftime("%Y-%m")
    return f"{start}..{end}"


def _text(value: Any) -> str:
    """A warehouse value as table text: brackets in file names or messages are not markup."""
    return "" if value is None else escape(str(value))


def _title(title: str, rows: list[dict[str, Any]]) -> str:
    from egov.quality.report import MAX_ROWS

    return f"{title} (first {MAX_ROWS})" if len(rows) >= MAX_ROWS else title


SOURCE_METRICS = {
    "batches_loaded": "batches loaded",
    "batches_partial": "batches partial",
    "batches_rejected": "batches rejected",
    "batches_unchanged": "batches unchanged",
    "rows_in": "rows in",
    "rows_loaded": "rows loaded",
    "rows_quarantined": "rows quarantined",
    "rows_rejected": "rows rejected",
}


def _print_sources(findings: QualityFindings) -> None:
    # One column per source keeps the table readable in an 80-column terminal.
    table = Table(title="Validated batches")
    table.add_column("")
    for s in findings.sources:
        table.add_column(s["source"], justify="right")
    for metric, label in SOURCE_METRICS.items():
        table.add_row(label, *(f"{int(s[metric]):,}" for s in findings.sources))
    table.add_row(
        "rows accounted",
        *(
            "yes" if not int(s["batches_unaccounted"]) else f"[red]no ({s['batches_unaccounted']})"
            for s in findings.sources
        ),
    )
    out.print(table)


def _rows(b: dict[str, Any]) -> str:
    return (
        f"{int(b['rows_in']):,} = {int(b['rows_loaded']):,} + {int(b['rows_quarantined']):,}"
        f" + {int(b['rows_rejected']):,}"
    )


def _print_batches(findings: QualityFindings) -> None:
    if not findings.batches:
        out.print("Every batch loaded in full and passed every expectation.")
        return
    table = Table(title=_title("Batches with findings", findings.batches))
    table.add_column("batch", justify="right", no_wrap=True)
    table.add_column("delivery", overflow="fold")
    table.add_column("period")
    table.add_column("status", no_wrap=True)
    table.add_column("rows in = loaded + quar. + rej.", justify="right")
    table.add_column("failed", justify="right")
    for b in findings.batches:
        table.add_row(
            str(b["batch_id"]),
            _text(f"{b['source']} {b['batch_key']}"),
            _period(b["period_start"], b["period_end"]),
            b["status"],
            _rows(b),
            str(b["failed_expectations"]),
            style="red" if b["status"] == "rejected" else None,
        )
    out.print(table)


def _print_failed_expectations(findings: QualityFindings) -> None:
    if not findings.failed_expectations:
        return
    table = Table(title=_title("Failed expectations", findings.failed_expectations))
    table.add_column("delivery", overflow="fold")
    table.add_column("expectation", overflow="fold")
    table.add_column("severity", no_wrap=True)
    table.add_column("unexpected", justify="right")
    table.add_column("detail", overflow="fold")
    for r in findings.failed_expectations:
        table.add_row(
            _text(f"{r['source']} {r['batch_key']}"),
            _text(f"{r['suite']}: {r['expectation']}"),
            r["severity"],
            f"{int(r['unexpected_count']):,} of {int(r['element_count']):,}",
            _text(r["detail"]),
            style="red" if r["severity"] == "blocking" else None,
        )
    out.print(table)


def _print_quarantine(findings: QualityFindings) -> None:
    if not findings.quarantine_reasons:
        return
    table = Table(title=_title("Top quarantine reasons", findings.quarantine_reasons))
    table.add_column("source", no_wrap=True)
    table.add_column("rule (column)", overflow="fold")
    table.add_column("rows / batches", justify="right")
    table.add_column("first row", overflow="fold")
    table.add_column("reason", overflow="fold")
    for q in findings.quarantine_reasons:
        column = f" ({q['column_name']})" if q["column_name"] else ""
        table.add_row(
            q["source"],
            _text(f"{q['rule']}{column}"),
            f"{int(q['quarantined_rows']):,} / {int(q['batches']):,}",
            _text(f"{q['example_file']}, row {q['example_row']}"),
            _text(q["example_reason"]),
        )
    out.print(table)


@quality_app.command("report")
@one_line_errors
def quality_report(
    source: Annotated[
        str | None, typer.Option("--source", help="Only this source: epgu, mfc, omsu or ekc.")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="Only batches whose period overlaps this month, YYYY-MM."),
    ] = None,
) -> None:
    """Print the quality gate's findings: batches, failed expectations, quarantine reasons."""
    from egov.calendar import parse_month
    from egov.sources.ingest import check_source_key

    if source is not None:
        source = check_source_key(source)
    if period is not None:
        parse_month(period, what="--period")
    findings = _read_findings(source, period)
    scope = " and ".join(
        part
        for part in (f"source {source}" if source else "", f"period {period}" if period else "")
        if part
    )
    if not findings.batch_count:
        out.print(f"no validated batches{f' for {scope}' if scope else ' yet'}", highlight=False)
        return
    _print_sources(findings)
    _print_batches(findings)
    _print_failed_expectations(findings)
    _print_quarantine(findings)
