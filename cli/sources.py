"""`egov sources …`: generate and serve the simulated world, fetch deliveries through the flows."""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from cli.support import one_line_errors, out, per_source_table, progress_steps
from egov.errors import EgovError
from egov.sources import SOURCE_KEYS

if TYPE_CHECKING:
    from egov.sources.ingest_summary import IngestReport

sources_app = typer.Typer(
    help="Simulate the four source systems and fetch their deliveries.", no_args_is_help=True
)

MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
DEFECT_LEVELS = ("none", "realistic", "heavy")


def _month(value: str, option: str) -> str:
    if not MONTH.fullmatch(value):
        raise EgovError(f"{option} must be a month like 2023-01, got {value!r}")
    return value


DATETIME_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"]
"""Accepted moments; one without an offset is Irkutsk local time, like every source."""


def _local(moment: datetime | None) -> datetime | None:
    from egov.sources.contract import IRKUTSK

    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=IRKUTSK)


def _world_dir(option: Path | None) -> Path:
    from egov.settings import get_settings

    return option or get_settings().resolved_world_dir


@sources_app.command("generate")
@one_line_errors
def sources_generate(
    first_month: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")] = "2023-01",
    last_month: Annotated[str, typer.Option("--to", help="Last month, YYYY-MM.")] = "2024-12",
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="World folder (default: EGOV_WORLD_DIR or <data dir>/world)."),
    ] = None,
    scale: Annotated[
        float, typer.Option(help="Volume multiplier; 1.0 = the whole oblast.", min=0.001)
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same world.")] = 20240321,
    defects: Annotated[
        str, typer.Option(help="Known source defects to inject: none, realistic or heavy.")
    ] = "realistic",
) -> None:
    """Write a deterministic simulated world: API record stores and the inbox files."""
    from egov.simulator import generate_world

    if defects not in DEFECT_LEVELS:
        raise EgovError(f"--defects must be one of {', '.join(DEFECT_LEVELS)}, got {defects!r}")
    first, last = _month(first_month, "--from"), _month(last_month, "--to")
    if first > last:
        raise EgovError(f"--from {first} is after --to {last}")
    folder = _world_dir(out_dir)
    with progress_steps() as step:
        manifest = step(
            f"Generating the world {first}..{last} at scale {scale}",
            lambda: generate_world(
                folder,
                first,
                last,
                scale=scale,
                seed=seed,
                defects=defects,  # type: ignore[arg-type]
            ),
        )
    table = Table(title=f"Simulated world in {folder}", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in manifest["counts"].items():
        table.add_row(key.replace("_", " "), f"{value:,}")
    table.add_row("injected defects", f"{len(manifest['injected_defects']):,}")
    table.add_row("missing municipal reports", f"{len(manifest['missing_reports']):,}")
    out.print(table)
    out.print(f"serve it with: egov sources serve --data {folder}", highlight=False)


@sources_app.command("serve")
@one_line_errors
def sources_serve(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="World folder (default: EGOV_WORLD_DIR or <data dir>/world)."),
    ] = None,
    epgu_port: Annotated[int | None, typer.Option(help="ЕПГУ API port.")] = None,
    ekc_port: Annotated[int | None, typer.Option(help="ЕКЦ export port.")] = None,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            help=(
                "Pretend it is this moment: later records are unknown (default: EGOV_CLOCK, "
                "else the world's end, noon on the 10th after its last month)."
            ),
            formats=DATETIME_FORMATS,
        ),
    ] = None,
    rate_limit_rate: Annotated[
        float, typer.Option(help="Share of requests answered 429 with Retry-After.")
    ] = 0.0,
    error_rate: Annotated[
        float, typer.Option(help="Share of requests answered 500/502/503.")
    ] = 0.0,
    slow_rate: Annotated[float, typer.Option(help="Share of requests answered slowly.")] = 0.0,
    slow_sec: Annotated[float, typer.Option(help="Delay of a slow answer, seconds.")] = 5.0,
    cursor_ttl_sec: Annotated[
        float, typer.Option(help="ЕПГУ cursor lifetime before 410 Gone, seconds.")
    ] = 600.0,
    nightly_maintenance: Annotated[
        str | None,
        typer.Option(help="Local-time window answered 503, e.g. 03:00-03:30."),
    ] = None,
) -> None:
    """Serve the world's ЕПГУ API and ЕКЦ export on 127.0.0.1 until interrupted."""
    from egov.clock import world_now
    from egov.settings import DEFAULT_EKC_PORT, DEFAULT_EPGU_PORT, get_settings
    from egov.simulator import FaultPlan, serve_forever

    settings = get_settings()
    folder = _world_dir(data)
    if not (folder / "world.json").is_file():
        raise EgovError(f"{folder} holds no simulated world: run `egov sources generate` first")
    faults = FaultPlan(
        rate_limit_rate=rate_limit_rate,
        error_rate=error_rate,
        slow_rate=slow_rate,
        slow_sec=slow_sec,
        cursor_ttl_sec=cursor_ttl_sec,
        nightly_maintenance=nightly_maintenance,
    )
    serve_forever(
        folder,
        host="127.0.0.1",
        epgu_port=epgu_port or DEFAULT_EPGU_PORT,
        ekc_port=ekc_port or DEFAULT_EKC_PORT,
        faults=faults,
        as_of=_local(as_of) or settings.clock or world_now(folder),
        token=settings.epgu_token,
        ekc_user=settings.ekc_user,
        ekc_password=settings.ekc_password,
        announce=lambda message: out.print(message, highlight=False),
    )


def _run_ingest(source: str, until: datetime | None, today: date | None) -> IngestReport:
    from flows.ingest import run_ingest_flow

    return run_ingest_flow(source, until=until, today=today)


@sources_app.command("fetch")
@one_line_errors
def sources_fetch(
    source: Annotated[
        list[str] | None, typer.Option("--source", help="epgu, mfc, omsu or ekc (repeatable).")
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(
            help="ЕПГУ: fetch changes up to this moment (default: now).", formats=DATETIME_FORMATS
        ),
    ] = None,
    today: Annotated[
        datetime | None, typer.Option(help="ЕКЦ: treat this date as today (default: today).")
    ] = None,
) -> None:
    """Fetch / collect deliveries through the ingest flows: land raw, validate, load, summarise."""
    from egov.sources.ingest_summary import STATUSES, ingest_totals
    from egov.sources.registry import check_source_key

    chosen = [check_source_key(s) for s in (source or list(SOURCE_KEYS))]
    totals: list[dict[str, Any]] = []
    failures: list[str] = []
    with progress_steps() as step:
        for key in chosen:
            try:
                outcomes = step(
                    f"Running the {key} ingest flow",
                    functools.partial(
                        _run_ingest, key, _local(until), today.date() if today else None
                    ),
                )
            except EgovError as exc:
                # One source failing must not stop the others; the failure is reported below.
                failures.append(str(exc))
                continue
            totals.append(ingest_totals(key, outcomes.deliveries, outcomes.batches))
    labels = {
        **{status: f"deliveries {status}" for status in STATUSES},
        "batches_loaded": "batches loaded",
        "batches_partial": "batches partial",
        "batches_rejected": "batches rejected",
        "rows_in": "rows in",
        "rows_loaded": "rows loaded",
        "rows_quarantined": "rows quarantined",
        "rows_rejected": "rows of rejected batches",
    }
    table = per_source_table("Source deliveries", totals, labels)
    out.print(table)
    if failures:
        raise EgovError("; ".join(failures))
