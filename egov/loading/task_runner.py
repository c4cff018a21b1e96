"""The task runner of the loading flows: one chunk at a time in process, or over a Dask cluster."""

from __future__ import annotations

from typing import Any

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner


def chunk_task_runner(dask_address: str | None) -> TaskRunner[Any]:
    """Prefect's DaskTaskRunner on the named scheduler, else a single in-process worker thread."""
    if not dask_address:
        # One thread keeps the order the chunks were submitted in: the same run as a plain loop,
        # and the process's cached GX context is never used by two threads at once.
        return ThreadPoolTaskRunner(max_workers=1)
    # Imported here: dask and distributed cost a second of start-up that most runs do not need.
    from prefect_dask.task_runners import DaskTaskRunner

    return DaskTaskRunner(address=dask_address)
