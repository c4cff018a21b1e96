"""Time the simulator's world generation: `python -m bench.generate_world --scale 1.0`.

Generates 2023-01..2024-12 (by default) into a temporary folder and prints JSON figures:
wall seconds, peak resident memory of this process and of its worker processes, the
manifest's counts and the bytes written per folder. `--output FILE` also writes them there.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.processes import megabytes
from egov.calendar import month_range
from egov.simulator import default_workers, generate_world


def _bytes_per_folder(world: Path) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for path in world.rglob("*"):
        if path.is_file():
            key = str(path.parent.relative_to(world))
            sizes[key] = sizes.get(key, 0) + path.stat().st_size
    return dict(sorted(sizes.items()))


def run(
    first: str, last: str, scale: float, seed: int, defects: str, workers: int | None
) -> dict[str, Any]:
    """Generate once into a temporary folder and measure it."""
    with tempfile.TemporaryDirectory(prefix="egov-bench-world-") as folder:
        world = Path(folder)
        started = time.perf_counter()
        manifest = generate_world(
            world,
            first,
            last,
            scale=scale,
            seed=seed,
            defects=defects,  # type: ignore[arg-type]
            workers=workers,
        )
        seconds = time.perf_counter() - started
        sizes = _bytes_per_folder(world)
    return {
        "benchmark": "generate_world",
        "first_month": first,
        "last_month": last,
        "scale": scale,
        "seed": seed,
        "defects": defects,
        "workers": workers
        if workers is not None
        else default_workers(len(month_range(first, last)), scale),
        "seconds": round(seconds, 2),
        "peak_rss_mb": megabytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss),
        "peak_rss_workers_mb": megabytes(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss),
        "counts": manifest["counts"],
        "injected_defects": len(manifest["injected_defects"]),
        "missing_reports": len(manifest["missing_reports"]),
        "bytes": sizes,
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the benchmark, print (and optionally write) the JSON figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--from", dest="first", default="2023-01")
    parser.add_argument("--to", dest="last", default="2024-12")
    parser.add_argument("--seed", type=int, default=20240321)
    parser.add_argument("--defects", choices=("none", "realistic", "heavy"), default="realistic")
    parser.add_argument("--workers", type=int, default=None, help="default: 2 for large worlds")
    parser.add_argument("--output", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    figures = run(args.first, args.last, args.scale, args.seed, args.defects, args.workers)
    text = json.dumps(figures, ensure_ascii=False, indent=2)
    print(text)
    if args.output is not None:
        args.output.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
