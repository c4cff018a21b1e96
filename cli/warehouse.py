"""`egov warehouse …`: create, migrate, locate and stop the PostgreSQL warehouse."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.support import one_line_errors, out, progress_steps
from egov.errors import EgovError

warehouse_app = typer.Typer(
    help="Create, migrate and locate the PostgreSQL warehouse.", no_args_is_help=True
)


def upgrade_message() -> str:
    """Migrate the warehouse to head; the message says what changed."""
    from egov.warehouse.connection import warehouse_engine
    from egov.warehouse.migrations import upgrade_warehouse

    with warehouse_engine() as engine:
        result = upgrade_warehouse(engine)
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
