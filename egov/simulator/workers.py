"""Where a world's files get written: worker processes for large worlds, inline for small ones."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from typing import Any


class Inline:
    """Runs submitted work at once: the small worlds of tests need no worker processes."""

    def submit(self, fn: Any, /, *args: Any) -> Future[Any]:
        """Run `fn(*args)` now and hand back its result as a done future."""
        future: Future[Any] = Future()
        future.set_result(fn(*args))
        return future


@contextmanager
def executor(workers: int) -> Iterator[Any]:
    """A process pool of `workers` file writers, or `Inline` for one worker or off Linux."""
    if workers <= 1 or not sys.platform.startswith("linux"):
        yield Inline()
        return
    # fork: spawn and forkserver re-import the caller's main module, which breaks any caller
    # script without a `__main__` guard. The workers only format and write files (no logging,
    # no locks the parent could hold), which is what makes fork safe here.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        yield pool


def default_workers(months: int, scale: float) -> int:
    """Two file-writing processes for large worlds on a machine that has two cores."""
    if months * scale < 3 or not sys.platform.startswith("linux"):
        return 1
    return max(1, min(2, os.cpu_count() or 1))
