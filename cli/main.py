"""The `egov` command line: one Typer app over the library (`egov`) and the flows (`flows`)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.demo import demo_command
from cli.loading import register as register_loading_commands
from cli.quality import quality_app
from cli.reference import reference_app
from cli.reprocess import register as register_reprocess_command
from cli.snapshot import register as register_snapshot_commands
from cli.sources import sources_app
from cli.support import one_line_errors, state
from cli.warehouse import warehouse_app
from egov.runtime_env import configure_runtime

app = typer.Typer(
    help="Irkutsk oblast e-government indicator warehouse (МСЗУ via ЕПГУ, ЕКЦ, milestones).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(warehouse_app, name="warehouse")
app.add_typer(reference_app, name="reference")
app.add_typer(sources_app, name="sources")
app.add_typer(quality_app, name="quality")
register_loading_commands(app)
register_snapshot_commands(app)
register_reprocess_command(app)


@app.callback()
def main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks and Prefect's console logs.")
    ] = False,
) -> None:
    """Irkutsk oblast e-government indicator warehouse."""
    state["debug"] = debug
    configure_runtime(debug=debug)


app.command("demo")(one_line_errors(demo_command))


def run() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    run()
