"""Expectation suites from `expectations/` and their run on a DataFrame in an ephemeral GX context.

A suite file is a Great Expectations 1.x suite (JSON) whose expectations each carry
`meta.rule` (the name findings, quarantine rows and `mart.data_quality` use), `meta.severity`
(`blocking`: the batch is rejected when the expectation fails; `warning`: the batch loads and
the finding is recorded) and `meta.reason`. `meta.egov` on the suite says which source and
dataset it checks, at which stage (`source`: the parsed delivery; `core`: the rows about to be
merged into a core fact table), and, for source suites, the batch-level rules and how parser
findings map onto rules. Row-level expectations run once over the frames of many batches
concatenated (a `batch_no` column tells them apart), so the fixed cost of GX is paid once per
chunk, not once per file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from egov.errors import EgovError
from egov.paths import PROJECT_ROOT

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
RuleSeverity = Literal["blocking", "warning"]
SEVERITIES: tuple[RuleSeverity, ...] = ("blocking", "warning")
BATCH_CHECKS = ("parses", "row_count", "findings", "volume")
Stage = Literal["source", "core"]


class SuiteError(EgovError):
    """A suite file in expectations/ is malformed."""


@dataclass(frozen=True)
class BatchRule:
    """A batch-level rule of a source suite (evaluated by the gate, not by GX)."""

    rule: str
    severity: RuleSeverity
    check: str
    reason: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RowRule:
    """A row-level expectation of a suite: its rule name, severity, tolerated share and type."""

    rule: str
    severity: RuleSeverity
    reason: str
    expectation_type: str
    mostly: float
    column: str | None


@dataclass(frozen=True)
class Suite:
    """One suite file: what it checks and its rules (the GX JSON stays in `document`)."""

    name: str
    source: str
    dataset: str
    stage: Stage
    document: Mapping[str, Any]
    row_rules: tuple[RowRule, ...]
    batch_rules: tuple[BatchRule, ...] = ()
    parser_findings: Mapping[str, str] = field(default_factory=dict)
    """Parser finding code -> the rule it is evidence for (info findings are not listed)."""
    reconciliation: tuple[Mapping[str, Any], ...] = ()
    """Cross-source checks of this dataset against other sources' facts (reconcile.py)."""

    def batch_rule(self, check: str) -> BatchRule | None:
        """The batch rule with this check, if the suite has one."""
        return next((r for r in self.batch_rules if r.check == check), None)


def _require(condition: bool, path: Path, what: str) -> None:
    if not condition:
        raise SuiteError(f"{path.name}: {what}")


def _severity(value: Any, path: Path, where: str) -> RuleSeverity:
    _require(value in SEVERITIES, path, f"{where}: severity must be blocking or warning")
    return "blocking" if value == "blocking" else "warning"


def parse_suite(path: Path) -> Suite:
    """Read and check one suite file (a clear error names the file and the bad field)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path.name}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    _require(isinstance(document, dict), path, "a suite is a JSON object")
    egov = document.get("meta", {}).get("egov")
    _require(isinstance(egov, dict), path, "meta.egov is missing")
    _require(document.get("name") == path.stem, path, "name must equal the file name")
    for key in ("source", "dataset"):
        _require(bool(egov.get(key)), path, f"meta.egov.{key} is missing")
    stage = egov.get("stage")
    _require(stage in ("source", "core"), path, "meta.egov.stage must be source or core")
    rows: list[RowRule] = []
    for i, item in enumerate(document.get("expectations", [])):
        meta = item.get("meta", {})
        where = f"expectations[{i}]"
        _require(bool(meta.get("rule")), path, f"{where}: meta.rule is missing")
        _require(bool(meta.get("reason")), path, f"{where}: meta.reason is missing")
        kwargs = item.get("kwargs", {})
        rows.append(
            RowRule(
                rule=str(meta["rule"]),
                severity=_severity(meta.get("severity"), path, where),
                reason=str(meta["reason"]),
                expectation_type=str(item.get("type")),
                mostly=float(kwargs.get("mostly", 1.0)),
                column=meta.get("column") or kwargs.get("column") or kwargs.get("column_A"),
            )
        )
    names = [r.rule for r in rows]
    _require(len(names) == len(set(names)), path, "rule names must be unique within a suite")
    batch: list[BatchRule] = []
    for i, item in enumerate(egov.get("batch_rules", [])):
        where = f"meta.egov.batch_rules[{i}]"
        _require(item.get("check") in BATCH_CHECKS, path, f"{where}: unknown check")
        _require(bool(item.get("rule")), path, f"{where}: rule is missing")
        params = {k: v for k, v in item.items() if k not in ("rule", "severity", "check", "reason")}
        batch.append(
            BatchRule(
                rule=str(item["rule"]),
                severity=_severity(item.get("severity"), path, where),
                check=str(item["check"]),
                reason=str(item.get("reason", "")),
                params=params,
            )
        )
    return Suite(
        name=path.stem,
        source=str(egov["source"]),
        dataset=str(egov["dataset"]),
        stage="source" if stage == "source" else "core",
        document=document,
        row_rules=tuple(rows),
        batch_rules=tuple(batch),
        parser_findings=dict(egov.get("parser_findings", {})),
        reconciliation=tuple(egov.get("reconciliation", [])),
    )


@lru_cache(maxsize=4)
def load_suites(folder: Path = EXPECTATIONS_DIR) -> dict[str, Suite]:
    """Every suite file of the folder by name."""
    return {path.stem: parse_suite(path) for path in sorted(folder.glob("*.json"))}


def suite_for(source: str, dataset: str, stage: Stage, folder: Path = EXPECTATIONS_DIR) -> Suite:
    """The suite of a source's dataset at a stage (each combination has exactly one)."""
    found = [
        s
        for s in load_suites(folder).values()
        if (s.source, s.dataset, s.stage) == (source, dataset, stage)
    ]
    if len(found) != 1:
        raise SuiteError(f"expected one {stage} suite for {source} {dataset}, found {len(found)}")
    return found[0]


def suite_named(name: str, folder: Path = EXPECTATIONS_DIR) -> Suite:
    """The suite of this name (a source spec names its suites)."""
    suite = load_suites(folder).get(name)
    if suite is None:
        raise SuiteError(f"no suite {name!r} in {folder}")
    return suite


# --- running a suite with Great Expectations ---------------------------------------------


@dataclass(frozen=True)
class RuleRun:
    """What one row-level expectation found over a (multi-batch) frame."""

    rule: RowRule
    failing: npt.NDArray[np.int64]
    """Positions (0-based, in the frame) of the rows that failed."""
    error: str | None = None
    """GX raised instead of evaluating (a broken expectation): treated as every row failing."""


@dataclass(frozen=True)
class SuiteRun:
    """The outcome of a suite over a frame, plus the raw GX result for Data Docs."""

    suite: Suite
    rules: tuple[RuleRun, ...]
    gx_result: Any


class _GxRuntime:
    """An ephemeral GX context with one pandas asset; suites are registered on first use."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.context: Any = gx.get_context(mode="ephemeral")
        # Progress bars write to stderr once per validation; a pipeline's logs are no place
        # for them.
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = self.context.data_sources.add_pandas("egov").add_dataframe_asset("deliveries")
        self.batch_definition: Any = asset.add_batch_definition_whole_dataframe("frame")
        self.suites: dict[str, Any] = {}

    def suite(self, suite: Suite) -> Any:
        if suite.name not in self.suites:
            from great_expectations.core import ExpectationSuite

            document = {k: v for k, v in suite.document.items() if k != "id"}
            self.suites[suite.name] = self.context.suites.add(ExpectationSuite(**document))
        return self.suites[suite.name]


@lru_cache(maxsize=1)
def gx_runtime() -> _GxRuntime:
    """The process's GX context (building it costs seconds, so it is built once)."""
    return _GxRuntime()


def run_suite(suite: Suite, frame: pd.DataFrame, parameters: Mapping[str, Any]) -> SuiteRun:
    """Validate `frame` (RangeIndex) against the suite; failing row positions per rule."""
    if not suite.row_rules or frame.empty:
        return SuiteRun(
            suite, tuple(RuleRun(r, np.empty(0, np.int64)) for r in suite.row_rules), None
        )
    runtime = gx_runtime()
    frame = frame.reset_index(drop=True)
    batch = runtime.batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        runtime.suite(suite),
        expectation_parameters=dict(parameters),
        result_format={"result_format": "COMPLETE", "return_unexpected_index_query": False},
    )
    by_rule: dict[str, Any] = {}
    for item in result.results:
        by_rule[str(item.expectation_config.meta.get("rule"))] = item
    runs: list[RuleRun] = []
    everything = np.arange(len(frame), dtype=np.int64)
    for rule in suite.row_rules:
        item = by_rule.get(rule.rule)
        info = (item.exception_info or {}) if item is not None else {}
        if item is None or info.get("raised_exception"):
            message = str(info.get("exception_message") or "not evaluated")
            runs.append(RuleRun(rule, everything, error=message))
            continue
        failing = np.asarray(item.result.get("unexpected_index_list") or [], dtype=np.int64)
        runs.append(RuleRun(rule, np.unique(failing)))
    return SuiteRun(suite, tuple(runs), result)
