"""Write docs/config-reference.md from the training config's JSON Schema (run: python scripts/config_reference.py).

A test checks the committed file matches, so the reference never drifts from the code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "docs" / "config-reference.md"


def _type(prop: dict) -> str:
    if "anyOf" in prop:
        kinds = [_type(p) for p in prop["anyOf"] if p.get("type") != "null"]
        return " | ".join(dict.fromkeys(kinds)) or "null"
    if "enum" in prop:
        return " | ".join(json.dumps(v) for v in prop["enum"])
    if "const" in prop:
        return json.dumps(prop["const"])
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if prop.get("type") == "array":
        return f"list[{_type(prop.get('items', {}))}]"
    return str(prop.get("type", "any"))


def _rows(schema: dict) -> list[str]:
    rows = []
    for name, prop in schema["properties"].items():
        default = prop.get("default", "")
        default = "" if default is None else f"`{json.dumps(default)}`"
        desc = (prop.get("description") or "").replace("|", "\\|").replace("\n", " ")
        kind = _type(prop).replace("|", "\\|")
        rows.append(f"| `{name}` | {kind} | {default} | {desc} |")
    return rows


def render() -> str:
    from yc_train.config import DatasetConfig, TrainConfig

    head = "| key | type | default | meaning |\n|---|---|---|---|"
    return "\n".join(
        [
            "# `yc train` config reference",
            "",
            "Generated from the schema by `scripts/config_reference.py`; `yc train schema` prints the JSON Schema.",
            "Axolotl's current and legacy key names are both accepted; blank values mean unset.",
            "",
            "## Top level",
            "",
            head,
            *_rows(TrainConfig.model_json_schema()),
            "",
            "## `datasets[]`",
            "",
            head,
            *_rows(DatasetConfig.model_json_schema()),
            "",
        ]
    )


if __name__ == "__main__":
    OUT.write_text(render())
    sys.stdout.write(f"wrote {OUT}\n")
