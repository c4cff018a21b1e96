"""Plan-schedule YAML files: validated against a schema, errors mapped back to the file's line."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from egov.errors import ReferenceFileError
from egov.yaml_model import YamlModelError, line_of, read_yaml_model

ScopeType = Literal["region", "all_municipalities", "municipality", "service"]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Baseline(_Strict):
    """The indicator's value at the start of the plan: measured from the data or a given number."""

    date: dt.date
    value: Literal["measured"] | Percent


class Milestone(_Strict):
    """A target for a scope on a date."""

    scope: ScopeType
    scope_code: str | None = Field(
        default=None, description="OKTMO for scope municipality, service code for scope service"
    )
    date: dt.date
    target_pct: Percent

    @model_validator(mode="after")
    def _scope_code_matches_scope(self) -> Milestone:
        needs_code = self.scope in ("municipality", "service")
        if needs_code and not self.scope_code:
            raise ValueError(f"scope {self.scope} needs a scope_code")
        if not needs_code and self.scope_code:
            raise ValueError(f"scope {self.scope} takes no scope_code")
        return self


class IndicatorPlan(_Strict):
    """How one indicator is planned: direction, interpolation, baseline and milestones."""

    unit: Literal["percent"]
    direction: Literal["higher_is_better", "lower_is_better"]
    interpolation: Literal["linear", "step"]
    baseline: Baseline
    milestones: list[Milestone] = Field(min_length=1)

    @model_validator(mode="after")
    def _milestones_after_baseline_and_unique(self) -> IndicatorPlan:
        seen: set[tuple[str, str | None, dt.date]] = set()
        for milestone in self.milestones:
            if milestone.date <= self.baseline.date:
                raise ValueError(f"milestone {milestone.date} is not after the baseline date")
            key = (milestone.scope, milestone.scope_code, milestone.date)
            if key in seen:
                raise ValueError(f"two milestones for {milestone.scope} on {milestone.date}")
            seen.add(key)
        return self


class PlanSchedule(_Strict):
    """One plan-schedule version as set by an order (reference/plan_schedules/<version>.yaml)."""

    version: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
    set_by: str = Field(min_length=1)
    replaces: str | None = None
    effective_from: dt.date
    indicators: dict[str, IndicatorPlan] = Field(min_length=1)

    def content_sha256(self) -> str:
        """Checksum of the parsed content (comments and layout do not change it)."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def read_plan_schedule(path: Path, display_name: str) -> PlanSchedule:
    """The validated plan-schedule in `path`; its version must match the file name."""
    try:
        plan, root = read_yaml_model(path, PlanSchedule, "plan-schedule")
    except YamlModelError as exc:
        raise ReferenceFileError(
            display_name, exc.message, row=exc.line, column=exc.field
        ) from None
    if plan.version != path.stem:
        raise ReferenceFileError(
            display_name,
            f"version {plan.version!r} does not match the file name {path.name!r}",
            row=line_of(root, ("version",)),
            column="version",
        )
    return plan
