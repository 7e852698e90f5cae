"""The config editor's checks, done by yc's own validator (the messages and key paths of `yc train validate`).

yc_train is optional in yc-cli (the ``train`` extra): without it :func:`available` says how to install it
and the editor shows that instead of a form.
"""

from __future__ import annotations

import importlib
import inspect
import re
import tempfile
from pathlib import Path
from typing import Any

INSTALL_HINT = "pip install 'yc-cli[train]' (in this repo: uv sync --all-packages)"


def available() -> bool:
    """Whether yc_train (the validator and the schema) can be imported."""
    try:
        importlib.import_module("yc_train.config")
    except ImportError:
        return False
    return True


def validate(text: str) -> dict[str, Any]:
    """``{"problems": [[key, message], ...], "warnings": [...]}`` for a config given as YAML text.

    The text goes through ``yc_train.config.load_config`` from a file, exactly as ``yc train validate`` reads it.
    """
    from yc_train.config import load_config
    from yc_train.errors import ConfigError

    with tempfile.TemporaryDirectory(prefix="yc-ui-") as folder:
        path = Path(folder) / "config.yml"
        path.write_text(text, encoding="utf-8")
        try:
            _, warnings = load_config(path)
        except ConfigError as err:
            return {
                "problems": [list(p) for p in err.problems],
                "warnings": list(getattr(err, "warnings", [])),
            }
    return {"problems": [], "warnings": list(warnings)}


def schema() -> dict[str, Any]:
    """yc's JSON Schema of the config (``yc train schema``)."""
    from yc_train.config import json_schema

    return json_schema()


_SECTION = re.compile(r"^\s*# --- (.+?) -{3,}\s*$")
_FIELD = re.compile(r"^\s{4}(\w+)\s*:")


def groups(properties: dict[str, Any]) -> list[dict[str, Any]]:
    """Keys grouped as ``TrainConfig``'s source groups them (its ``# --- name ---`` sections), in order.

    A schema property may name its group itself (``x-yc-group``). Keys in no section follow the sections:
    Axolotl's compatibility and refused keys (by their ``x-yc-status`` mark) in groups of those names, the
    rest in "other".
    """
    from yc_train.config import TrainConfig

    section, by_key = "general", {}
    try:
        source = inspect.getsource(TrainConfig).splitlines()
    except (OSError, TypeError):  # no source shipped (zipped install): one group
        source = []
    for line in source:
        if m := _SECTION.match(line):
            section = m.group(1)
        elif (m := _FIELD.match(line)) and m.group(1) in properties:
            by_key[m.group(1)] = section
    out: dict[str, list[str]] = {}
    rest: dict[str, list[str]] = {}
    for key, prop in properties.items():
        if name := prop.get("x-yc-group") or by_key.get(key):
            out.setdefault(name, []).append(key)
        else:
            status = prop.get("x-yc-status")
            rest.setdefault(status if status in ("compatibility", "refused") else "other", []).append(key)
    return [{"name": name, "keys": keys} for name, keys in (*out.items(), *rest.items())]
