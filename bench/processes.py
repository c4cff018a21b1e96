"""Child processes and their memory: run a function apart, peak and current RSS, the machine."""

from __future__ import annotations

import math
import multiprocessing
import os
import platform
import resource
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any


def megabytes(kilobytes: int) -> float:
    """ru_maxrss in MB (kilobytes on Linux, bytes on macOS)."""
    divisor = 1024 * 1024 if sys.platform == "darwin" else 1024
    return round(kilobytes / divisor, 1)


def peak_rss_kb(children: bool = False) -> int:
    """This process's peak RSS (ru_maxrss), or the larger of it and its waited-for children's."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if not children:
        return own
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def current_rss_mb() -> float:
    """This process's resident memory now, in MB (nan where /proc is missing)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return math.nan
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024, 1)


def _child_main(target: Callable[..., Any], args: tuple[Any, ...], conn: Any) -> None:
    try:
        conn.send(("ok", target(*args)))
    except BaseException:
        conn.send(("error", traceback.format_exc()))
        raise
    finally:
        conn.close()


def run_apart(target: Callable[..., Any], *args: Any) -> Any:
    """Run target(*args) in a fresh spawned process; its result (or its traceback as error)."""
    # Spawned, not forked: a forked child would start with (and report) this process's memory.
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child_main, args=(target, args, child))
    process.start()
    child.close()
    try:
        status, value = parent.recv()
    except EOFError:
        status, value = "error", "the child process died without an answer"
    process.join()
    if status != "ok":
        raise RuntimeError(f"{getattr(target, '__name__', target)} failed:\n{value}")
    return value


def machine() -> dict[str, Any]:
    """CPU count, RAM, Python version and load average of this machine (others may share it)."""
    ram_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "ram_gib": round(ram_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
