"""Every config key carries a mark: honoured, compatibility (accepted, no effect) or refused.

The mark lives in the field's JSON Schema as ``"x-yc-status"`` (a plain field is honoured). Compatibility and
refused keys are declared from tables (key -> what the key does in Axolotl) with :func:`table_fields`, so the
editor, the docs and the loader all read one source:

- a compatibility key with a value is reported once (one warning listing them all);
- a refused key with a value is an error: ``not supported: KEY — what it does in Axolotl``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "COMPATIBILITY",
    "HONOURED",
    "REFUSED",
    "STATUS_KEY",
    "compat_field",
    "compatibility_keys_set",
    "mark_schema",
    "refusals",
    "refused_field",
    "status_of",
    "table_fields",
]

Status = Literal["honoured", "compatibility", "refused"]
STATUS_KEY = "x-yc-status"
HONOURED: Status = "honoured"
COMPATIBILITY: Status = "compatibility"
REFUSED: Status = "refused"


def compat_field(description: str, default: Any = None) -> Any:
    """A key accepted so an Axolotl config loads, with no effect in yc (``description``: what it does there)."""
    return Field(default, description=description, json_schema_extra={STATUS_KEY: COMPATIBILITY})


def refused_field(description: str) -> Any:
    """A key yc refuses when set (``description``: what it does in Axolotl, and why yc refuses)."""
    return Field(None, description=description, json_schema_extra={STATUS_KEY: REFUSED})


def table_fields(compat: Mapping[str, str], refused: Mapping[str, str]) -> dict[str, Any]:
    """``create_model`` field definitions for tables of compatibility and refused keys (any value type)."""
    fields: dict[str, Any] = {key: (Any, compat_field(text)) for key, text in compat.items()}
    fields.update({key: (Any, refused_field(text)) for key, text in refused.items()})
    return fields


def status_of(model: type[BaseModel], name: str) -> Status:
    """The mark of ``model``'s field ``name`` (a field without one is honoured)."""
    extra = model.model_fields[name].json_schema_extra
    value = extra.get(STATUS_KEY) if isinstance(extra, dict) else None
    return value if value in (COMPATIBILITY, REFUSED) else HONOURED  # type: ignore[return-value]


def _is_set(value: Any) -> bool:
    return value is not None and value is not False and not (isinstance(value, str) and not value.strip())


def refusals(model: type[BaseModel], values: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """``(key_path, "not supported: KEY — ...")`` for every refused key of ``model`` that ``values`` sets.

    ``false`` counts as unset: ``rl: false`` asks for nothing yc lacks.
    """
    out = []
    for key, value in values.items():
        if key in model.model_fields and status_of(model, key) == REFUSED and _is_set(value):
            text = model.model_fields[key].description or ""
            out.append((f"{prefix}{key}", f"not supported: {key} — {text}"))
    return out


def compatibility_keys_set(model: type[BaseModel], values: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Key paths of compatibility keys that ``values`` sets to something other than blank or false."""
    return [
        f"{prefix}{key}"
        for key, value in values.items()
        if key in model.model_fields and status_of(model, key) == COMPATIBILITY and _is_set(value)
    ]


def mark_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Give every property (top level and in ``$defs``) an ``x-yc-status``, honoured where none is set."""
    for props in [schema.get("properties", {})] + [
        d.get("properties", {}) for d in schema.get("$defs", {}).values()
    ]:
        for prop in props.values():
            prop.setdefault(STATUS_KEY, HONOURED)
    return schema
