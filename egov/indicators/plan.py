"""The plan-schedule version in force for I1, as the snapshot reads it, and its path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from egov.indicators import engine
from egov.indicators.share_figures import MUNICIPALITY, REGION, SERVICE


@dataclass(frozen=True)
class PlanMilestone:
    """A milestone row of the plan-schedule version in force."""

    scope_type: str
    scope_code: str
    day: date
    target_pct: float


@dataclass(frozen=True)
class PlanInForce:
    """The plan-schedule version in force for the as-of date, for I1."""

    version: str
    interpolation: engine.Interpolation
    baseline_day: date
    baseline_pct: float | None
    """None: measured from the data (the scope's first months after the baseline date)."""
    milestones: tuple[PlanMilestone, ...]

    def milestones_for(self, scope_type: str, code: str) -> tuple[engine.Milestone, ...]:
        """Milestones of one scope: a municipality takes the `all_municipalities` ones and its
        own (its own win on the same date); the region, for information, the municipal ones
        unless the plan has `region` milestones; a service only its own."""
        own_type = {MUNICIPALITY: "municipality", SERVICE: "service", REGION: "region"}.get(
            scope_type
        )
        if own_type is None:
            return ()
        own = {
            m.day: m.target_pct
            for m in self.milestones
            if (m.scope_type, m.scope_code) == (own_type, code if own_type != "region" else "")
        }
        shared: dict[date, float] = {}
        if scope_type == MUNICIPALITY or (scope_type == REGION and not own):
            shared = {
                m.day: m.target_pct for m in self.milestones if m.scope_type == "all_municipalities"
            }
        merged = {**shared, **own}
        return tuple(engine.Milestone(day, pct) for day, pct in sorted(merged.items()))


def plan_vertices(plan: PlanInForce | None, baseline_pct: float | None) -> list[dict[str, Any]]:
    """Corner points of the region's expected path (the baseline first)."""
    if plan is None or baseline_pct is None:
        return []
    milestones = plan.milestones_for(REGION, "")
    path = engine.PlanPath(plan.baseline_day, baseline_pct, milestones, plan.interpolation)
    return [{"date": d.isoformat(), "pct": pct} for d, pct in path.vertices()]
