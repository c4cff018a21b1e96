"""Reading the whole reference folder into one validated, checksummed bundle."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from egov.errors import ReferenceFileError
from egov.reference.catalogue import read_channels, read_services
from egov.reference.municipalities import RegionFacts, read_municipalities
from egov.reference.plan_schedule import PlanSchedule, read_plan_schedule

MUNICIPALITIES_FILE = "municipalities.csv"
SERVICES_FILE = "services.csv"
CHANNELS_FILE = "channels.csv"
REGION_FILE = "region.yaml"
PLAN_DIR = "plan_schedules"


@dataclass(frozen=True)
class Dataset:
    """One reference table's rows (dicts ready as bind parameters) with the file's identity."""

    name: str
    source_file: str
    checksum_sha256: str
    rows: list[dict[str, Any]]

    @property
    def version(self) -> str:
        return self.checksum_sha256[:12]


@dataclass(frozen=True)
class ReferenceBundle:
    """Everything in the reference folder, validated together (cross-file checks included)."""

    municipalities: Dataset
    services: Dataset
    channels: Dataset
    plans: list[tuple[str, str, PlanSchedule]] = field(default_factory=list)
    """(source_file, content checksum, plan) per plan-schedule version."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _display(folder: Path, name: str) -> str:
    return f"{folder.name}/{name}"


def _read_region(path: Path, display: str) -> RegionFacts:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return RegionFacts(
            census_population=int(data["census_population"]),
            census_year=int(data["census_year"]),
            expected_municipalities=int(data["expected_municipalities"]),
            expected_municipalities_on=tuple(
                date.fromisoformat(str(d)) for d in data["expected_municipalities_on"]
            ),
            source_file=display,
        )
    except OSError as exc:
        raise ReferenceFileError(display, f"cannot read the file: {exc.strerror}") from None
    except KeyError as exc:
        raise ReferenceFileError(
            display, "required key is missing", column=str(exc.args[0])
        ) from None
    except (TypeError, ValueError, yaml.YAMLError) as exc:
        raise ReferenceFileError(display, f"invalid content: {exc}") from None


def _check_plan_scopes(
    plan_file: str, plan: PlanSchedule, oktmos: set[str], service_codes: set[str]
) -> None:
    for code, indicator in plan.indicators.items():
        for i, milestone in enumerate(indicator.milestones):
            known = {"municipality": oktmos, "service": service_codes}.get(milestone.scope)
            if known is not None and milestone.scope_code not in known:
                raise ReferenceFileError(
                    plan_file,
                    f"unknown {milestone.scope} code {milestone.scope_code!r}",
                    column=f"indicators.{code}.milestones[{i}].scope_code",
                )


def read_reference_bundle(folder: Path) -> ReferenceBundle:
    """Read and validate every reference file in `folder`; raises on the first problem."""
    if not folder.is_dir():
        raise ReferenceFileError(str(folder), "reference folder does not exist")
    facts = _read_region(folder / REGION_FILE, _display(folder, REGION_FILE))
    municipalities = read_municipalities(
        folder / MUNICIPALITIES_FILE, facts, _display(folder, MUNICIPALITIES_FILE)
    )
    services = read_services(folder / SERVICES_FILE, _display(folder, SERVICES_FILE))
    channels = read_channels(folder / CHANNELS_FILE, _display(folder, CHANNELS_FILE))

    plan_paths = sorted((folder / PLAN_DIR).glob("*.yaml"))
    if not plan_paths:
        raise ReferenceFileError(_display(folder, PLAN_DIR), "no plan-schedule *.yaml file")
    plans: list[tuple[str, str, PlanSchedule]] = []
    oktmos = {m.oktmo for m in municipalities}
    codes = {s.service_code for s in services}
    for path in plan_paths:
        display = f"{folder.name}/{PLAN_DIR}/{path.name}"
        plan = read_plan_schedule(path, display)
        _check_plan_scopes(display, plan, oktmos, codes)
        plans.append((display, plan.content_sha256(), plan))

    # The municipality rows depend on region.yaml too (population estimates, expected count).
    municipality_checksum = hashlib.sha256(
        (_sha256(folder / MUNICIPALITIES_FILE) + _sha256(folder / REGION_FILE)).encode()
    ).hexdigest()
    return ReferenceBundle(
        municipalities=Dataset(
            name="municipalities",
            source_file=_display(folder, MUNICIPALITIES_FILE),
            checksum_sha256=municipality_checksum,
            rows=[{k: v for k, v in asdict(m).items() if k != "row"} for m in municipalities],
        ),
        services=Dataset(
            name="services",
            source_file=_display(folder, SERVICES_FILE),
            checksum_sha256=_sha256(folder / SERVICES_FILE),
            rows=[asdict(s) for s in services],
        ),
        channels=Dataset(
            name="channels",
            source_file=_display(folder, CHANNELS_FILE),
            checksum_sha256=_sha256(folder / CHANNELS_FILE),
            rows=[asdict(c) for c in channels],
        ),
        plans=plans,
    )
