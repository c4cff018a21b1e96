"""The loading flows' task runner follows the Dask setting."""

from __future__ import annotations

from prefect.task_runners import ThreadPoolTaskRunner
from prefect_dask.task_runners import DaskTaskRunner

from egov.loading.task_runner import chunk_task_runner


def test_without_a_dask_address_chunks_run_one_at_a_time_in_process() -> None:
    runner = chunk_task_runner(None)
    assert isinstance(runner, ThreadPoolTaskRunner)
    assert runner._max_workers == 1


def test_a_dask_address_names_the_scheduler_of_the_task_runner() -> None:
    runner = chunk_task_runner("tcp://10.0.0.5:8786")
    assert isinstance(runner, DaskTaskRunner)
    assert runner.address == "tcp://10.0.0.5:8786"
