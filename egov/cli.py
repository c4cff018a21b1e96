"""The `egov` command line: warehouse management, reference data and the demo job."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from egov.cli_demo import demo_command
from egov.cli_loading import register as register_loading_commands
from egov.cli_quality import quality_app
from egov.cli_snapshot import register as register_snapshot_commands
from egov.cli_sources import sources_app
from egov.cli_support import one_line_errors, out, progress_steps, state
from egov.errors import EgovError
from egov.runtime_env import configure_runtime

app = typer.Typer(
    help="Irkutsk oblast e-government indicator warehouse (МСЗУ via ЕПГУ, ЕКЦ, milestones).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
warehouse_app = typer.Typer(
    help="Create, migrate and locate the PostgreSQL warehouse.", no_args_is_help=True
)
reference_app = typer.Typer(help="Check and load the reference data files.", no_args_is_help=True)
app.add_typer(warehouse_app, name="warehouse")
app.add_typer(reference_app, name="reference")
app.add_typer(sources_app, name="sources")
app.add_typer(quality_app, name="quality")
register_loading_commands(app)
register_snapshot_commands(app)


@app.callback()
def main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks and Prefect's console logs.")
    ] = False,
) -> None:
    """Irkutsk oblast e-government indicator warehouse."""
    state["debug"] = debug
    configure_runtime(debug=debug)


# --- warehouse ---------------------------------------------------------------------------


def upgrade_message() -> str:
    """Migrate the warehouse to head; the message says what changed."""
    from egov.warehouse.connection import create_warehouse_engine
    from egov.warehouse.migrations import upgrade_warehouse

    engine = create_warehouse_engine()
    try:
        result = upgrade_warehouse(engine)
    finally:
        engine.dispose()
    if result.changed:
        return f"warehouse upgraded from revision {result.before or 'none'} to {result.after}"
    return f"warehouse already at revision {result.after}: nothing to do"


@warehouse_app.command("upgrade")
@one_line_errors
def warehouse_upgrade() -> None:
    """Apply the schema migrations (starts the embedded server when no URL is configured)."""
    with progress_steps() as step:
        message = step("Migrating the warehouse schema", upgrade_message)
    out.print(message)


@warehouse_app.command("url")
@one_line_errors
def warehouse_url(
    show_password: Annotated[
        bool, typer.Option("--show-password", help="Print the password instead of ***.")
    ] = False,
) -> None:
    """Print the warehouse URL for psql or a BI tool (password masked unless asked)."""
    from egov.warehouse.connection import libpq_url, mask_password, resolve_warehouse_url

    url = libpq_url(resolve_warehouse_url())
    print(url if show_password else mask_password(url))


@warehouse_app.command("stop")
@one_line_errors
def warehouse_stop() -> None:
    """Stop the embedded PostgreSQL server (a configured server is left alone)."""
    from egov.settings import get_settings
    from egov.warehouse.connection import is_embedded
    from egov.warehouse.embedded import stop_embedded_server

    settings = get_settings()
    if not is_embedded(settings):
        raise EgovError("EGOV_WAREHOUSE_URL points at an external server: nothing to stop")
    stopped = stop_embedded_server(settings.embedded_pgdata_dir)
    out.print("embedded warehouse stopped" if stopped else "embedded warehouse was not running")


# --- reference ---------------------------------------------------------------------------


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
    from egov.warehouse.connection import create_warehouse_engine
    from egov.warehouse.sql import run_sql

    engine = create_warehouse_engine()
    try:
        with engine.connect() as conn:
            return dict(run_sql(conn, "reference/select_reference_summary").mappings().one())
    finally:
        engine.dispose()


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


app.command("demo")(one_line_errors(demo_command))


def run() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    run()
