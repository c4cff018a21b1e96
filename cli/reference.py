"""`egov reference …`: check and load the reference data files, and summarise them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.support import one_line_errors, out, progress_steps

reference_app = typer.Typer(help="Check and load the reference data files.", no_args_is_help=True)


def _reference_dir(option: Path | None) -> Path:
    from egov.settings import get_settings

    return option or get_settings().reference_dir


ReferenceDirOption = Annotated[
    Path | None,
    typer.Option("--dir", help="Reference folder (default: EGOV_REFERENCE_DIR or ./reference)."),
]


@reference_app.command("check")
@one_line_errors
def reference_check(reference_dir: ReferenceDirOption = None) -> None:
    """Validate the reference files without touching the warehouse."""
    from egov.reference.bundle import read_reference_bundle

    bundle = read_reference_bundle(_reference_dir(reference_dir))
    out.print(
        f"reference files are valid: {len(bundle.municipalities.rows)} municipality rows, "
        f"{len(bundle.services.rows)} services, {len(bundle.channels.rows)} channels, "
        f"{len(bundle.plans)} plan-schedule version(s)"
    )


def run_reference_flow(folder: Path) -> list[dict[str, Any]]:
    """Load the reference folder through the `load-reference-data` flow."""
    from flows.reference import load_reference_data

    return load_reference_data(reference_dir=str(folder))


def _print_load_results(results: list[dict[str, Any]]) -> None:
    table = Table(title="Reference data load")
    for column in ("dataset", "version", "status"):
        table.add_column(column, no_wrap=True)
    for column in ("rows in", "inserted", "updated", "deleted"):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            r["dataset"],
            r["version"],
            r["status"],
            str(r["rows_in"]),
            str(r["rows_inserted"]),
            str(r["rows_updated"]),
            str(r["rows_deleted"]),
        )
    out.print(table)


@reference_app.command("load")
@one_line_errors
def reference_load(reference_dir: ReferenceDirOption = None) -> None:
    """Validate and load the reference data through the `load-reference-data` Prefect flow."""
    folder = _reference_dir(reference_dir)
    with progress_steps() as step:
        results = step("Running flow load-reference-data", lambda: run_reference_flow(folder))
    _print_load_results(results)


# --- demo --------------------------------------------------------------------------------


def _reference_summary() -> dict[str, Any]:
    from egov.warehouse.connection import warehouse_engine
    from egov.warehouse.sql import run_sql

    with warehouse_engine() as engine, engine.connect() as conn:
        return dict(run_sql(conn, "reference/select_reference_summary").mappings().one())


def reference_dir_default() -> Path:
    """The configured reference folder."""
    return _reference_dir(None)


def print_reference_summary() -> None:
    """The reference data in the warehouse, as one table."""
    summary = _reference_summary()
    table = Table(title="Warehouse reference data", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("municipalities valid today", str(summary["municipalities_current"]))
    table.add_row("population used for rates", f"{summary['population_for_rates']:,}")
    table.add_row(
        "МСЗУ services (municipal / regional)",
        f"{summary['services_municipal']} / {summary['services_regional']}",
    )
    table.add_row(
        "latest plan version (effective from)",
        f"{summary['latest_plan_version']} ({summary['latest_plan_effective_from']})",
    )
    out.print(table)
