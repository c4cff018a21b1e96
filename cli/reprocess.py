"""`egov reprocess`: rebuild a period of one source from the raw store, asking no source."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.loading import chunk_progress, print_run_report, run_flow_report
from cli.support import one_line_errors


def reprocess_command(
    source: Annotated[str, typer.Option("--source", help="epgu, mfc, omsu or ekc.")],
    first_month: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    last_month: Annotated[str, typer.Option("--to", help="Last month, YYYY-MM.")],
) -> None:
    """Re-validate and reload landed deliveries under today's parser, rules and reference data."""
    from egov.calendar import month_range
    from egov.sources.registry import check_source_key

    key = check_source_key(source)
    month_range(first_month, last_month)  # one clear line for a bad or reversed range
    from flows.pipeline import reprocess

    with chunk_progress("reprocess", 1):
        report = run_flow_report(
            lambda: reprocess(
                source=key, from_month=first_month, to_month=last_month, return_state=True
            )
        )
    print_run_report(f"reprocess {key} {first_month}..{last_month}", report)


def register(app: typer.Typer) -> None:
    """Add `reprocess` to the `egov` app."""
    app.command("reprocess")(one_line_errors(reprocess_command))
