"""Load a training config: YAML -> legacy keys -> command-line overrides -> unknown keys -> validation.

All problems are collected and raised together as one :class:`~yc_train.errors.ConfigError` whose
``problems`` are ``(key_path, message)`` pairs; soft problems come back as warning strings.
"""

from __future__ import annotations

import copy
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from yc_train.config.checks import advice, conflicts, did_you_mean, is_on
from yc_train.config.marks import compatibility_keys_set, mark_schema, refusals
from yc_train.config.schema import DatasetConfig, SpecialTokens, TrainConfig
from yc_train.errors import ConfigError

log = logging.getLogger(__name__)

RESOLVED_NAME = "yc_config.yml"

# Old Axolotl key -> current key (the value carries over unchanged).
LEGACY_RENAMES = {
    "model_revision": "revision_of_model",
    "noisy_embedding_alpha": "neftune_noise_alpha",
    "evaluation_strategy": "eval_strategy",
    "wandb_run_id": "wandb_name",
    "load_4bit": "load_in_4bit",
    "lora_target_modules_to_save": "lora_modules_to_save",
    "flash_attn": "flash_attention",
    "gradient_accumulation": "gradient_accumulation_steps",
    "eval_epochs": "evals_per_epoch",
}
# Axolotl's other spellings of a current key (its field aliases): read silently, not as legacy.
ALIASES = {
    "model_config": "overrides_of_model_config",
    "model_kwargs": "overrides_of_model_kwargs",
    "type_of_model": "model_type",
}
# Nested models that unknown-key checking descends into, by field name.
_NESTED: dict[str, type[BaseModel]] = {
    "datasets": DatasetConfig,
    "test_datasets": DatasetConfig,
    "special_tokens": SpecialTokens,
}


def load_config(
    path: str | Path | None,
    overrides: Mapping[str, Any] | None = None,
    strict: bool = False,
    *,
    data: Mapping[str, Any] | None = None,
) -> tuple[TrainConfig, list[str]]:
    """Read, normalise and validate a config; return it with the warnings found on the way.

    ``overrides`` maps keys (``learning_rate``, dotted ``datasets.0.path``, or hyphenated
    ``learning-rate``) to values; strings are read as YAML scalars (``"1e-4"`` -> 0.0001, ``"true"`` -> True).
    Unknown keys warn with a did-you-mean, or are errors when ``strict`` (or the config's own
    ``strict: true``). ``data`` may replace the file (a mapping already in memory).
    Raises :class:`ConfigError` listing every problem at once.
    """
    raw = dict(data) if data is not None else read_yaml(path)
    warnings: list[str] = []
    problems: list[tuple[str, str]] = []
    values = normalise(raw, warnings, problems)
    for key, value in (overrides or {}).items():
        try:
            _assign(values, key, value)
        except (KeyError, IndexError, TypeError, ValueError) as err:
            problems.append((_dotted(key), f"cannot apply override: {err}"))
    values = normalise(values, warnings, problems)
    strict = strict or is_on(values.get("strict"))
    for key_path, message in unknown_keys(values):
        (problems.append((key_path, message)) if strict else warnings.append(f"{key_path}: {message}"))
    problems += _refusals(values)
    problems += _validation_problems(values)
    if problems:
        where = f" in {path}" if path else ""
        err = ConfigError(_dedupe(problems), hint=f"fix the keys listed{where} (reference: yc train schema)")
        err.warnings = warnings  # type: ignore[attr-defined]  # shown with the problems
        raise err
    cfg = TrainConfig.model_validate(values)
    warnings += advice(values)
    no_effect = _compatibility_keys(values)
    if no_effect:
        warnings.append(f"no effect in yc (accepted for Axolotl compatibility): {', '.join(no_effect)}")
    for note in warnings:
        log.warning("config: %s", note)
    return cfg, warnings


def read_yaml(path: str | Path | None) -> dict[str, Any]:
    """The YAML mapping in ``path``; a missing file, a syntax error or a non-mapping is a ConfigError."""
    if path is None:
        raise ConfigError([("config", "no config file given")])
    p = Path(path)
    if not p.is_file():
        raise ConfigError([(str(p), "file not found")], hint="give the path of an Axolotl-style YAML file")
    try:
        loaded = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else str(p)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError([(where, f"YAML syntax: {problem}")], hint=f"fix the YAML syntax of {p}") from err
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError([(str(p), f"expected a mapping of keys, got {type(loaded).__name__}")])
    return loaded


def normalise(raw: Mapping[str, Any], warnings: list[str], problems: list[tuple[str, str]]) -> dict[str, Any]:
    """Blank values dropped (unset), legacy keys renamed; returns a new dict."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        key = str(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if key in ALIASES:
            if raw.get(ALIASES[key]) is not None:
                problems.append((key, f"same key as {ALIASES[key]}, which is also set: keep one"))
                continue
            key = ALIASES[key]
        elif key in LEGACY_RENAMES:
            new = LEGACY_RENAMES[key]
            if raw.get(new) is not None:
                problems.append((key, f"legacy name of {new}, which is also set: keep only {new}"))
                continue
            warnings.append(f"{key}: legacy key, read as {new}")
            key = new
        out[key] = copy.deepcopy(value)
    if "batch_size" in out:  # old Axolotl: batch_size = micro_batch_size x gradient_accumulation_steps
        total = out.pop("batch_size")
        micro = out.get("micro_batch_size", 1)
        try:
            steps = max(1, int(total) // int(micro))
        except (TypeError, ValueError):
            problems.append(("batch_size", f"expected a whole number, got {total!r}"))
        else:
            if "gradient_accumulation_steps" not in out:
                out["gradient_accumulation_steps"] = steps
                warnings.append(f"batch_size: legacy key, read as gradient_accumulation_steps: {steps}")
            else:
                warnings.append("batch_size: legacy key ignored (gradient_accumulation_steps is set)")
    if "max_packed_sequence_len" in out:
        length = out.pop("max_packed_sequence_len")
        out.setdefault("sequence_len", length)
        out.setdefault("sample_packing", True)
        warnings.append("max_packed_sequence_len: legacy key, read as sequence_len + sample_packing: true")
    return out


def unknown_keys(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(key_path, message)`` for every key the schema does not know (top level and nested)."""
    out: list[tuple[str, str]] = []
    known = (
        set(TrainConfig.model_fields)
        | set(LEGACY_RENAMES)
        | set(ALIASES)
        | {"batch_size", "max_packed_sequence_len"}
    )
    for key in values:
        if key not in known:
            out.append((key, f"unknown key, ignored{did_you_mean(key, TrainConfig.model_fields)}"))
    for field, model in _NESTED.items():
        value = values.get(field)
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            prefix = f"{field}[{i}]" if isinstance(value, list) else field
            for key in item:
                if key not in model.model_fields:
                    hint = did_you_mean(str(key), model.model_fields)
                    out.append((f"{prefix}.{key}", f"unknown key, ignored{hint}"))
    return out


def _nested_items(values: Mapping[str, Any]) -> list[tuple[type[BaseModel], str, dict[str, Any]]]:
    """``(model, key-path prefix, mapping)`` for each nested entry (``datasets[0].``, ``special_tokens.``)."""
    out = []
    for field, model in _NESTED.items():
        value = values.get(field)
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        for i, item in enumerate(items):
            if isinstance(item, dict):
                out.append((model, f"{field}[{i}]." if isinstance(value, list) else f"{field}.", item))
    return out


def _refusals(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Refused keys that are set, top level and nested: ``not supported: KEY — what it does in Axolotl``."""
    found = refusals(TrainConfig, values)
    for model, prefix, item in _nested_items(values):
        found += refusals(model, item, prefix)
    return found


def _compatibility_keys(values: Mapping[str, Any]) -> list[str]:
    """Compatibility keys (no effect in yc) that are set, top level and nested."""
    found = compatibility_keys_set(TrainConfig, values)
    for model, prefix, item in _nested_items(values):
        found += compatibility_keys_set(model, item, prefix)
    return found


def _strip_unknown(values: Mapping[str, Any]) -> dict[str, Any]:
    clean = {k: v for k, v in values.items() if k in TrainConfig.model_fields}
    for field, model in _NESTED.items():
        value = clean.get(field)
        if isinstance(value, list):
            clean[field] = [
                {k: v for k, v in item.items() if k in model.model_fields} if isinstance(item, dict) else item
                for item in value
            ]
        elif isinstance(value, dict):
            clean[field] = {k: v for k, v in value.items() if k in model.model_fields}
    return clean


def _validation_problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Field errors from pydantic plus every cross-field conflict, each with its key path."""
    clean = _strip_unknown(values)
    values.clear()
    values.update(clean)
    problems: list[tuple[str, str]] = []
    try:
        TrainConfig.model_validate(clean)
    except ValidationError as err:
        expected: dict[str, list[str]] = {}  # a union reports once per member: merge into one message
        got: dict[str, Any] = {}
        for e in err.errors(include_url=False):
            if not e["loc"]:
                continue  # the cross-field validator: reported below from conflicts()
            key = _key_path(e["loc"])
            wanted = _expected(e)
            if wanted is None:
                message = "required key is missing" if e["type"] == "missing" else str(e["msg"])
                message = message.removeprefix("Value error, ")
                if e["type"] != "missing" and _show(e.get("input")) and repr(e["input"]) not in message:
                    message += f" (got {e['input']!r})"
                problems.append((key, message))
                continue
            expected.setdefault(key, [])
            if wanted not in expected[key]:
                expected[key].append(wanted)
            got[key] = e.get("input")
        for key, kinds in expected.items():
            if "a number" in kinds and "a whole number" in kinds:
                kinds.remove("a whole number")
            shown = f" (got {got[key]!r})" if _show(got[key]) else ""
            problems.append((key, f"expected {' or '.join(kinds)}{shown}"))
    problems += conflicts(clean)
    return problems


_EXPECTED = {
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "float_type": "a number", "float_parsing": "a number", "bool_type": "true or false",
    "bool_parsing": "true or false", "string_type": "a string", "list_type": "a list", "dict_type": "a mapping",
    "model_type": "a mapping", "model_attributes_type": "a mapping",
}  # fmt: skip


def _expected(error: Any) -> str | None:
    """What a type error wanted, in words (None for other errors, which keep pydantic's message)."""
    if error["type"] == "literal_error":
        return str(error.get("ctx", {}).get("expected", "one of the allowed values"))
    return _EXPECTED.get(error["type"])


def _show(value: Any) -> bool:
    return not isinstance(value, dict | list) and len(repr(value)) <= 80


def _key_path(loc: tuple[Any, ...]) -> str:
    """``('datasets', 0, 'path')`` -> ``datasets[0].path``; union-member tags in the loc are dropped."""
    parts: list[str] = []
    model: type[BaseModel] | None = TrainConfig
    for item in loc:
        if isinstance(item, int):
            if parts:
                parts[-1] += f"[{item}]"
            continue
        if model is None or item not in model.model_fields:
            break
        parts.append(str(item))
        model = _NESTED.get(str(item)) if model is TrainConfig else None
    return ".".join(parts) or "config"


def _dedupe(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One problem per key path (union types report once per member: join their messages)."""
    merged: dict[str, list[str]] = {}
    for path, message in problems:
        messages = merged.setdefault(path, [])
        if message not in messages:
            messages.append(message)
    return [(path, " or ".join(messages)) for path, messages in merged.items()]


def _dotted(key: str) -> str:
    return key.replace("-", "_").strip()


def _assign(values: dict[str, Any], key: str, value: Any) -> None:
    """Set ``values[key]``; ``key`` may be dotted (``datasets.0.path``, ``special_tokens.pad_token``)."""
    parts = [p for p in re.split(r"[.\[\]]+", _dotted(key)) if p]
    if not parts:
        raise ValueError("empty key")
    if isinstance(value, str):
        value = parse_scalar(value)
    target: Any = values
    for i, part in enumerate(parts[:-1]):
        nxt: Any = {} if not parts[i + 1].isdigit() else []
        if isinstance(target, list):
            index = int(part)
            while len(target) <= index:
                target.append({})
            target = target[index]
        else:
            if target.get(part) is None:
                target[part] = nxt
            target = target[part]
    last = parts[-1]
    if isinstance(target, list):
        index = int(last)
        while len(target) <= index:
            target.append({})
        target[index] = value
    else:
        target[last] = value


def parse_scalar(text: str) -> Any:
    """A command-line value read as YAML: ``1e-4`` -> 0.0001, ``true`` -> True, ``[a, b]`` -> list, blank -> None."""
    text = text.strip()
    if not text:
        return None
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, str):
        try:  # YAML 1.1 reads 2e-4 (no dot) as a string; the user meant a number
            return float(value) if re.fullmatch(r"[+-]?\d+(\.\d*)?[eE][+-]?\d+", value) else value
        except ValueError:
            return value
    return value


def parse_set_options(items: list[str] | None) -> dict[str, Any]:
    """``["key=value", ...]`` (from ``--set``) -> ``{key: value}``; a missing ``=`` is a ConfigError."""
    out: dict[str, Any] = {}
    bad: list[tuple[str, str]] = []
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            bad.append((item, "expected key=value (e.g. --set learning_rate=1e-4)"))
            continue
        out[_dotted(key)] = value
    if bad:
        raise ConfigError(bad, hint="write overrides as --set key=value")
    return out


def save_resolved(cfg: TrainConfig, output_dir: str | Path | None = None) -> Path:
    """Write the resolved config to ``<output_dir>/yc_config.yml`` (creating the folder); return its path."""
    folder = Path(output_dir if output_dir is not None else cfg.output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / RESOLVED_NAME
    tmp = target.with_name(f".{RESOLVED_NAME}.{os.getpid()}.tmp")  # unique: DDP ranks may save at once
    tmp.write_text(cfg.to_yaml(), encoding="utf-8")
    tmp.replace(target)
    return target


def json_schema() -> dict[str, Any]:
    """JSON Schema of the config (draft 2020-12), for editors' YAML autocompletion and docs.

    Every property (top level and in ``$defs``, e.g. ``DatasetConfig``) carries ``"x-yc-status"``:
    ``honoured``, ``compatibility`` (accepted, no effect in yc) or ``refused`` (an error when set).
    """
    schema = mark_schema(TrainConfig.model_json_schema())
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/yc/yc/train-config.schema.json",
        **schema,
        "title": "yc / Axolotl training config",
    }
