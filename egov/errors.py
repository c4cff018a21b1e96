"""Errors the pipeline reports to people as one clear line."""

from __future__ import annotations


class EgovError(Exception):
    """An expected failure with a message fit for the terminal (no traceback needed)."""


class ReferenceFileError(EgovError):
    """A reference data file is malformed; names the file, row and column."""

    def __init__(
        self, file: str, message: str, *, row: int | None = None, column: str | None = None
    ):
        self.file = file
        self.row = row
        self.column = column
        self.reason = message
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}")


class WarehouseError(EgovError):
    """The warehouse cannot be reached or is not in the state an operation needs."""
