"""Process-wide environment defaults that must be set before Prefect or GX are imported."""

from __future__ import annotations

import os


def configure_runtime(*, debug: bool) -> None:
    """Keep runs offline and the terminal clean; `debug` shows Prefect's own console logs.

    Only defaults are set: anything the user exported wins.
    """
    # No network beyond loopback: the temporary Prefect server and GX must not phone home.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # The temporary server's 20 s start-up allowance is too short on a busy two-core machine
    # (seen in CI: "Timed out while attempting to connect to ephemeral Prefect API server").
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    if not debug:
        # The CLI prints its own progress and one-line errors; Prefect's console handler would
        # add tracebacks of failed task runs. The logs still reach the Prefect API and UI.
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
