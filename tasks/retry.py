"""Retry policy shared by I/O tasks: retry transient connection failures, never bad data."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

WAREHOUSE_RETRIES = 2
WAREHOUSE_RETRY_DELAY_SECONDS = [2.0, 10.0]


def is_transient_failure(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect retry condition: only a lost or refused database connection is worth retrying."""
    try:
        state.result()
    except (sa.exc.OperationalError, sa.exc.InterfaceError):
        return True
    except Exception:
        return False
    return False
