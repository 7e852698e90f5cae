"""Round-trip YAML edits (ruamel.yaml): a key changed in the form keeps the file's comments and key order."""

from __future__ import annotations

import difflib
import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from yc_cli.errors import YcError


class YamlEditError(YcError):
    """The YAML text cannot be edited from the form (syntax error, or not a mapping)."""


def _yaml() -> YAML:
    yaml = YAML()  # round-trip mode: comments, key order and quoting survive a load + dump
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def load(text: str) -> CommentedMap:
    """The top-level mapping of ``text`` (an empty one for an empty document)."""
    try:
        data = _yaml().load(text)
    except YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise YamlEditError(f"{where}YAML syntax: {problem}", "fix the YAML pane first") from err
    if data is None:
        return CommentedMap()
    if not isinstance(data, CommentedMap):
        raise YamlEditError(f"expected a mapping of keys, got {type(data).__name__}", "start from an example")
    return data


def dump(data: CommentedMap) -> str:
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def set_key(text: str, key: str, value: Any) -> str:
    """``text`` with top-level ``key`` set to ``value`` (``None`` removes it); everything else unchanged."""
    data = load(text)
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value
    return dump(data)


def top_level(text: str) -> dict[str, Any]:
    """The top-level keys of ``text`` as plain JSON-able values (what the form shows)."""
    return {str(k): _plain(v) for k, v in load(text).items()}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    for kind in (int, float, str):  # ruamel's scalar subclasses -> plain JSON types
        if isinstance(value, kind):
            return kind(value)
    return str(value)


def unified_diff(old: str, new: str, name: str) -> str:
    """A unified diff of ``old`` -> ``new`` ("" when equal)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"{name} (on disk)", f"{name} (edited)"
    )
    return "".join(lines)
