"""All SQL takes bind parameters: no value is ever formatted into a statement's text.

A static check over the project's Python code (egov/, flows/, tasks/, cli/, bench/,
migrations/): the statement handed to `text()`, `execute()`, `executemany()`, `copy_expert()`,
`exec_driver_sql()`, `mogrify()`, `literal_column()` or `read_sql*()` must be built from safe
parts only:

- string literals (and concatenations of literals);
- `load_sql(name)`: the text of a file under sql/, which `load_sql` keeps inside sql/;
- `text(<safe>)` of SQLAlchemy;
- psycopg2 compositions, `sql.SQL(<literal>).format(...)` / `.join(...)`, whose parts are
  `sql.Identifier`, `sql.Literal`, `sql.Placeholder` or `sql.SQL(<literal>)`: psycopg2 quotes
  them;
- a local variable only ever assigned one of the above in the same function.

An f-string, `%` formatting, `.format()` on a plain string, a concatenation with a non-literal,
or anything else (a parameter, a helper's return value) is a violation unless ALLOWED names
the function and says why it is safe. Then the sql/ files: none holds a Python placeholder
(`{name}`, `%s`, `%(name)s`), so the only parameters are SQLAlchemy `:name` binds, and
egov/warehouse/sql.py hands the file text and the values to the driver separately.
"""

from __future__ import annotations

import ast
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from egov.paths import PROJECT_ROOT, SQL_DIR
from egov.warehouse import sql as warehouse_sql
from egov.warehouse.sql import copy_rows, load_sql, run_sql, run_sql_script

SCANNED = ("egov", "flows", "tasks", "cli", "bench", "migrations")

EXECUTING_METHODS = frozenset(
    {"execute", "executemany", "copy_expert", "exec_driver_sql", "mogrify", "read_sql"}
    | {"read_sql_query"}
)
"""Calls whose first argument is a statement, whatever object they are called on."""
SQLALCHEMY_TEXT = frozenset({"text", "literal_column"})
"""SQLAlchemy constructors of raw SQL, checked when they come from sqlalchemy."""
SAFE_PARTS = frozenset({"Identifier", "Literal", "Placeholder"})
"""psycopg2.sql pieces that quote whatever they are given."""

ALLOWED: dict[str, str] = {
    # bench/ only: re-points a core index definition at the benchmark's copy of the table.
    # `indexdef` is PostgreSQL's own text from pg_indexes (its identifiers already quoted by
    # pg_get_indexdef), and the replaced parts are the module's schema constant and a table
    # name from egov.quality.conform.CORE_TABLES; nothing comes from data or the command line.
    "bench/raw_copy.py:create_raw_tables": "catalogue index text re-pointed at a constant",
    # bench/ only: the gate's own COPY statement (load_sql) with its staging table name
    # replaced by a constant schema and a CORE_TABLES name; the rows travel as COPY data.
    "bench/raw_copy.py:raw_copy": "load_sql text re-pointed at a constant table",
}
"""'path:function' -> why its non-literal statement is safe (justified in the comment above)."""


@dataclass(frozen=True)
class Violation:
    """A statement built from something other than safe parts."""

    where: str
    line: int
    call: str
    why: str


# --- the checker -------------------------------------------------------------------------


def _call_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _sqlalchemy_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """(names bound to the sqlalchemy module, names of its text()/literal_column() imported)."""
    modules, functions = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "sqlalchemy":
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            for alias in node.names:
                if alias.name in SQLALCHEMY_TEXT:
                    functions.add(alias.asname or alias.name)
    return modules, functions


def _is_sql_call(node: ast.Call, modules: set[str], functions: set[str]) -> bool:
    func = node.func
    if isinstance(func, ast.Attribute):
        if func.attr in EXECUTING_METHODS:
            return True
        # sa.text(...), not row.text(...): only on a name bound to the sqlalchemy module.
        owner = func.value
        return func.attr in SQLALCHEMY_TEXT and isinstance(owner, ast.Name) and owner.id in modules
    return isinstance(func, ast.Name) and func.id in functions


def _statement(node: ast.Call) -> ast.expr | None:
    if node.args:
        return node.args[0]
    for keyword in node.keywords:
        if keyword.arg in ("sql", "statement", "query", "text", "operation"):
            return keyword.value
    return None


class _Scope:
    """Assignments of one function (or the module), to follow a statement held in a variable."""

    def __init__(self, node: ast.AST):
        self.assigned: dict[str, list[ast.expr]] = {}
        self.parameters: set[str] = set()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args
            for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
                self.parameters.add(arg.arg)
        for child in _own_nodes(node):
            if isinstance(child, ast.Assign):
                for target in child.targets:
                    if isinstance(target, ast.Name):
                        self.assigned.setdefault(target.id, []).append(child.value)
            elif (
                isinstance(child, ast.AnnAssign | ast.AugAssign)
                and isinstance(child.target, ast.Name)
                and child.value is not None
            ):
                value = child.value
                if isinstance(child, ast.AugAssign):
                    # q += x is q = q + x: a concatenation the check must see.
                    value = ast.BinOp(ast.Name(child.target.id), child.op, child.value)
                self.assigned.setdefault(child.target.id, []).append(value)


def _own_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a function body, not of the functions or classes nested in it."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        yield child
        yield from _own_nodes(child)


def _is_psycopg_sql(func: ast.expr, name: str) -> bool:
    """`SQL(...)`, `sql.SQL(...)`, `pgsql.SQL(...)`: psycopg2.sql.<name> however imported."""
    if isinstance(func, ast.Name):
        return func.id == name
    return isinstance(func, ast.Attribute) and func.attr == name


def _unsafe(node: ast.expr, scope: _Scope, seen: frozenset[str] = frozenset()) -> str | None:
    """Why a statement expression may carry a formatted value; None when it cannot."""
    if isinstance(node, ast.Constant):
        return None if isinstance(node.value, str | bytes) else "not a string"
    if isinstance(node, ast.JoinedStr):
        if any(isinstance(v, ast.FormattedValue) for v in node.values):
            return "f-string"
        return None
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mod):
            return "%-formatting"
        if isinstance(node.op, ast.Add):
            parts = [_unsafe(node.left, scope, seen), _unsafe(node.right, scope, seen)]
            return "concatenation with a non-literal" if any(parts) else None
        return "an operator on the statement"
    if isinstance(node, ast.Name):
        if node.id in seen:
            return None
        values = scope.assigned.get(node.id)
        if not values:
            origin = "a parameter" if node.id in scope.parameters else "not assigned here"
            return f"variable {node.id!r} is {origin}"
        for value in values:
            reason = _unsafe(value, scope, seen | {node.id})
            if reason:
                return f"variable {node.id!r}: {reason}"
        return None
    if isinstance(node, ast.Call):
        func = node.func
        name = _call_name(func)
        if name == "load_sql":
            return None
        if name in SQLALCHEMY_TEXT or _is_psycopg_sql(func, "SQL"):
            if len(node.args) != 1:
                return f"{name}() without exactly one argument"
            return _unsafe(node.args[0], scope, seen)
        if _is_psycopg_sql(func, "Composed"):
            return _unsafe_parts(node.args, scope, seen)
        if isinstance(func, ast.Attribute) and func.attr in ("format", "join"):
            receiver = func.value
            if isinstance(receiver, ast.Call) and _is_psycopg_sql(receiver.func, "SQL"):
                return _unsafe(receiver, scope, seen) or _unsafe_parts(
                    [*node.args, *(k.value for k in node.keywords)], scope, seen
                )
            return "str.format()" if func.attr == "format" else "str.join()"
        return f"built by {name or 'a call'}()"
    return f"a {type(node).__name__} expression"


def _unsafe_parts(parts: list[ast.expr], scope: _Scope, seen: frozenset[str]) -> str | None:
    """Why a part of a psycopg2 composition is unsafe (quoting pieces are always safe)."""
    for part in parts:
        if isinstance(part, ast.List | ast.Tuple):
            reason = _unsafe_parts(list(part.elts), scope, seen)
        elif isinstance(part, ast.GeneratorExp | ast.ListComp):
            reason = _unsafe_parts([part.elt], scope, seen)
        elif isinstance(part, ast.Call) and any(_is_psycopg_sql(part.func, n) for n in SAFE_PARTS):
            reason = None
        else:
            reason = _unsafe(part, scope, seen)
        if reason:
            return f"composition part: {reason}"
    return None


def _functions(tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    """(qualified name, node) of the module and of every function in it."""
    yield "<module>", tree

    def visit(node: ast.AST, prefix: str) -> Iterator[tuple[str, ast.AST]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield prefix + child.name, child
                yield from visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef):
                yield from visit(child, prefix + child.name + ".")
            else:
                yield from visit(child, prefix)

    yield from visit(tree, "")


def check_source(source: str, path: str) -> list[Violation]:
    """Every SQL call of a module whose statement is not built from safe parts."""
    tree = ast.parse(source, filename=path)
    modules, functions = _sqlalchemy_names(tree)
    found = []
    for qualified, node in _functions(tree):
        scope = _Scope(node)
        for child in _own_nodes(node):
            if not (isinstance(child, ast.Call) and _is_sql_call(child, modules, functions)):
                continue
            statement = _statement(child)
            reason = "no statement" if statement is None else _unsafe(statement, scope)
            if reason:
                found.append(
                    Violation(
                        f"{path}:{qualified}", child.lineno, _call_name(child.func) or "", reason
                    )
                )
    return found


def project_violations() -> list[Violation]:
    found = []
    for folder in SCANNED:
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            relative = path.relative_to(PROJECT_ROOT).as_posix()
            found += check_source(path.read_text(encoding="utf-8"), relative)
    return found


# --- the project -------------------------------------------------------------------------


def test_every_statement_in_the_code_is_built_from_safe_parts() -> None:
    unexplained = [v for v in project_violations() if v.where not in ALLOWED]
    assert unexplained == []


def test_every_allowed_exception_is_still_needed() -> None:
    """An entry whose code no longer needs it would silently excuse the next change there."""
    used = {v.where for v in project_violations()}
    assert sorted(set(ALLOWED) - used) == []


def test_the_check_sees_the_project_s_sql_calls() -> None:
    """The scan really finds the calls it vouches for (not an empty pass)."""
    calls = 0
    for folder in SCANNED:
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            modules, functions = _sqlalchemy_names(tree)
            calls += sum(
                isinstance(n, ast.Call) and _is_sql_call(n, modules, functions)
                for n in ast.walk(tree)
            )
    assert calls >= 15


# --- the checker on known snippets -------------------------------------------------------

BAD = {
    "f-string": 'def f(conn, day):\n    conn.execute(text(f"SELECT {day}"))\n',
    "%-formatting": 'def f(cur, day):\n    cur.execute("SELECT %s" % day)\n',
    "str.format()": 'def f(cur, day):\n    cur.execute("SELECT {}".format(day))\n',
    "concatenation": 'def f(conn, t):\n    conn.exec_driver_sql("SELECT * FROM " + t)\n',
    "via a variable": 'def f(cur, t):\n    q = f"DROP TABLE {t}"\n    cur.execute(q)\n',
    "a parameter": "def f(cur, statement):\n    cur.execute(statement)\n",
    "sql.SQL of a value": "def f(cur, t):\n    cur.execute(sql.SQL(t))\n",
    "raw part in a composition": 'def f(cur, t):\n    cur.execute(SQL("x {}").format(SQL(t)))\n',
    "copy_expert": 'def f(cur, t, buf):\n    cur.copy_expert(f"COPY {t} FROM STDIN", buf)\n',
    "pandas read_sql": 'def f(conn, t):\n    pd.read_sql("SELECT * FROM %s" % t, conn)\n',
    "executemany": 'def f(cur, rows, t):\n    cur.executemany("INSERT INTO " + t, rows)\n',
    "augmented": 'def f(cur, t):\n    q = "SELECT "\n    q += t\n    cur.execute(q)\n',
    "sa.text": 'import sqlalchemy as sa\ndef f(conn, t):\n    conn.execute(sa.text(f"{t}"))\n',
    "literal_column": "from sqlalchemy import literal_column\ndef f(t):\n    literal_column(t)\n",
}
GOOD = {
    "literal": 'def f(conn):\n    conn.execute(text("SELECT 1"))\n',
    "bind parameters": 'def f(conn, d):\n    conn.execute(text("SELECT :d"), {"d": d})\n',
    "driver parameters": 'def f(cur, d):\n    cur.execute("SELECT %s", (d,))\n',
    "load_sql": "def f(cur, name):\n    cur.execute(load_sql(name))\n",
    "variable": "def f(conn, n):\n    s = sa.text(load_sql(n))\n    conn.execute(s, {})\n",
    "literal concatenation": 'def f(cur):\n    cur.execute("SELECT 1 " + "FROM x")\n',
    "identifier": 'def f(cur, t):\n    cur.execute(SQL("DROP TABLE {}").format(Identifier(t)))\n',
    "qualified": 'def f(c, s, t):\n    c.execute(pgsql.SQL("{}.{}").format(pgsql.Identifier(s), '
    "pgsql.Identifier(t)))\n",
    "joined": 'def f(c, ts):\n    c.execute(SQL(", ").join(Identifier(t) for t in ts))\n',
    "not sqlalchemy's text": 'def f(row):\n    row.text(f"{row}")\n',
}


@pytest.mark.parametrize("snippet", BAD.values(), ids=list(BAD))
def test_the_check_catches_a_formatted_statement(snippet: str) -> None:
    violations = check_source(snippet, "bad.py")
    assert violations and {v.where for v in violations} == {"bad.py:f"}


@pytest.mark.parametrize("snippet", GOOD.values(), ids=list(GOOD))
def test_the_check_lets_bind_parameters_and_quoted_identifiers_pass(snippet: str) -> None:
    assert check_source(snippet, "good.py") == []


def test_the_check_names_the_kind_of_formatting() -> None:
    reasons = {k: check_source(s, "bad.py")[0].why for k, s in BAD.items()}
    assert reasons["f-string"] == "f-string"
    assert reasons["%-formatting"] == "%-formatting"
    assert reasons["str.format()"] == "str.format()"
    assert reasons["concatenation"] == "concatenation with a non-literal"
    assert reasons["a parameter"] == "variable 'statement' is a parameter"


# --- the sql/ files ----------------------------------------------------------------------

SQL_FILES = sorted(SQL_DIR.rglob("*.sql"))
PERCENT_PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]\w*\))?[sdr](?![A-Za-z0-9_])")
"""psycopg2/pyformat `%s`, `%(name)s`; PostgreSQL's format() uses %I and %L, which pass."""
BRACE_PLACEHOLDER = re.compile(r"\{\}|\{[A-Za-z_][\w.]*(?:![rsa])?(?::[^{}]*)?\}")
"""str.format `{}`, `{name}`, `{name!r}`; regex counts like {8} or {1,3} pass."""
EMPTY_JSON_OR_ARRAY = "'{}'"


def python_placeholders(text: str) -> list[str]:
    """Python format placeholders in SQL text (the literal '{}' of an empty jsonb/array aside)."""
    found = [m.group(0) for m in PERCENT_PLACEHOLDER.finditer(text)]
    unquoted = text.replace(EMPTY_JSON_OR_ARRAY, "''")
    return found + [m.group(0) for m in BRACE_PLACEHOLDER.finditer(unquoted)]


def test_the_sql_folder_is_where_the_statements_are() -> None:
    assert len(SQL_FILES) >= 50


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.relative_to(SQL_DIR).as_posix())
def test_no_sql_file_holds_a_python_placeholder(path: Path) -> None:
    assert python_placeholders(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * FROM t WHERE a = %s", ["%s"]),
        ("SELECT %(day)s", ["%(day)s"]),
        ("SELECT * FROM {table}", ["{table}"]),
        ("SELECT {}", ["{}"]),
        ("SELECT {name!r}", ["{name!r}"]),
        ("CHECK (oktmo ~ '^[0-9]{8}$') DEFAULT '{}'::jsonb", []),
        ("SELECT format('%I.%I', s, t), '100 %', x % 2 FROM t WHERE a = :a", []),
    ],
)
def test_the_placeholder_check_on_known_text(text: str, expected: list[str]) -> None:
    assert python_placeholders(text) == expected


# --- egov/warehouse/sql.py ---------------------------------------------------------------

HOSTILE = "x'); DROP TABLE audit.load_batches; --"


class _Recorder:
    """A stand-in for a SQLAlchemy connection and its DBAPI cursor that keeps every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.connection = self

    def execute(self, *args: Any) -> None:
        self.calls.append(("execute", args))

    def copy_expert(self, statement: str, data: io.StringIO) -> None:
        self.calls.append(("copy_expert", (statement, data.getvalue())))

    def cursor(self) -> _Recorder:
        return self

    def close(self) -> None:
        pass


def test_run_sql_sends_the_file_text_and_the_values_apart() -> None:
    conn = _Recorder()
    run_sql(conn, "loading/select_last_batches", {"limit_rows": HOSTILE})  # type: ignore[arg-type]
    [(kind, (statement, params))] = conn.calls
    assert kind == "execute" and isinstance(statement, sa.TextClause)
    assert statement.text == load_sql("loading/select_last_batches")
    assert params == {"limit_rows": HOSTILE}
    # The driver sees a placeholder where the value goes, and the value only as a parameter.
    dialect = sa.create_engine("postgresql+psycopg2://").dialect  # no connection is made
    compiled = statement.compile(dialect=dialect)
    assert "%(limit_rows)s" in str(compiled) and HOSTILE not in str(compiled)


def test_run_sql_sends_many_rows_as_separate_parameter_sets() -> None:
    conn = _Recorder()
    rows = [{"limit_rows": HOSTILE}, {"limit_rows": 2}]
    run_sql(conn, "loading/select_last_batches", rows)  # type: ignore[arg-type]
    [(_, (statement, params))] = conn.calls
    assert statement.text == load_sql("loading/select_last_batches") and params == rows


def test_copy_rows_sends_the_rows_as_copy_data_never_as_statement_text() -> None:
    conn = _Recorder()
    frame = pd.DataFrame({"reason": [HOSTILE]})
    copy_rows(conn, "quality/copy_quarantine", frame)  # type: ignore[arg-type]
    [(kind, (statement, data))] = conn.calls
    assert kind == "copy_expert" and statement == load_sql("quality/copy_quarantine")
    assert HOSTILE not in statement and HOSTILE.replace('"', '""') in data


def test_scripts_run_without_parameters() -> None:
    conn = _Recorder()
    run_sql_script(conn, "migrations/0001_create_foundation")  # type: ignore[arg-type]
    assert conn.calls == [("execute", (load_sql("migrations/0001_create_foundation"),))]


@pytest.mark.parametrize("name", ["../pyproject", "/etc/passwd", "loading/../../pyproject"])
def test_load_sql_reads_nothing_outside_the_sql_folder(name: str) -> None:
    with pytest.raises((ValueError, FileNotFoundError)):
        load_sql(name)


def test_the_helper_module_formats_no_statement_itself() -> None:
    """sql.py: no f-string, % or .format() reaches a statement (the general check, made local)."""
    source = Path(warehouse_sql.__file__).read_text(encoding="utf-8")
    assert check_source(source, "egov/warehouse/sql.py") == []
