"""Generating a deterministic world of the four sources: record stores, inbox files, manifest.

`generate_world(out, "2023-01", "2024-12")` writes (store.py describes the layout):

- `epgu/`: every version of every ЕПГУ application (registered, sometimes in_progress, then a
  final completed / refused / withdrawn / duplicate from minutes to 20 days later; all versions
  are kept, also those after the period's end);
- `ekc/`: every ЕКЦ call from 2023-08-01 (or the period's start) to the period's end;
- `inbox/mfc/mfc_YYYYMMDD.csv`: one export per day; `inbox/omsu/omsu_<OKTMO>_<YYYY-MM>.xlsx`:
  one workbook per municipality valid in the month;
- `world.json`: the manifest, with every injected defect and every missing report.

Determinism: every random draw comes from a generator seeded by (seed, component, year,
month), so a month's content does not depend on which other months are generated (ЕПГУ
application numbers and МФЦ case numbers do: they count from the period's start). No wall
clock is read; the XLSX files carry fixed times. Defects use their own generators, so the
truth (stores, true figures) is the same for `none`, `realistic` and `heavy`.

Scale: `scale` multiplies the application volumes (ЕПГУ, МФЦ, ОМСУ). The ЕКЦ volume does not
scale: it is calibrated to the Ministry's letter of 21.03.2024 (over 100,000 calls since
1 August 2023, over 20,000 of them on line 122 about local self-government), which must hold
for any world, and a contact centre's load does not shrink with a test's sample of
applications.

Figures of the municipal forms («в т.ч. через ЕПГУ», «через МФЦ»): the counted applications of
the municipality, service and month (model.py: final ЕПГУ status not withdrawn / duplicate,
МФЦ status not «Отозвано заявителем» / «Аннулировано (дубль)»). With defects `realistic` or
`heavy` a few rows drift off those figures by a few per cent (defect kind `figures_drift`).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from egov.paths import REFERENCE_DIR
from egov.reference.bundle import read_reference_bundle
from egov.simulator import mfc_files, omsu_files
from egov.simulator.model import (
    EKC_ANSWERED,
    EKC_HOURS,
    EKC_LATE_SHARE,
    EKC_LINE_122_SHARE,
    EKC_NO_OKTMO,
    EKC_TOPIC_P,
    EPGU_FINAL_STATUS_P,
    MFC_COUNTED_STATUSES,
    MFC_STATUS_P,
    MFC_STATUSES,
    OTHER_MFC_SERVICES,
    Calibration,
    MonthExpectation,
    calendar_weights,
    calibrate,
    day_weights,
    ekc_expected_per_day,
    expected_month,
    hour_weights,
    is_working_day,
    log_normal,
    month_bounds,
    month_range,
    parse_month,
)
from egov.simulator.store import MFC_INBOX, OMSU_INBOX, WORLD_MANIFEST, EkcStore, EpguStore
from egov.sources.contract import EKC_FIRST_DAY, EKC_TOPICS, IRKUTSK

DefectLevel = Literal["none", "realistic", "heavy"]
FORMAT_VERSION = 1

# Random generator components: a month's draws of one kind never depend on another kind's.
_CALIBRATION, _EPGU, _MFC, _OMSU, _MFC_DEFECTS, _OMSU_DEFECTS, _EKC, _OFFICES, _PLAN = range(9)

MFC_DEFECT_RATES: dict[str, dict[str, float]] = {
    # per daily file
    "realistic": {
        "utf8_bom": 0.015,
        "trailing_empty_lines": 0.04,
        "oktmo_with_spaces": 0.02,
        "oktmo_11_digits": 0.02,
        "header_extra_spaces": 0.01,
    },
    "heavy": dict.fromkeys(mfc_files.DEFECT_KINDS, 0.3),
}
OMSU_DEFECT_RATES: dict[str, dict[str, float]] = {
    # per workbook
    "realistic": {
        "merged_header": 0.02,
        "header_text_variant": 0.03,
        "numbers_as_text": 0.03,
        "blank_rows": 0.03,
        "empty_cell": 0.02,
        "total_mismatch": 0.02,
        "parts_mismatch": 0.02,
        "oktmo_mismatch": 0.01,
        "sheet_order": 0.02,
    },
    "heavy": dict.fromkeys(omsu_files.DEFECT_KINDS, 0.25),
}
DRIFT_RATE = {"realistic": 0.03, "heavy": 0.15}
"""Share of service rows whose ЕПГУ or МФЦ figure drifts off the counted applications."""
MISSING_REPORTERS = {"realistic": (2, 0.12), "heavy": (5, 0.35)}
"""(municipalities that skip reports, chance of skipping a month)."""

STREETS = (
    "ул. Ленина",
    "ул. Советская",
    "ул. Карла Маркса",
    "ул. Мира",
    "ул. Гагарина",
    "ул. Октябрьская",
    "ул. Лермонтова",
    "ул. Пушкина",
    "ул. Байкальская",
    "ул. Партизанская",
    "ул. Трудовая",
    "ул. Строителей",
    "ул. Школьная",
    "ул. Комсомольская",
    "ул. Жукова",
    "ул. Депутатская",
    "пр-т Мира",
    "ул. Кирова",
)
EKC_OUTCOME_P = {
    # answered calls: answered_on_spot, transferred_to_agency, forwarded_to_omsu
    "local_government": (0.35, 0.10, 0.55),
    "other": (0.62, 0.33, 0.05),
}

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


def local_midnight(day: date) -> int:
    """Unix seconds of 00:00 Asia/Irkutsk on `day`."""
    return int(datetime(day.year, day.month, day.day, tzinfo=IRKUTSK).timestamp())


# --- offices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offices:
    """МФЦ offices: a central one in each municipality's centre, more in the large ones."""

    names: tuple[str, ...]
    municipality: IntArray
    cumulative: npt.NDArray[np.float64]
    """(M, max offices) cumulative choice probability of a municipality's offices."""
    first: IntArray
    """Index of each municipality's first office."""


def plan_offices(cal: Calibration, seed: int) -> Offices:
    """The offices of every municipality, with names like «МФЦ г. Иркутск, ул. Жукова, 5а»."""
    rng = _rng(seed, _OFFICES)
    counts = np.select(
        [cal.population > 400_000, cal.population > 150_000, cal.population > 45_000],
        [6, 3, 2],
        1,
    ).astype(np.int64)
    names: list[str] = []
    owner: list[int] = []
    cumulative = np.ones((cal.n_municipalities, int(counts.max())))
    for m, (centre, k) in enumerate(zip(cal.admin_centers, counts.tolist(), strict=True)):
        streets = rng.choice(len(STREETS), size=k, replace=False)
        for j, street in enumerate(streets.tolist()):
            house = int(rng.integers(1, 140))
            letter = "а" if rng.random() < 0.2 else ""
            prefix = "МФЦ" if j == 0 else "Филиал МФЦ"
            names.append(f"{prefix} {centre}, {STREETS[street]}, {house}{letter}")
            owner.append(m)
        # the central office takes the largest part of the visitors
        weights = np.array([2.0] + [1.0] * (k - 1))
        cumulative[m, :k] = np.cumsum(weights / weights.sum())
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    return Offices(tuple(names), np.array(owner, dtype=np.int64), cumulative, first)


# --- ЕПГУ ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EpguMonth:
    """The applications submitted in one month, sorted by submission time."""

    oktmo_idx: npt.NDArray[np.int16]
    service_idx: npt.NDArray[np.int16]
    submitted_at: IntArray
    requires_visit: BoolArray
    final_status: npt.NDArray[np.int8]
    progress_at: IntArray
    """Time of the in_progress version, -1 when there is none."""
    final_at: IntArray

    def __len__(self) -> int:
        return int(self.submitted_at.shape[0])


def _expand(counts: npt.NDArray[np.int64]) -> tuple[IntArray, ...]:
    """Cell indexes of an (A, B, C) count array, one per unit counted."""
    flat = counts.reshape(-1)
    cells = np.repeat(np.arange(flat.size, dtype=np.int64), flat)
    return tuple(np.asarray(a, dtype=np.int64) for a in np.unravel_index(cells, counts.shape))


def simulate_epgu_month(cal: Calibration, expected: MonthExpectation, seed: int) -> EpguMonth:
    """Draw one month of ЕПГУ applications and the times of their status changes."""
    year, month = expected.year, expected.month
    rng = _rng(seed, _EPGU, year, month)
    weights = day_weights(cal, year, month, "epgu")
    counts = rng.poisson(expected.epgu[:, :, None] * weights[None, :, :])
    m, s, d = _expand(counts)
    n = m.shape[0]
    hours: IntArray = np.asarray(rng.choice(24, size=n, p=hour_weights("epgu")), dtype=np.int64)
    first, _ = month_bounds(year, month)
    submitted: IntArray = local_midnight(first) + d * 86400 + hours * 3600
    submitted += rng.integers(0, 3600, n)
    order = np.argsort(submitted, kind="stable")
    m, s, submitted = m[order], s[order], submitted[order]

    requires_visit = rng.random(n) < cal.requires_visit[s]
    statuses = np.asarray(rng.choice(4, size=n, p=list(EPGU_FINAL_STATUS_P.values())))
    final = (statuses + 2).astype(np.int8)
    completed_or_refused = final <= 3
    progress_p = np.where(completed_or_refused, 0.7, np.where(final == 4, 0.3, 0.0))
    has_progress = rng.random(n) < progress_p
    to_progress = np.clip(log_normal(rng, 4 * 3600.0, 1.0, n), 300, 3 * 86400).astype(np.int64)
    progress_at = np.where(has_progress, submitted + to_progress, -1)
    decision = np.clip(
        log_normal(rng, cal.decision_days[s] * 86400.0, 0.7, n), 3600, 20 * 86400
    ).astype(np.int64)
    # a duplicate is caught by the portal within hours and never goes in progress
    decision = np.where(final == 5, rng.integers(300, 12 * 3600, n), decision)
    final_at = np.where(has_progress, progress_at, submitted) + decision
    return EpguMonth(
        oktmo_idx=m.astype(np.int16),
        service_idx=s.astype(np.int16),
        submitted_at=submitted.astype(np.int64),
        requires_visit=requires_visit,
        final_status=final,
        progress_at=progress_at.astype(np.int64),
        final_at=final_at.astype(np.int64),
    )


def build_epgu_store(cal: Calibration, months: Sequence[EpguMonth]) -> EpguStore:
    """Every version of every application, numbered in submission order from 1."""
    sizes = [len(x) for x in months]
    total = sum(sizes)
    app_no = np.arange(1, total + 1, dtype=np.int64)
    oktmo = np.concatenate([x.oktmo_idx for x in months])
    service = np.concatenate([x.service_idx for x in months])
    submitted = np.concatenate([x.submitted_at for x in months])
    visit = np.concatenate([x.requires_visit for x in months])
    final = np.concatenate([x.final_status for x in months])
    progress = np.concatenate([x.progress_at for x in months])
    final_at = np.concatenate([x.final_at for x in months])
    has_progress = progress >= 0
    # one version per application, one per in_progress, one final; columns are built and sorted
    # one at a time to keep the peak memory of a two-year world low
    rows = (slice(None), has_progress, slice(None))

    def versions(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return np.concatenate([values[r] for r in rows])

    updated_at = np.concatenate([submitted, progress[has_progress], final_at])
    numbers = versions(app_no)
    order = np.lexsort((numbers, updated_at))
    status = np.concatenate(
        [np.zeros(total, dtype=np.int8), np.ones(int(has_progress.sum()), dtype=np.int8), final]
    )
    return EpguStore(
        app_no=numbers[order],
        service_idx=versions(service)[order],
        oktmo_idx=versions(oktmo)[order],
        submitted_at=versions(submitted)[order],
        updated_at=updated_at[order],
        status=status[order],
        requires_visit=versions(visit)[order],
        service_codes=list(cal.service_codes),
        oktmos=list(cal.oktmos),
    )


def epgu_counted(cal: Calibration, month: EpguMonth) -> npt.NDArray[np.int64]:
    """(M, S) counted applications (final status not withdrawn / duplicate) of a month."""
    keep = month.final_status <= 3
    cells = month.oktmo_idx[keep].astype(np.int64) * cal.n_services + month.service_idx[keep]
    counts = np.bincount(cells, minlength=cal.n_municipalities * cal.n_services)
    return counts.reshape(cal.n_municipalities, cal.n_services).astype(np.int64)


# --- МФЦ -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MfcMonth:
    """The МФЦ rows of one month in file order; services past the catalogue are non-МСЗУ."""

    year: int
    month: int
    day: IntArray
    minute: IntArray
    service: IntArray
    municipality: IntArray
    office: IntArray
    status: IntArray

    def __len__(self) -> int:
        return int(self.day.shape[0])


def simulate_mfc_month(
    cal: Calibration, expected: MonthExpectation, offices: Offices, seed: int
) -> MfcMonth:
    """Draw one month of МФЦ intake: МСЗУ and other services, offices, times, statuses."""
    year, month = expected.year, expected.month
    rng = _rng(seed, _MFC, year, month)
    msz = rng.poisson(expected.mfc[:, :, None] * day_weights(cal, year, month, "mfc")[None])
    base = calendar_weights(year, month, "mfc")
    other = rng.poisson(expected.mfc_other[:, :, None] * (base / base.sum())[None, None, :])
    m1, s1, d1 = _expand(msz)
    m2, s2, d2 = _expand(other)
    m = np.concatenate([m1, m2])
    s = np.concatenate([s1, s2 + cal.n_services])
    d = np.concatenate([d1, d2])
    n = m.shape[0]

    first, _ = month_bounds(year, month)
    short_day = np.array(
        [not is_working_day(first + timedelta(days=i)) for i in range(base.shape[0])]
    )[d]
    hours: IntArray = np.asarray(rng.choice(24, size=n, p=hour_weights("mfc")), dtype=np.int64)
    # Saturdays and holidays: offices open 9:00–16:00 only
    hours = np.where(short_day, rng.integers(9, 16, n), hours)
    minute = hours * 60 + rng.integers(0, 60, n)
    pick = np.asarray(rng.random(n), dtype=np.float64)
    office = offices.first[m] + (pick[:, None] > offices.cumulative[m]).sum(axis=1)
    status: IntArray = np.asarray(
        rng.choice(len(MFC_STATUSES), size=n, p=list(MFC_STATUS_P)), dtype=np.int64
    )
    order = np.lexsort((office, minute, d))
    return MfcMonth(
        year=year,
        month=month,
        day=d[order],
        minute=minute[order],
        service=s[order],
        municipality=m[order],
        office=office[order],
        status=status[order],
    )


def mfc_counted(cal: Calibration, rows: MfcMonth) -> npt.NDArray[np.int64]:
    """(M, S) counted МСЗУ rows (status not withdrawn / duplicate) of a month."""
    keep = np.isin(rows.status, MFC_COUNTED_STATUSES) & (rows.service < cal.n_services)
    cells = rows.municipality[keep] * cal.n_services + rows.service[keep]
    counts = np.bincount(cells, minlength=cal.n_municipalities * cal.n_services)
    return counts.reshape(cal.n_municipalities, cal.n_services).astype(np.int64)


def split_days(rows: MfcMonth, next_case: dict[int, int]) -> list[mfc_files.MfcDay]:
    """One MfcDay per day of the month, numbering cases on from `next_case[year]`."""
    _, last = month_bounds(rows.year, rows.month)
    bounds = np.searchsorted(rows.day, np.arange(last.day + 1))
    start = next_case.get(rows.year, 1)
    days = []
    for i in range(last.day):
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        days.append(
            mfc_files.MfcDay(
                day=date(rows.year, rows.month, i + 1),
                case_year=rows.year,
                case_no=np.arange(start + lo, start + hi, dtype=np.int64),
                minute=rows.minute[lo:hi],
                service=rows.service[lo:hi],
                office=rows.office[lo:hi],
                status=rows.status[lo:hi],
            )
        )
    next_case[rows.year] = start + len(rows)
    return days


# --- ОМСУ ------------------------------------------------------------------------------------


def build_omsu_reports(
    cal: Calibration,
    expected: MonthExpectation,
    epgu: npt.NDArray[np.int64],
    mfc: npt.NDArray[np.int64],
    seed: int,
    title_rows: Sequence[int],
) -> list[omsu_files.OmsuReport]:
    """The true report of every municipality valid in the month (defects come later)."""
    year, month = expected.year, expected.month
    rng = _rng(seed, _OMSU, year, month)
    mun = np.flatnonzero(cal.municipal)
    in_person = rng.poisson(expected.omsu_in_person[:, mun])
    post = rng.poisson(expected.omsu_post[:, mun])
    services = tuple((cal.service_codes[s], cal.service_names[s]) for s in mun.tolist())
    # the ЕКЦ leaflet campaign after the letter of 21.03.2024 doubles the placements for a while
    campaign = 2.0 if (2024, 4) <= (year, month) <= (2024, 6) else 1.0
    if (year, month) > (2024, 6):
        campaign = 1.4
    size = np.sqrt(cal.population / 20_000.0)
    means = np.array([1.2, 2.0, 3.0, 2.0, 1.0])
    placements = rng.poisson(means[None, :] * np.maximum(size, 0.5)[:, None] * campaign)
    publications = rng.poisson(1.5 + size)
    note_roll = rng.random((cal.n_municipalities, len(means)))
    active = cal.active(year, month)
    reports = []
    for i in np.flatnonzero(active).tolist():
        notes = tuple(
            (
                int(placements[i, k]),
                "листовка ЕКЦ"
                if campaign > 1.0 and note_roll[i, k] < 0.6 and placements[i, k] > 0
                else ("" if note_roll[i, k] < 0.85 else "обновлено"),
            )
            for k in range(len(means))
        )
        reports.append(
            omsu_files.OmsuReport(
                oktmo=cal.oktmos[i],
                name=cal.names[i],
                year=year,
                month=month,
                title_rows=int(title_rows[i]),
                services=services,
                epgu=tuple(int(v) for v in epgu[i, mun]),
                mfc=tuple(int(v) for v in mfc[i, mun]),
                in_person=tuple(int(v) for v in in_person[i]),
                post=tuple(int(v) for v in post[i]),
                placements=notes,
                publications=int(publications[i]),
                neighbour_oktmo=cal.oktmos[(i + 1) % cal.n_municipalities],
            )
        )
    return reports


def apply_drift(
    report: omsu_files.OmsuReport, rate: float, rng: np.random.Generator, force: bool = False
) -> tuple[omsu_files.OmsuReport, list[dict[str, Any]]]:
    """Let a few ЕПГУ / МФЦ figures drift off the counted applications, as municipal clerks'
    own tallies do."""
    epgu, mfc = list(report.epgu), list(report.mfc)
    hit = rng.random(len(epgu)) < rate
    if force and not hit.any():
        hit[int(rng.integers(len(epgu)))] = True
    records = []
    for i in np.flatnonzero(hit).tolist():
        column = "в т.ч. через ЕПГУ" if rng.random() < 0.5 else "через МФЦ"
        values = epgu if column == "в т.ч. через ЕПГУ" else mfc
        true = values[i]
        delta = max(1, round(true * float(rng.uniform(0.01, 0.05))))
        values[i] = true - delta if true >= delta and rng.random() < 0.5 else true + delta
        records.append(
            {
                "source": omsu_files.SOURCE,
                "file": report.file_name,
                "kind": "figures_drift",
                "detail": f"'{column}' of service {report.services[i][0]} is {values[i]}, "
                f"the counted applications {true}",
            }
        )
    if not records:
        return report, []
    return replace(report, epgu=tuple(epgu), mfc=tuple(mfc)), records


# --- ЕКЦ -------------------------------------------------------------------------------------


def simulate_ekc(cal: Calibration, first_day: date, last_day: date, seed: int) -> EkcStore:
    """Every ЕКЦ call that started from max(first_day, 2023-08-01) to last_day (local dates)."""
    start = max(first_day, EKC_FIRST_DAY)
    chunks: list[dict[str, npt.NDArray[Any]]] = []
    if start <= last_day:
        months = month_range(f"{start:%Y-%m}", f"{last_day:%Y-%m}")
        for year, month in months:
            lo, hi = month_bounds(year, month)
            days = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
            chunk = _ekc_month(cal, days, _rng(seed, _EKC, year, month))
            keep = (chunk["day"] >= (start - lo).days) & (chunk["day"] <= (last_day - lo).days)
            chunks.append({k: v[keep] for k, v in chunk.items()})

    def col(name: str, dtype: Any) -> npt.NDArray[Any]:
        if not chunks:
            return np.zeros(0, dtype=dtype)
        return np.concatenate([c[name] for c in chunks]).astype(dtype)

    return EkcStore(
        call_uuid=col("uuid", "V16"),
        started_at=col("started_at", np.int64),
        recorded_at=col("recorded_at", np.int64),
        line=col("line", np.int16),
        topic=col("topic", np.int8),
        oktmo_idx=col("oktmo_idx", np.int16),
        answered=col("answered", np.bool_),
        wait_sec=col("wait_sec", np.int32),
        talk_sec=col("talk_sec", np.int32),
        outcome=col("outcome", np.int8),
        oktmos=list(cal.oktmos),
    )


def _ekc_month(
    cal: Calibration, days: Sequence[date], rng: np.random.Generator
) -> dict[str, npt.NDArray[Any]]:
    expected = ekc_expected_per_day(days)
    # sources.md: "on the order of 400–700 calls a day"; the draw is kept inside that band
    counts = np.clip(rng.poisson(expected), 400, 700)
    day = np.repeat(np.arange(len(days)), counts)
    n = day.shape[0]
    midnight = np.array([local_midnight(d) for d in days], dtype=np.int64)
    hours_p = np.array(EKC_HOURS) / np.sum(EKC_HOURS)
    started = midnight[day] + rng.choice(24, size=n, p=hours_p) * 3600 + rng.integers(0, 3600, n)
    order = np.argsort(started, kind="stable")
    day, started = day[order], started[order]

    line = np.where(rng.random(n) < EKC_LINE_122_SHARE, 122, 117).astype(np.int16)
    topic = np.where(
        line == 122,
        rng.choice(len(EKC_TOPICS), size=n, p=EKC_TOPIC_P[122]),
        rng.choice(len(EKC_TOPICS), size=n, p=EKC_TOPIC_P[117]),
    ).astype(np.int8)
    weights = cal.population * cal.active(days[0].year, days[0].month)
    named = rng.choice(cal.n_municipalities, size=n, p=weights / weights.sum())
    oktmo_idx = np.where(rng.random(n) < EKC_NO_OKTMO, -1, named).astype(np.int16)
    # busier days leave more callers in the queue until they hang up
    load = (expected[day] - expected.mean()) / expected.mean()
    answered = rng.random(n) < np.clip(EKC_ANSWERED - 0.15 * load, 0.75, 0.97)
    wait = np.where(
        answered,
        np.clip(log_normal(rng, 35.0, 0.8, n), 1, 1800),
        np.clip(log_normal(rng, 75.0, 0.7, n), 5, 1800),
    ).astype(np.int64)
    talk = np.where(answered, np.clip(log_normal(rng, 200.0, 0.6, n), 20, 3600), 0).astype(np.int64)
    local = topic == EKC_TOPICS.index("local_government")
    outcome_local = rng.choice(3, size=n, p=EKC_OUTCOME_P["local_government"])
    outcome_other = rng.choice(3, size=n, p=EKC_OUTCOME_P["other"])
    outcome = np.where(answered, np.where(local, outcome_local, outcome_other), 3).astype(np.int8)
    ended = started + wait + talk
    recorded = ended + rng.integers(5, 120, n)
    # a few records reach the export late, but always before the day after next begins
    deadline = midnight[day] + 2 * 86400 - 60
    late = rng.random(n) < EKC_LATE_SHARE
    late_at = (
        ended + 3600 + (rng.random(n) * np.maximum(deadline - ended - 3600, 0)).astype(np.int64)
    )
    recorded = np.where(late, np.maximum(late_at, recorded), np.minimum(recorded, deadline))
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # UUID version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    return {
        "day": day,
        "uuid": raw.view("V16").reshape(n),
        "started_at": started,
        "recorded_at": recorded,
        "line": line,
        "topic": topic,
        "oktmo_idx": oktmo_idx,
        "answered": answered,
        "wait_sec": wait,
        "talk_sec": talk,
        "outcome": outcome,
    }


# --- defects plan ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DefectPlan:
    """Which defects go into which delivered file, decided before anything is written."""

    mfc: dict[date, list[str]]
    omsu: dict[tuple[int, int, int], list[str]]
    """(year, month, municipality index) -> kinds."""
    missing: frozenset[tuple[int, int, int]]
    drift_rate: float
    drift_forced: tuple[int, int, int] | None


def plan_defects(
    cal: Calibration, months: Sequence[tuple[int, int]], seed: int, level: DefectLevel
) -> DefectPlan:
    """Draw the defects of every file; each kind appears at least once unless level is none."""
    if level == "none":
        return DefectPlan({}, {}, frozenset(), 0.0, None)
    rng = _rng(seed, _PLAN)
    days = [
        date(y, m, 1) + timedelta(days=i)
        for y, m in months
        for i in range(month_bounds(y, m)[1].day)
    ]
    mfc: dict[date, list[str]] = {}
    for kind, rate in MFC_DEFECT_RATES[level].items():
        chosen = [d for d, r in zip(days, rng.random(len(days)), strict=True) if r < rate]
        if not chosen:
            working = [d for d in days if is_working_day(d)] or days
            chosen = [working[int(rng.integers(len(working)))]]
        for d in chosen:
            mfc.setdefault(d, []).append(kind)

    count, chance = MISSING_REPORTERS[level]
    reporters = [(y, m, i) for y, m in months for i in np.flatnonzero(cal.active(y, m)).tolist()]
    skippers = rng.choice(
        cal.n_municipalities, size=min(count, cal.n_municipalities), replace=False
    )
    missing = {r for r in reporters if r[2] in set(skippers.tolist()) and rng.random() < chance}
    if not missing:
        candidates = [r for r in reporters if r[2] in set(skippers.tolist())] or reporters
        missing = {candidates[int(rng.integers(len(candidates)))]}
    delivered = [r for r in reporters if r not in missing]
    omsu: dict[tuple[int, int, int], list[str]] = {}
    for kind, rate in OMSU_DEFECT_RATES[level].items():
        hits = [r for r, x in zip(delivered, rng.random(len(delivered)), strict=True) if x < rate]
        if not hits:
            hits = [delivered[int(rng.integers(len(delivered)))]]
        for r in hits:
            omsu.setdefault(r, []).append(kind)
    forced = delivered[int(rng.integers(len(delivered)))]
    return DefectPlan(mfc, omsu, frozenset(missing), DRIFT_RATE[level], forced)


# --- the world -------------------------------------------------------------------------------


def _clear(out: Path) -> None:
    """Remove what an earlier generation left, so the folder holds exactly one world."""
    for pattern, folder in (("mfc_*.csv", MFC_INBOX), ("omsu_*.xlsx", OMSU_INBOX)):
        for path in sorted((out / folder).glob(pattern)):
            path.unlink()
    for folder in ("epgu", "ekc"):
        shutil.rmtree(out / folder, ignore_errors=True)
    (out / WORLD_MANIFEST).unlink(missing_ok=True)


class _Inline:
    """Runs submitted work at once: the small worlds of tests need no worker processes."""

    def submit(self, fn: Any, /, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args))
        return future


@contextmanager
def _executor(workers: int) -> Iterator[Any]:
    if workers <= 1 or not sys.platform.startswith("linux"):
        yield _Inline()
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
    if defects not in ("none", "realistic", "heavy"):
        raise ValueError(f"defects must be none, realistic or heavy, got {defects!r}")
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    months = month_range(first_month, last_month)
    bundle = read_reference_bundle(REFERENCE_DIR)
    cal = calibrate(bundle.municipalities.rows, bundle.services.rows, seed)
    offices = plan_offices(cal, seed)
    title_rows = [
        int(v)
        for v in _rng(seed, _OFFICES, 1).choice(
            omsu_files.TITLE_VARIANTS, size=cal.n_municipalities
        )
    ]
    dictionaries = mfc_files.MfcDictionaries.build(
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
    _clear(out)
    mfc_folder, omsu_folder = out / MFC_INBOX, out / OMSU_INBOX
    mfc_folder.mkdir(parents=True, exist_ok=True)
    omsu_folder.mkdir(parents=True, exist_ok=True)

    epgu_months: list[EpguMonth] = []
    next_case: dict[int, int] = {}
    futures: list[Future[list[dict[str, Any]]]] = []
    drift: list[dict[str, Any]] = []
    counts = {"mfc_rows": 0, "mfc_files": 0, "omsu_files": 0}
    n_workers = workers if workers is not None else default_workers(len(months), scale)
    with _executor(n_workers) as pool:
        for year, month in months:
            expected = expected_month(cal, year, month, scale)
            epgu = simulate_epgu_month(cal, expected, seed)
            epgu_months.append(epgu)
            mfc = simulate_mfc_month(cal, expected, offices, seed)
            days = split_days(mfc, next_case)
            counts["mfc_rows"] += len(mfc)
            counts["mfc_files"] += len(days)
            futures.append(
                pool.submit(
                    mfc_files.write_mfc_days, mfc_folder, days, dictionaries, plan.mfc, seed
                )
            )
            reports = build_omsu_reports(
                cal, expected, epgu_counted(cal, epgu), mfc_counted(cal, mfc), seed, title_rows
            )
            drift_rng = _rng(seed, _OMSU_DEFECTS, year, month, 1)
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
                jobs.append((report, plan.omsu.get(key, []), (seed, _OMSU_DEFECTS, year, month, i)))
            counts["omsu_files"] += len(jobs)
            futures.append(pool.submit(omsu_files.write_omsu_reports, omsu_folder, jobs))
            # keep at most a few months in flight, or their rows pile up in memory while the
            # workers catch up with the (faster) simulation
            if len(futures) > 2 * n_workers + 2:
                futures[len(futures) - 2 * n_workers - 3].result()
        injected = [record for future in futures for record in future.result()]

    first_day = date(*parse_month(first_month), 1)
    last_day = month_bounds(*parse_month(last_month))[1]
    ekc = simulate_ekc(cal, first_day, last_day, seed)
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
    (out / WORLD_MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest
