"""Custom templates: a Jinja file rendered in an immutable sandbox.

The file sees ``title``, ``summary``, ``transcript``, ``persona``, ``persona_description``, ``bos_token``,
``eos_token`` and any extra parameters, and must use ``{{ transcript }}`` exactly once: everything before
it is the prompt, the transcript and everything after it the completion. Data is neutralised before
rendering; access to Python internals (``__class__``, ``__globals__`` ...) is refused.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from yc_curate.errors import CurateError
from yc_curate.templates import Example
from yc_curate.templates.builtin import FIRESHIP_DESCRIPTION, FIRESHIP_PERSONA
from yc_curate.templates.special import SpecialTokens

_SENTINEL = "\ue000yc-transcript\ue001"


class JinjaTemplate:
    """A user template file, sandboxed (``jinja2.sandbox.ImmutableSandboxedEnvironment``)."""

    def __init__(
        self,
        path: Path,
        *,
        tokenizer: Any | None = None,
        tokenizer_ref: str | None = None,
        persona: str = FIRESHIP_PERSONA,
        persona_description: str = FIRESHIP_DESCRIPTION,
        **extra: Any,
    ) -> None:
        from jinja2 import StrictUndefined, TemplateSyntaxError
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        self.path = Path(path)
        self.name = str(path)
        source = self.path.read_text(encoding="utf-8")
        self.tokens = SpecialTokens.resolve(tokenizer)
        self.params: dict[str, Any] = {
            "persona": persona,
            "persona_description": persona_description,
            **extra,
        }
        if tokenizer_ref is not None:
            self.params["tokenizer"] = str(tokenizer_ref)
        self.source_sha256 = hashlib.sha256(source.encode()).hexdigest()
        env = ImmutableSandboxedEnvironment(
            undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False
        )
        try:
            self._template = env.from_string(source)
        except TemplateSyntaxError as err:
            raise CurateError(f"template {path}:{err.lineno}: {err.message}", "fix the Jinja syntax") from err
        clean = self.tokens.clean
        self._context = {
            **{k: clean(v) if isinstance(v, str) else v for k, v in extra.items()},
            "persona": clean(persona),
            "persona_description": clean(persona_description),
            "bos_token": self.tokens.bos,
            "eos_token": self.tokens.eos,
        }

    def _render(self, title: str, summary: str | None) -> tuple[str, str]:
        from jinja2.exceptions import SecurityError, UndefinedError

        clean = self.tokens.clean
        try:
            out = self._template.render(
                **self._context, title=clean(title), summary=clean(summary), transcript=_SENTINEL
            )
        except SecurityError as err:
            raise CurateError(
                f"template {self.path} was refused: {err}", "templates may not reach Python internals"
            ) from err
        except UndefinedError as err:
            raise CurateError(f"template {self.path}: {err}", "use only the documented variables") from err
        if out.count(_SENTINEL) != 1:
            raise CurateError(
                f"template {self.path} must use {{{{ transcript }}}} exactly once", "edit the template"
            )
        before, after = out.split(_SENTINEL)
        return before, after

    def render_prompt(self, title: str, summary: str | None) -> str:
        return self._render(title, summary)[0]

    def render(self, title: str, summary: str | None, transcript: str) -> Example:
        prompt, tail = self._render(title, summary)
        body = self.tokens.clean(transcript)
        completion = body + tail
        user = prompt.removeprefix(self.tokens.bos) if self.tokens.bos else prompt
        messages = [{"role": "user", "content": user}, {"role": "assistant", "content": body}]
        return Example(prompt, completion, prompt + completion, messages)

    def describe(self) -> dict[str, Any]:
        return {"template": str(self.path), "params": dict(self.params), "sha256": self.source_sha256}
