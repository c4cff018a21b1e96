"""The committed expectation suites: they parse, are complete, and cover what the parsers emit."""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from egov.paths import PROJECT_ROOT
from egov.quality.conform import SOURCE_DATASETS
from egov.quality.suites import (
    EXPECTATIONS_DIR,
    SEVERITIES,
    Suite,
    SuiteError,
    load_suites,
    parse_suite,
    suite_for,
)

SUITE_FILES = sorted(EXPECTATIONS_DIR.glob("*.json"))
PARSER_SOURCES = ("mfc", "omsu", "ekc", "epgu")


def raw(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def batch_suite(source: str) -> Suite:
    """The suite holding a source's batch rules and parser finding map."""
    return suite_for(source, SOURCE_DATASETS[source][0], "source")


def test_the_expectations_folder_has_suites() -> None:
    assert len(SUITE_FILES) == 2 * sum(len(d) for d in SOURCE_DATASETS.values())


@pytest.mark.parametrize("path", SUITE_FILES, ids=[p.stem for p in SUITE_FILES])
def test_every_suite_file_parses(path: Path) -> None:
    suite = parse_suite(path)
    assert suite.name == path.stem
    assert suite.dataset in SOURCE_DATASETS[suite.source]
    assert suite.name.startswith("source_" if suite.stage == "source" else "core_")
    assert len(suite.row_rules) == len(raw(path)["expectations"]) > 0


def test_each_dataset_has_exactly_one_source_and_one_core_suite() -> None:
    suites = load_suites()
    assert set(suites) == {p.stem for p in SUITE_FILES}
    found = sorted((s.source, s.dataset, s.stage) for s in suites.values())
    expected = sorted(
        (source, dataset, stage)
        for source, datasets in SOURCE_DATASETS.items()
        for dataset in datasets
        for stage in ("source", "core")
    )
    assert found == expected
    for source, dataset, stage in expected:
        assert suite_for(source, dataset, stage).stage == stage


@pytest.mark.parametrize("path", SUITE_FILES, ids=[p.stem for p in SUITE_FILES])
def test_every_expectation_has_a_rule_a_severity_and_a_reason(path: Path) -> None:
    expectations = raw(path)["expectations"]
    for item in expectations:
        meta = item["meta"]
        assert isinstance(meta.get("rule"), str) and meta["rule"], item
        assert meta.get("severity") in SEVERITIES, item
        assert isinstance(meta.get("reason"), str) and meta["reason"].strip(), item
    suite = parse_suite(path)
    for rule in (*suite.row_rules, *suite.batch_rules):
        assert rule.severity in SEVERITIES and rule.reason.strip(), rule


@pytest.mark.parametrize("source", sorted(SOURCE_DATASETS))
def test_batch_rules_live_in_the_first_dataset_source_suite(source: str) -> None:
    suite = batch_suite(source)
    checks = [r.check for r in suite.batch_rules]
    assert checks[0] == "parses" and suite.batch_rules[0].rule == "delivery_is_readable"
    assert suite.batch_rules[0].severity == "blocking"
    assert "volume" in checks
    rule_names = [r.rule for r in suite.batch_rules] + [r.rule for r in suite.row_rules]
    assert len(rule_names) == len(set(rule_names)), "a batch rule shadows a row rule"
    for dataset in SOURCE_DATASETS[source][1:]:
        assert suite_for(source, dataset, "source").batch_rules == ()


# --- malformed suites ------------------------------------------------------------------------


def valid_document() -> dict[str, Any]:
    """A copy of a real suite with batch rules and parser findings (renamed by `write`)."""
    return copy.deepcopy(raw(EXPECTATIONS_DIR / "source_mfc_applications.json"))


def write(folder: Path, name: str, document: dict[str, Any] | str) -> Path:
    path = folder / f"{name}.json"
    if isinstance(document, dict):
        document = {**document, "name": document.get("name", name)}
        document = json.dumps(document, ensure_ascii=False)
    path.write_text(document, encoding="utf-8")
    return path


def test_a_valid_copy_parses(tmp_path: Path) -> None:
    document = valid_document()
    document["name"] = "my_suite"
    suite = parse_suite(write(tmp_path, "my_suite", document))
    assert suite.name == "my_suite" and suite.source == "mfc" and suite.stage == "source"
    assert suite.batch_rule("row_count") is not None
    assert suite.parser_findings["duplicate_case_id"] == "case_id_is_unique"


def _drop_rule(d: dict[str, Any]) -> None:
    del d["expectations"][1]["meta"]["rule"]


def _drop_reason(d: dict[str, Any]) -> None:
    d["expectations"][0]["meta"]["reason"] = ""


def _bad_severity(d: dict[str, Any]) -> None:
    d["expectations"][0]["meta"]["severity"] = "critical"


def _missing_severity(d: dict[str, Any]) -> None:
    del d["expectations"][0]["meta"]["severity"]


def _bad_batch_severity(d: dict[str, Any]) -> None:
    d["meta"]["egov"]["batch_rules"][1]["severity"] = "info"


def _unknown_check(d: dict[str, Any]) -> None:
    d["meta"]["egov"]["batch_rules"][0]["check"] = "checksum"


def _other_name(d: dict[str, Any]) -> None:
    d["name"] = "source_mfc_applications"


def _bad_stage(d: dict[str, Any]) -> None:
    d["meta"]["egov"]["stage"] = "mart"


def _no_egov(d: dict[str, Any]) -> None:
    del d["meta"]["egov"]


def _twice_the_same_rule(d: dict[str, Any]) -> None:
    d["expectations"][1]["meta"]["rule"] = d["expectations"][0]["meta"]["rule"]


MALFORMED = {
    "missing meta.rule": (_drop_rule, "expectations[1]: meta.rule is missing"),
    "empty meta.reason": (_drop_reason, "expectations[0]: meta.reason is missing"),
    "bad severity": (_bad_severity, "expectations[0]: severity must be blocking or warning"),
    "missing severity": (_missing_severity, "severity must be blocking or warning"),
    "bad batch severity": (_bad_batch_severity, "batch_rules[1]: severity must be"),
    "unknown batch check": (_unknown_check, "batch_rules[0]: unknown check"),
    "name differs from the file": (_other_name, "name must equal the file name"),
    "bad stage": (_bad_stage, "stage must be source or core"),
    "no meta.egov": (_no_egov, "meta.egov is missing"),
    "duplicate rule": (_twice_the_same_rule, "rule names must be unique"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_suite_is_refused_naming_the_file(tmp_path: Path, case: str) -> None:
    mutate, what = MALFORMED[case]
    document = valid_document()
    document["name"] = "broken_suite"
    mutate(document)
    path = write(tmp_path, "broken_suite", document)
    with pytest.raises(SuiteError) as caught:
        parse_suite(path)
    assert str(caught.value).startswith("broken_suite.json: ")
    assert what in str(caught.value)


def test_invalid_json_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken_suite", '{\n  "name": "broken_suite",\n  "meta": {,}\n}')
    with pytest.raises(SuiteError, match=r"^broken_suite\.json: invalid JSON at line 3"):
        parse_suite(path)


def test_a_suite_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "broken_suite", "[]")
    with pytest.raises(SuiteError, match=r"^broken_suite\.json: a suite is a JSON object"):
        parse_suite(path)


def test_load_suites_stops_at_the_first_broken_file(tmp_path: Path) -> None:
    good = valid_document()
    good["name"] = "a_good_suite"
    write(tmp_path, "a_good_suite", good)
    write(tmp_path, "z_broken_suite", "not json")
    with pytest.raises(SuiteError, match=r"^z_broken_suite\.json: "):
        load_suites(tmp_path)


def test_suite_for_refuses_an_ambiguous_folder(tmp_path: Path) -> None:
    for name in ("first_copy", "second_copy"):
        document = valid_document()
        document["name"] = name
        write(tmp_path, name, document)
    with pytest.raises(SuiteError, match="expected one source suite for mfc applications, found 2"):
        suite_for("mfc", "applications", "source", tmp_path)
    with pytest.raises(SuiteError, match="found 0"):
        suite_for("ekc", "calls", "source", tmp_path)


def _batch_rule_without_name(d: dict[str, Any]) -> None:
    del d["meta"]["egov"]["batch_rules"][1]["rule"]


def _egov_without_source(d: dict[str, Any]) -> None:
    del d["meta"]["egov"]["source"]


@pytest.mark.parametrize("mutate", [_batch_rule_without_name, _egov_without_source])
def test_a_missing_batch_rule_name_or_source_is_a_suite_error(tmp_path: Path, mutate: Any) -> None:
    document = valid_document()
    document["name"] = "broken_suite"
    mutate(document)
    with pytest.raises(SuiteError, match=r"^broken_suite\.json: "):
        parse_suite(write(tmp_path, "broken_suite", document))


# --- parser findings are mapped ----------------------------------------------------------------


def _strings(node: ast.AST | None) -> set[str]:
    """String constants in an expression ("warning" if x else "info" gives both)."""
    if node is None:
        return set()
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _argument(call: ast.Call, position: int, keyword: str) -> ast.AST | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def emitted_findings(source: str) -> dict[str, set[str]]:
    """Finding code -> severities the modules of a source folder can give it.

    `collector.add("code", message[, severity])` takes the collector's default severity when
    none is passed (one default per source: mfc "info", omsu "warning"; a collector is handed
    between the modules of a folder); `Finding(source, file, "code", message[, severity])`
    defaults to "warning".
    """
    trees = [
        ast.parse(path.read_text("utf-8"))
        for path in sorted((PROJECT_ROOT / "egov" / "sources" / source).glob("*.py"))
    ]
    calls = [n for tree in trees for n in ast.walk(tree) if isinstance(n, ast.Call)]
    defaults = {
        s for c in calls if _callee(c) == "FindingCollector" for s in _strings(_argument(c, 2, ""))
    }
    assert len(defaults) <= 1, f"{source}: collectors with different defaults {defaults}"
    found: dict[str, set[str]] = {}
    for call in calls:
        if _callee(call) == "add" and call.args:
            code, severity, default = call.args[0], _argument(call, 2, "severity"), defaults
        elif _callee(call) == "Finding" and len(call.args) > 2:
            code, severity, default = call.args[2], _argument(call, 4, "severity"), {"warning"}
        else:
            continue
        if isinstance(code, ast.Constant) and isinstance(code.value, str):
            found.setdefault(code.value, set()).update(_strings(severity) or default)
    return found


EMITTED = {source: emitted_findings(source) for source in PARSER_SOURCES}
NOT_INFO = sorted(
    (source, code)
    for source, codes in EMITTED.items()
    for code, severities in codes.items()
    if severities - {"info"}
)


def test_the_finding_scan_sees_the_parsers_findings() -> None:
    assert EMITTED["mfc"]["no_data_rows"] == {"warning"}
    assert EMITTED["mfc"]["utf8_bom"] == {"info"}
    assert EMITTED["mfc"]["header_case"] == {"info"}  # the mfc collector's default
    assert EMITTED["omsu"]["oktmo_name_mismatch"] == {"blocking"}
    assert EMITTED["omsu"]["totals_mismatch"] == {"warning"}  # the omsu collector's default
    assert EMITTED["omsu"]["rows_after_totals"] == {"warning", "info"}
    assert EMITTED["omsu"]["numbers_as_text"] == {"info"}
    assert EMITTED["omsu"]["campaign_sheet_missing"] == {"warning"}  # built as Finding(...)
    assert {"accepted_outside_file_date", "duplicate_case_id"} <= {c for _, c in NOT_INFO}
    assert len(NOT_INFO) >= 15


@pytest.mark.parametrize(
    ("source", "code"),
    [pytest.param(s, c, id=f"{s}:{c}") for s, c in NOT_INFO],
)
def test_every_non_info_parser_finding_is_mapped_to_a_rule(source: str, code: str) -> None:
    assert code in batch_suite(source).parser_findings


@pytest.mark.parametrize("source", sorted(SOURCE_DATASETS))
def test_parser_findings_name_rules_the_source_checks(source: str) -> None:
    suite = batch_suite(source)
    evidence = {r.rule for r in suite.batch_rules if r.check in ("findings", "row_count")}
    row_rules = {r.rule for s in load_suites().values() if s.source == source for r in s.row_rules}
    for code, rule in suite.parser_findings.items():
        assert rule in evidence | row_rules, f"{source}: {code} -> unknown rule {rule}"
    for rule in (r for r in suite.batch_rules if r.check == "findings"):
        assert rule.rule in suite.parser_findings.values(), f"{rule.rule} has no evidence"
