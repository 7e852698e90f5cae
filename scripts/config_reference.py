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


STATUS = "x-yc-status"


def _rows(props: dict) -> list[str]:
    rows = []
    for name, prop in props.items():
        if prop.get(STATUS, "honoured") != "honoured":
            continue
        default = prop.get("default", "")
        default = "" if default is None else f"`{json.dumps(default)}`"
        desc = (prop.get("description") or "").replace("|", "\\|").replace("\n", " ")
        kind = _type(prop).replace("|", "\\|")
        rows.append(f"| `{name}` | {kind} | {default} | {desc} |")
    return rows


def _grouped(props: dict, status: str) -> list[str]:
    """Keys of one mark, grouped by what they do in Axolotl (one row per shared description)."""
    groups: dict[str, list[str]] = {}
    for name, prop in props.items():
        if prop.get(STATUS) == status:
            groups.setdefault(prop.get("description") or "", []).append(f"`{name}`")
    return ["| " + ", ".join(keys) + " | " + desc.replace("|", "\\|") + " |" for desc, keys in groups.items()]


def _section(title: str, props: dict) -> list[str]:
    head = "| key | type | default | meaning |\n|---|---|---|---|"
    out = [f"## {title}", "", "### honoured", "", head, *_rows(props), ""]
    for status, intro in (
        (
            "compatibility",
            "Accepted so an Axolotl config loads; no effect in yc. Reported once as a warning when set.",
        ),
        (
            "refused",
            "They change what is trained and yc does not do it: setting one is an error, "
            "`not supported: KEY — what it does in Axolotl`.",
        ),
    ):
        rows = _grouped(props, status)
        if rows:
            out += [
                f"### {status}",
                "",
                intro,
                "",
                "| keys | what they do in Axolotl |",
                "|---|---|",
                *rows,
                "",
            ]
    return out


def render() -> str:
    from yc_train.config import json_schema

    schema = json_schema()
    return "\n".join(
        [
            "# `yc train` config reference",
            "",
            "Generated from the schema by `scripts/config_reference.py`; `yc train schema` prints the JSON Schema.",
            "Axolotl's current and legacy key names are both accepted; blank values mean unset.",
            "Every key carries a mark (`x-yc-status` in the JSON Schema): **honoured** (yc does what Axolotl does),",
            "**compatibility** (accepted, no effect in yc, reported once) or **refused** (an error when set).",
            "",
            *_section("Top level", schema["properties"]),
            *_section("`datasets[]`", schema["$defs"]["DatasetConfig"]["properties"]),
        ]
    )


if __name__ == "__main__":
    OUT.write_text(render())
    sys.stdout.write(f"wrote {OUT}\n")
