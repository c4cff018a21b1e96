"""YAML files validated by a pydantic schema, with errors mapped back to the file's line."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


class YamlModelError(Exception):
    """A YAML file does not fit its schema; callers turn it into their own file error."""

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None):
        self.message = message
        self.line = line
        self.field = field
        super().__init__(message)


def line_of(node: yaml.Node, loc: tuple[int | str, ...]) -> int:
    """1-based line of the deepest YAML node that `loc` (a pydantic error location) reaches."""
    for key in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            child = node.value[key]
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


def dotted(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as `a.b[2].c`."""
    parts: list[str] = []
    for key in loc:
        if isinstance(key, int):
            parts[-1] = f"{parts[-1]}[{key}]" if parts else f"[{key}]"
        else:
            parts.append(key)
    return ".".join(parts)


def read_yaml_model(path: Path, model: type[ModelT], what: str) -> tuple[ModelT, yaml.Node]:
    """The validated content of `path` and its YAML node tree (for later line lookups).

    Raises YamlModelError with the line and field of the first problem.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlModelError(f"cannot read the file: {exc}") from None
    try:
        # BaseLoader keeps every scalar a string ("2023.1" stays a version, 06:00 stays a time):
        # the schema parses dates, numbers and times where it knows the field.
        root = yaml.compose(text, Loader=yaml.BaseLoader)
        data: Any = yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader builds no objects
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise YamlModelError(f"invalid YAML: {exc.problem}", line=line) from None
    if root is None or not isinstance(data, dict):
        raise YamlModelError(f"the file holds no {what} mapping")
    try:
        return model.model_validate(data), root
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        value = error.get("input")
        got = f" (got {value!r})" if isinstance(value, str) else ""
        raise YamlModelError(
            f"{error['msg']}{got}", line=line_of(root, loc), field=dotted(loc) or None
        ) from None
