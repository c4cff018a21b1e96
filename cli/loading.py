"""`egov run`, `egov backfill`, `egov status`: the loading flows from the command line."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.support import err, one_line_errors, out, per_source_table
from egov.errors import EgovError

if TYPE_CHECKING:
    from egov.loading.backfill import RunReport

SourceOption = Annotated[
    list[str] | None, typer.Option("--source", help="epgu, mfc, omsu or ekc (repeatable).")
]
UntilOption = Annotated[
    datetime | None,
    typer.Option(
        help="ЕПГУ: fetch changes up to this moment (default: the pipeline's clock; Irkutsk time).",
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"],
    ),
]
TodayOption = Annotated[
    datetime | None,
    typer.Option(
        help="ЕКЦ: treat this date as today (default: the clock's date).", formats=["%Y-%m-%d"]
    ),
]


class _ChunkProgress(logging.Handler):
    """Advances a progress bar on each chunk line the flows log (`extra={"egov_chunk": …}`)."""

    def __init__(self, progress: Progress, task_id: Any) -> None:
        super().__init__(level=logging.INFO)
        self.progress, self.task_id = progress, task_id

    def emit(self, record: logging.LogRecord) -> None:
        chunk = getattr(record, "egov_chunk", None)
        if chunk is None:
            return
        label = f"{chunk['source']} {chunk['month'] or 'since mark'}: {chunk['status']}"
        self.progress.update(self.task_id, advance=1, description=f"last chunk {label}")


@contextmanager
def chunk_progress(title: str, total: int | None) -> Iterator[None]:
    """A progress bar over the chunks a flow run reports, on stderr."""
    with Progress(
        TextColumn(f"{title} "),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
    ) as progress:
        handler = _ChunkProgress(progress, progress.add_task("starting", total=total))
        logger = logging.getLogger("prefect.flow_runs")
        logger.addHandler(handler)
        try:
            yield
        finally:
            logger.removeHandler(handler)


def run_flow_report(flow_call: Callable[[], Any]) -> RunReport:
    """Run a pipeline/backfill flow and return its report, also when some chunks failed."""
    from egov.loading.backfill import RunReport

    state = flow_call()
    report = state.result(raise_on_failure=False)
    if isinstance(report, BaseException):
        raise report
    if not isinstance(report, RunReport):
        raise EgovError(f"flow ended {state.type.value}: {state.message}")
    return replace(report, state_message=state.message, is_failed=state.is_failed())


def print_run_report(title: str, report: RunReport) -> None:
    """Totals per source, the failed chunks and the snapshot step, as tables."""
    from egov.loading.backfill import CHUNK_STATUSES, failed_chunks, run_totals

    labels: dict[str, str] = {
        **{status: f"chunks {status}" for status in CHUNK_STATUSES},
        "batches": "batches written",
        "rows_in": "rows in",
        "rows_loaded": "rows loaded",
        "rows_quarantined": "rows quarantined",
        "rows_rejected": "rows of rejected batches",
    }
    table = per_source_table(title, run_totals(report.chunks), labels)
    out.print(table)
    touched, deferred = report.touched_months, report.deferred_months
    if touched:
        line = (
            f"months recomputed by the snapshot step: {touched[0]}..{touched[-1]} ({len(touched)})"
        )
    elif deferred:
        line = (
            f"snapshot step deferred (a chunk failed): {deferred[0]}..{deferred[-1]} "
            f"({len(deferred)}) stay stale for the next run"
        )
    else:
        line = "snapshot step: nothing changed, nothing recomputed"
    out.print(line, highlight=False)
    if report.snapshots:
        print_share_summary([report.snapshots])
    for chunk in failed_chunks(report.chunks):
        err.print(f"[red]failed:[/] {escape(chunk.label)}: {escape(str(chunk.error))}")
    if report.is_failed:
        raise EgovError(str(report.state_message))


def share_summary_table(summaries: Sequence[Mapping[str, Any]]) -> Table:
    """The snapshots' I1 figures (egov.report.summary), one column per snapshot date."""
    from egov.report.summary import summary_rows

    dates = ", ".join(str(s["as_of"]) for s in summaries)
    table = Table(title=f"ЕПГУ share (I1) as of {dates}, from the stored snapshot")
    table.add_column("")
    for summary in summaries:
        table.add_column(str(summary["as_of"]), justify="right")
    columns = [summary_rows(s) for s in summaries]
    for index, (label, _) in enumerate(columns[0] if columns else []):
        table.add_row(label, *(column[index][1] for column in columns))
    return table


def print_share_summary(summaries: Sequence[Mapping[str, Any]]) -> None:
    """The I1 figures of one or more snapshots, as the report and mart.indicator_snapshot have
    them."""
    out.print(share_summary_table(summaries))


def _local(moment: datetime | None) -> datetime | None:
    from egov.sources.contract import IRKUTSK

    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=IRKUTSK)


def run_command(
    period: Annotated[
        str | None,
        typer.Option(help="Month to (re)load, YYYY-MM (default: everything since each mark)."),
    ] = None,
    source: SourceOption = None,
    until: UntilOption = None,
    today: TodayOption = None,
) -> None:
    """Run the `pipeline` flow: ingest → validate → load → snapshot, one chunk per source."""
    from egov.calendar import parse_month
    from egov.loading.backfill import check_sources

    if period is not None:
        parse_month(period, what="--period")
    sources = check_sources(source)
    from flows.pipeline import pipeline

    with chunk_progress("pipeline", len(sources)):
        report = run_flow_report(
            lambda: pipeline(
                period=period,
                sources=sources,
                until=_local(until),
                today=today.date() if today else None,
                return_state=True,
            )
        )
    print_run_report(f"pipeline {period or 'since mark'}", report)


def backfill_command(
    first_month: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    last_month: Annotated[str, typer.Option("--to", help="Last month, YYYY-MM.")],
    source: SourceOption = None,
    recapture: Annotated[
        bool,
        typer.Option(help="Only the months where the freshness calendar reports a gap."),
    ] = False,
    until: UntilOption = None,
    today: TodayOption = None,
) -> None:
    """Run the `backfill` flow over a month range, chunk by chunk (resumable)."""
    from egov.loading.backfill import check_sources, plan_month_chunks

    sources = check_sources(source)
    planned = plan_month_chunks(first_month, last_month, sources)
    from flows.pipeline import backfill

    with chunk_progress("backfill", None if recapture else len(planned)):
        report = run_flow_report(
            lambda: backfill(
                from_month=first_month,
                to_month=last_month,
                sources=sources,
                recapture=recapture,
                until=_local(until),
                today=today.date() if today else None,
                return_state=True,
            )
        )
    print_run_report(f"backfill {first_month}..{last_month}", report)


def _status_rows(
    as_of: datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    from egov.quality.freshness import missing_periods
    from egov.quality.freshness_store import select_loaded_periods, select_municipalities
    from egov.quality.reporting_calendar import load_reporting_calendar
    from egov.warehouse.connection import create_warehouse_engine
    from egov.warehouse.migrations import require_current_schema
    from egov.warehouse.sql import run_sql

    engine = create_warehouse_engine()
    try:
        require_current_schema(engine)
        with engine.connect() as conn:
            loaded = [dict(r) for r in run_sql(conn, "loading/select_status_by_source").mappings()]
            periods, municipalities = select_loaded_periods(conn), select_municipalities(conn)
            last = [
                dict(r)
                for r in run_sql(conn, "loading/select_last_batches", {"limit_rows": 10}).mappings()
            ]
    finally:
        engine.dispose()
    missing = missing_periods(load_reporting_calendar(), periods, as_of, municipalities)
    owed = [
        {
            "source": source,
            "periods_missing": sum(1 for m in missing if m.source == source),
            "earliest_gap": min(
                (m.period.start for m in missing if m.source == source), default=None
            ),
        }
        for source in {m.source for m in missing}
    ]
    return loaded, owed, last


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.astimezone().strftime("%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value:,}"
    return escape(str(value))


STATUS_ROWS = {
    "batches_loaded": "batches loaded",
    "batches_partial": "batches partial",
    "batches_rejected": "batches rejected",
    "batches_skipped_unchanged": "batches unchanged",
    "rows_loaded": "rows loaded",
    "rows_quarantined": "rows quarantined",
    "first_period": "first period",
    "last_period": "last period",
    "periods_missing": "periods missing",
    "earliest_gap": "earliest gap",
}


def status_command(
    as_of: Annotated[
        datetime | None,
        typer.Option(
            help="Judge what is missing at this moment (default: the pipeline's clock, now).",
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
        ),
    ] = None,
) -> None:
    """What is loaded per source, what the reporting calendar says is missing, the last batches."""
    from egov import clock
    from egov.sources import SOURCE_KEYS

    moment = _local(as_of) or clock.now()
    loaded, owed, last = _status_rows(moment)
    if not loaded:
        out.print("no batches loaded yet: run `egov backfill --from 2023-01 --to 2024-12`")
    by_source: dict[str, dict[str, Any]] = {s: {} for s in SOURCE_KEYS}
    for row in [*loaded, *owed]:
        by_source[row["source"]].update(row)
    table = Table(title=f"Loaded, and missing as of {moment:%Y-%m-%d %H:%M}")
    table.add_column("")
    for source in SOURCE_KEYS:
        table.add_column(source, justify="right")
    for key, label in STATUS_ROWS.items():
        default = 0 if key.startswith(("batches", "rows", "periods")) else None
        table.add_row(label, *(_text(by_source[s].get(key, default)) for s in SOURCE_KEYS))
    out.print(table)
    batches = Table(title="Last batches")
    for column in ("id", "source", "batch", "status", "loaded", "finished"):
        batches.add_column(column, justify="right" if column in ("id", "loaded") else "left")
    for row in last:
        batches.add_row(
            _text(row["batch_id"]),
            row["source"],
            escape(row["batch_key"]),
            row["status"],
            f"{row['rows_loaded']:,} of {row['rows_in']:,}",
            _text(row["finished_at"]),
        )
    out.print(batches)


def register(app: typer.Typer) -> None:
    """Add the loading commands to the `egov` app."""
    app.command("run")(one_line_errors(run_command))
    app.command("backfill")(one_line_errors(backfill_command))
    app.command("status")(one_line_errors(status_command))
