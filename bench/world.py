"""The simulated world of a run: generated in one child process, served from another."""

from __future__ import annotations

import multiprocessing
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.processes import megabytes, peak_rss_kb


def generate(
    world: str, first: str, last: str, scale: float, seed: int, workers: int | None
) -> dict[str, Any]:
    """Generate the world (in a child process); seconds and peak RSS."""
    from egov.simulator import generate_world

    started = time.perf_counter()
    generate_world(
        Path(world), first, last, scale=scale, seed=seed, defects="realistic", workers=workers
    )
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mb": megabytes(peak_rss_kb(children=True)),
    }


def serve_simulator(world: str, as_of: str, conn: Any) -> None:
    """Serve the world's ЕПГУ and ЕКЦ stores until told to stop (a child process)."""
    from egov.simulator import EkcStore, EpguStore, SimClock, SimulatorServers

    try:
        servers = SimulatorServers(
            EpguStore.load(Path(world)),
            EkcStore.load(Path(world)),
            clock=SimClock(as_of=datetime.fromisoformat(as_of)),
        )
        with servers:
            conn.send({"epgu_url": servers.epgu_url, "ekc_url": servers.ekc_url})
            conn.recv()  # the stop signal
        conn.send({"peak_rss_mb": megabytes(peak_rss_kb())})
    except BaseException:
        conn.send({"error": traceback.format_exc()})
        raise
    finally:
        conn.close()


@contextmanager
def simulator_apart(world: Path, as_of: datetime) -> Iterator[tuple[dict[str, str], list[float]]]:
    """The simulator servers in a child process: their URLs, and (after) the child's peak RSS."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=serve_simulator, args=(str(world), as_of.isoformat(), child))
    process.start()
    child.close()
    peak: list[float] = []
    try:
        urls = parent.recv()
        if "error" in urls:
            raise RuntimeError(f"the simulator failed:\n{urls['error']}")
        yield urls, peak
        parent.send("stop")
        peak.append(float(parent.recv()["peak_rss_mb"]))
    finally:
        parent.close()  # a child still waiting for the stop signal sees the pipe close
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()
            process.join()
