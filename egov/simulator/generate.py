"""Generating a deterministic world of the four sources: record stores, inbox files, manifest.

`generate_world(out, "2023-01", "2024-12")` writes (world.py describes the layout):

- `epgu/`: every version of every ЕПГУ application (epgu/simulate.py);
- `ekc/`: every ЕКЦ call from 2023-08-01 (or the period's start) to the period's end;
- `inbox/mfc/mfc_YYYYMMDD.csv`: one export per day; `inbox/omsu/omsu_<OKTMO>_<YYYY-MM>.xlsx`:
  one workbook per municipality valid in the month;
- `world.json`: the manifest, with every injected defect and every missing report.

Determinism: every random draw comes from a generator seeded by (seed, component, year,
month), so a month's content does not depend on which other months are generated (ЕПГУ
application numbers and МФЦ case numbers do: they count from the period's start). No wall
clock is read; the XLSX files carry fixed times. Defects use their own generators, so the
truth (stores, true figures) is the same for `none`, `realistic` and `heavy`.

Scale: `scale` multiplies the application volumes (ЕПГУ, МФЦ, ОМСУ); the ЕКЦ volume does not
scale (ekc/simulate.py says why).
"""

from __future__ import annotations

from concurrent.futures import Future
from datetime import date
from pathlib import Path
from typing import Any

from egov.paths import REFERENCE_DIR
from egov.reference.bundle import read_reference_bundle
from egov.simulator.calibration import calibrate
from egov.simulator.defects import DEFECT_LEVELS, DefectLevel, plan_defects
from egov.simulator.demand import expected_month
from egov.simulator.draws import OMSU_DEFECTS, seeded
from egov.simulator.ekc.simulate import simulate_ekc
from egov.simulator.epgu.simulate import (
    EpguMonth,
    build_epgu_store,
    epgu_counted,
    simulate_epgu_month,
)
from egov.simulator.mfc.files import MfcDictionaries, write_mfc_days
from egov.simulator.mfc.offices import plan_offices
from egov.simulator.mfc.simulate import mfc_counted, simulate_mfc_month, split_days
from egov.simulator.months import month_range, parse_month
from egov.simulator.omsu.files import write_omsu_reports
from egov.simulator.omsu.reports import apply_drift, build_omsu_reports, plan_title_rows
from egov.simulator.parameters import MFC_STATUSES, OTHER_MFC_SERVICES
from egov.simulator.workers import default_workers, executor
from egov.simulator.world import (
    FORMAT_VERSION,
    MFC_INBOX,
    OMSU_INBOX,
    clear_world,
    world_clock,
    write_manifest,
)


def generate_world(
    out: Path,
    first_month: str,
    last_month: str,
    *,
    scale: float = 1.0,
    seed: int = 20240321,
    defects: DefectLevel = "none",
    workers: int | None = None,
) -> dict[str, Any]:
    """Write the world of months `first_month`..`last_month` into `out`; return the manifest."""
    if defects not in DEFECT_LEVELS:
        raise ValueError(f"defects must be none, realistic or heavy, got {defects!r}")
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    months = month_range(first_month, last_month)
    bundle = read_reference_bundle(REFERENCE_DIR)
    cal = calibrate(bundle.municipalities.rows, bundle.services.rows, seed)
    offices = plan_offices(cal, seed)
    title_rows = plan_title_rows(cal, seed)
    dictionaries = MfcDictionaries.build(
        services=[*zip(cal.service_codes, cal.service_names, strict=True)]
        + [(code, name) for code, name, _ in OTHER_MFC_SERVICES],
        offices=[
            (cal.oktmos[int(m)], name)
            for m, name in zip(offices.municipality, offices.names, strict=True)
        ],
        statuses=MFC_STATUSES,
    )
    plan = plan_defects(cal, months, seed, defects)
    out.mkdir(parents=True, exist_ok=True)
    clear_world(out)
    mfc_folder, omsu_folder = out / MFC_INBOX, out / OMSU_INBOX
    mfc_folder.mkdir(parents=True, exist_ok=True)
    omsu_folder.mkdir(parents=True, exist_ok=True)

    epgu_months: list[EpguMonth] = []
    next_case: dict[int, int] = {}
    futures: list[Future[list[dict[str, Any]]]] = []
    drift: list[dict[str, Any]] = []
    counts = {"mfc_rows": 0, "mfc_files": 0, "omsu_files": 0}
    n_workers = workers if workers is not None else default_workers(len(months), scale)
    with executor(n_workers) as pool:
        for year, month in months:
            expected = expected_month(cal, year, month, scale)
            epgu = simulate_epgu_month(cal, expected, seed)
            epgu_months.append(epgu)
            mfc = simulate_mfc_month(cal, expected, offices, seed)
            days = split_days(mfc, next_case)
            counts["mfc_rows"] += len(mfc)
            counts["mfc_files"] += len(days)
            futures.append(
                pool.submit(write_mfc_days, mfc_folder, days, dictionaries, plan.mfc, seed)
            )
            reports = build_omsu_reports(
                cal, expected, epgu_counted(cal, epgu), mfc_counted(cal, mfc), seed, title_rows
            )
            drift_rng = seeded(seed, OMSU_DEFECTS, year, month, 1)
            jobs = []
            for report in reports:
                i = cal.oktmos.index(report.oktmo)
                key = (year, month, i)
                if key in plan.missing:
                    continue
                if plan.drift_rate > 0:
                    report, records = apply_drift(
                        report, plan.drift_rate, drift_rng, force=key == plan.drift_forced
                    )
                    drift += records
                jobs.append((report, plan.omsu.get(key, []), (seed, OMSU_DEFECTS, year, month, i)))
            counts["omsu_files"] += len(jobs)
            futures.append(pool.submit(write_omsu_reports, omsu_folder, jobs))
            # keep at most a few months in flight, or their rows pile up in memory while the
            # workers catch up with the (faster) simulation
            if len(futures) > 2 * n_workers + 2:
                futures[len(futures) - 2 * n_workers - 3].result()
        injected = [record for future in futures for record in future.result()]

    first_day = date(*parse_month(first_month), 1)
    as_of = world_clock(date(*parse_month(last_month), 1))
    # The contact centre answers every day, so its platform has an export for every past day
    # up to the world's clock (sources.md: 404 only before 2023-08-01 or in the future); the
    # other sources' data ends with the last month.
    ekc = simulate_ekc(cal, first_day, as_of.date(), seed)
    ekc.save(out)
    store = build_epgu_store(cal, epgu_months)
    store.save(out)

    injected += drift
    injected.sort(key=lambda r: (r["source"], r["file"]))
    missing = sorted(plan.missing)
    manifest: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "first_month": first_month,
        "last_month": last_month,
        "scale": scale,
        "seed": seed,
        "defects": defects,
        "as_of": as_of.isoformat(),
        "counts": {
            "epgu_applications": int(sum(len(m) for m in epgu_months)),
            "epgu_events": len(store),
            "mfc_rows": counts["mfc_rows"],
            "mfc_files": counts["mfc_files"],
            "omsu_files": counts["omsu_files"],
            "ekc_calls": len(ekc),
        },
        "injected_defects": injected,
        "missing_reports": [
            {"oktmo": cal.oktmos[i], "month": f"{y:04d}-{m:02d}"} for y, m, i in missing
        ],
    }
    write_manifest(out, manifest)
    return manifest
