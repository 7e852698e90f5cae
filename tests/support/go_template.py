"""A renderer for the subset of Go's text/template that yc's Ollama Modelfiles use.

Supported: literal text, ``{{ .Field }}`` and ``{{ "quoted string" }}`` actions (Go string escapes), with
optional ``-`` trim markers. Anything else raises, so a template outside the subset fails its test.
Ollama cuts the template at ``{{ .Response }}`` when it generates; ``render(..., generating=True)`` does too.
"""

from __future__ import annotations

import json
import re

_ACTION = re.compile(r"\{\{(-?)\s*(.*?)\s*(-?)\}\}", re.S)


def render(template: str, values: dict[str, str], generating: bool = True) -> str:
    out: list[str] = []
    pos = 0
    trim_next = False
    for m in _ACTION.finditer(template):
        text = template[pos : m.start()]
        if trim_next:
            text = text.lstrip()
        if m.group(1):
            text = text.rstrip()
        out.append(text)
        body = m.group(2)
        if body.startswith('"') and body.endswith('"'):
            out.append(json.loads(body))
        elif re.fullmatch(r"\.[A-Z][A-Za-z]*", body):
            key = body[1:]
            if key == "Response" and generating:
                return "".join(out)
            out.append(values.get(key, ""))
        else:
            raise ValueError(f"Go template action outside the supported subset: {{{{ {body} }}}}")
        trim_next = bool(m.group(3))
        pos = m.end()
    tail = template[pos:]
    out.append(tail.lstrip() if trim_next else tail)
    return "".join(out)


def parse_modelfile(text: str) -> dict[str, list[str]]:
    """Directive -> values of a Modelfile (triple-quoted values may span lines)."""
    found: dict[str, list[str]] = {}
    for m in re.finditer(r'^(\w+)\s+(?:"""(.*?)"""|([^\n]*))$', text, re.S | re.M):
        found.setdefault(m.group(1).upper(), []).append(m.group(2) if m.group(2) is not None else m.group(3))
    return found
