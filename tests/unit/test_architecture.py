"""The house rules, checked on the source tree: layers, cycles, module size, source branches."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("egov", "flows", "tasks", "cli", "bench")
LIBRARY_MUST_NOT_IMPORT = ("flows", "tasks", "cli")
MAX_LINES = 400
SOURCE_KEYS = ("epgu", "mfc", "omsu", "ekc")
_KEYS = "|".join(SOURCE_KEYS)
SOURCE_BRANCH = re.compile(
    rf"""(==|!=)\s*["'](?:{_KEYS})["']|["'](?:{_KEYS})["']\s*(==|!=)|\bin\s*\(\s*["'](?:{_KEYS})["']"""
)
"""A comparison with a source key (`source == "mfc"`, `"ekc" != key`, `in ("epgu", …)`)."""


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imported(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """Project modules a module imports, anywhere in its body (function-level imports too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            # `from pkg import sub` imports the submodule; `from mod import name` the module.
            candidates = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for candidate in candidates:
            target = candidate
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        graph[name].update(_imported(name, path, modules))
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_library_imports_neither_flows_nor_tasks_nor_the_cli() -> None:
    graph = _graph()
    offending = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module.split(".")[0] == "egov"
        for target in targets
        if target.split(".")[0] in LIBRARY_MUST_NOT_IMPORT
    )
    assert offending == []


def test_tasks_do_not_import_flows() -> None:
    graph = _graph()
    offending = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module.split(".")[0] == "tasks"
        for target in targets
        if target.split(".")[0] in ("flows", "cli")
    )
    assert offending == []


def test_there_is_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_no_module_is_over_the_size_limit() -> None:
    oversized = {
        str(path.relative_to(ROOT)): lines
        for path in _modules().values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert oversized == {}


def _is_source_folder(path: Path) -> bool:
    relative = path.relative_to(ROOT).parts
    in_source_folder = relative[:2] == ("egov", "sources") and relative[2] in SOURCE_KEYS
    return in_source_folder or relative[:2] == ("egov", "simulator")


def test_no_branch_on_a_source_key_outside_the_source_folders() -> None:
    branches = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _modules().values()
        if not _is_source_folder(path)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SOURCE_BRANCH.search(line)
    ]
    assert branches == []


def test_the_branch_pattern_finds_the_usual_spellings() -> None:
    for line in ('if source == "mfc":', "if 'ekc' != key:", 'if s in ("epgu", "mfc"):'):
        assert SOURCE_BRANCH.search(line), line
    assert not SOURCE_BRANCH.search('key = "mfc"')
