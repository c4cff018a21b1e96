"""Shared pieces of the `egov` command line: consoles, one-line errors, progress spinners."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from egov.errors import EgovError

P = ParamSpec("P")
R = TypeVar("R")

out = Console()
err = Console(stderr=True)
state = {"debug": False}


def one_line_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn any failure into one clear line on stderr and exit 1 (a traceback only with --debug)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if state["debug"]:
                raise
            message = str(exc) if isinstance(exc, EgovError) else f"{type(exc).__name__}: {exc}"
            first_line = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
            hint = "" if isinstance(exc, EgovError) else " (run with --debug for details)"
            err.print(
                f"[bold red]error:[/] {escape(first_line)}{hint}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(1) from None

    return wrapper


@contextmanager
def progress_steps() -> Iterator[Callable[[str, Callable[[], R]], R]]:
    """Run named steps under a spinner with elapsed time; yields `step(label, fn)`."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as progress:

        def step(label: str, fn: Callable[[], Any]) -> Any:
            task_id = progress.add_task(label, total=1)
            try:
                result = fn()
            except BaseException:
                progress.update(task_id, description=f"[red]{label} — failed")
                progress.stop_task(task_id)
                raise
            progress.update(task_id, completed=1, description=f"{label} [green]✓")
            return result

        yield step


def per_source_table(title: str, rows: list[dict[str, Any]], labels: dict[str, str]) -> Table:
    """One column per source (rows[i]["source"]) and one row per metric: fits 80 columns."""
    table = Table(title=title)
    table.add_column("")
    for row in rows:
        table.add_column(row["source"], justify="right")
    for metric, label in labels.items():
        table.add_row(label, *(f"{row[metric]:,}" for row in rows))
    return table
