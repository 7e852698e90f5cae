"""The dataset's prompt format as data, so other runtimes can prompt the model exactly as it was trained.

A yc template renders ``(title, summary, transcript)`` into ``prompt + completion`` and also records the
example as messages (system persona, user title/summary, assistant transcript). :func:`derive` renders one
example with marker values and finds each message inside the prompt, which gives the fixed text around
the message slots::

    BOS + before + {system} + between + {user} + after | completion_prefix + {assistant} + completion_suffix + EOS

From that one structure come the Jinja chat template saved with the model (``chat_template.jinja``: plain
``transformers`` / ``pipeline("text-generation")`` with messages builds the training prompt) and the Go
template of an Ollama ``Modelfile``. BOS/EOS follow training (``yc_train.data.formats``): the real BOS id
starts every example and the real EOS id ends it, whatever literal the template wrote.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

_TITLE, _SUMMARY, _TRANSCRIPT = "\ue010title\ue011", "\ue012summary\ue013", "\ue014transcript\ue015"


@dataclass(frozen=True)
class PromptFormat:
    """Fixed text around the message slots of one training example (see the module doc)."""

    before: str
    between: str
    after: str
    completion_prefix: str
    completion_suffix: str
    default_system: str | None  # None: the format has no system slot
    bos: str
    eos: str

    def render(self, messages: list[dict[str, str]], generation_prompt: bool = True) -> str:
        """The text the chat template gives for ``messages`` (reference implementation, used in tests)."""
        system, user, assistant = self.default_system, "", None
        for m in messages:
            if m["role"] == "system":
                system = m["content"]
            elif m["role"] == "user":
                user = m["content"]
            elif m["role"] == "assistant":
                assistant = m["content"]
        text = self.bos + self.before
        if self.default_system is not None:
            text += (system or "") + self.between
        text += user + self.after
        if assistant is not None and not generation_prompt:
            text += self.completion_prefix + assistant + self.completion_suffix + self.eos
        return text

    def chat_template(self) -> str:
        """A Jinja chat template (Hugging Face conventions: ``messages``, ``add_generation_prompt``)."""

        def lit(s: str) -> str:
            return "{{ " + json.dumps(s, ensure_ascii=False) + " }}" if s else ""

        system = json.dumps(self.default_system or "", ensure_ascii=False)
        head = "{{ bos_token }}" if self.bos else ""
        slot_system = "{{ ns.system }}" + lit(self.between) if self.default_system is not None else ""
        return (
            "{#- yc: the prompt format this model was fine-tuned on (single turn) -#}\n"
            f"{{%- set ns = namespace(system={system}, user='', assistant=none) -%}}\n"
            "{%- for m in messages -%}\n"
            "{%- if m['role'] == 'system' -%}{%- set ns.system = m['content'] -%}\n"
            "{%- elif m['role'] == 'user' -%}{%- set ns.user = m['content'] -%}\n"
            "{%- elif m['role'] == 'assistant' -%}{%- set ns.assistant = m['content'] -%}{%- endif -%}\n"
            "{%- endfor -%}\n"
            f"{head}{lit(self.before)}{slot_system}{{{{ ns.user }}}}{lit(self.after)}"
            "{%- if ns.assistant is not none and not add_generation_prompt -%}"
            f"{lit(self.completion_prefix)}{{{{ ns.assistant }}}}{lit(self.completion_suffix)}"
            "{{ eos_token }}{%- endif -%}"
        )

    def literal_text(self) -> list[str]:
        return [self.before, self.between, self.after, self.completion_prefix, self.completion_suffix]


def _strip_bos(text: str, bos: str) -> str:
    s = text.lstrip()
    return s[len(bos) :] if bos and s.startswith(bos) else text


def _strip_eos(text: str, eos: str) -> str:
    s = text.rstrip()
    return s[: -len(eos)] if eos and s.endswith(eos) else text


def derive(template: Any, bos: str | None, eos: str | None) -> PromptFormat | None:
    """The :class:`PromptFormat` of a yc template, or None when its prompt is not a fixed frame around the
    messages (for example the ``chat`` template, whose tokenizer chat template already is the format).

    ``bos`` / ``eos`` are the model tokenizer's strings (empty when it has none).
    """
    if getattr(template, "name", "") == "chat":
        return None
    bos, eos = bos or "", eos or ""
    tmpl_bos = getattr(getattr(template, "tokens", None), "bos", "") or ""
    tmpl_eos = getattr(getattr(template, "tokens", None), "eos", "") or ""
    ex = template.render(_TITLE, _SUMMARY, _TRANSCRIPT)
    prompt = _strip_bos(ex.prompt, tmpl_bos)
    slots = [m for m in ex.messages if m["role"] in ("system", "user")]
    roles = [m["role"] for m in slots]
    if roles not in (["system", "user"], ["user"]):
        return None
    pieces, rest = [], prompt
    for m in slots:
        head, sep, rest = rest.partition(m["content"])
        if not sep:
            return None
        pieces.append(head)
    pieces.append(rest)
    completion = _strip_eos(ex.completion, tmpl_eos)
    if completion.count(_TRANSCRIPT) != 1:
        return None
    c_prefix, c_suffix = completion.split(_TRANSCRIPT)
    has_system = roles[0] == "system"
    fmt = PromptFormat(
        before=pieces[0],
        between=pieces[1] if has_system else "",
        after=pieces[-1],
        completion_prefix=c_prefix,
        completion_suffix=c_suffix,
        default_system=slots[0]["content"] if has_system else None,
        bos=bos,
        eos=eos,
    )
    # The frame must reproduce the template's own prompts, with and without a summary.
    for summary in (_SUMMARY, None):
        ex = template.render(_TITLE, summary, _TRANSCRIPT)
        if fmt.render(ex.messages) != bos + _strip_bos(ex.prompt, tmpl_bos):
            return None
    return fmt
