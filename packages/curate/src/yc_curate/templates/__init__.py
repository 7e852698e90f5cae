"""Prompt templates: turn (title, summary, transcript) into one training example.

Built-ins: ``fireship`` (the write-up's completion format, persona as parameters), ``alpaca``, ``chat``
(messages through the target tokenizer's chat template); any other name is a path to a Jinja file rendered
in a sandbox (see :mod:`yc_curate.templates.jinja`).

An :class:`Example` carries ``text`` (= ``prompt + completion``, Axolotl's ``completion`` type), ``prompt``
and ``completion`` separately (so training can mask the prompt) and ``messages``.

Special tokens and tokenization (the contract for training and inference):

- BOS / EOS / markers come from the template structure, and from the tokenizer (``bos_token`` /
  ``eos_token``) when one is given; data fields are passed through :func:`special.neutralize` first, so a
  ``</s>`` or ``<|im_end|>`` inside a transcript is plain text.
- Documented tokenization of a stored example: ``tokenizer(text, add_special_tokens=False)`` (special-token
  parsing ON is safe because data was neutralised). For completion templates this gives exactly one BOS at
  the start (when the tokenizer has a BOS) and one EOS at the end.
- :func:`tokenize_example` does the same for ``prompt`` and ``completion`` and returns ``input_ids`` and
  ``labels`` (prompt masked with -100).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from yc_curate.errors import CurateError, MissingExtraError
from yc_curate.templates.special import SpecialTokens, neutralize

__all__ = [
    "TEMPLATES",
    "Example",
    "PromptTemplate",
    "SpecialTokens",
    "get_template",
    "load_tokenizer",
    "neutralize",
    "tokenize_example",
]

IGNORE_INDEX = -100

# name -> "module:Class"; imported only when selected.
TEMPLATES: dict[str, str] = {
    "fireship": "yc_curate.templates.builtin:FireshipTemplate",
    "alpaca": "yc_curate.templates.builtin:AlpacaTemplate",
    "chat": "yc_curate.templates.chat:ChatTemplate",
}


@dataclass
class Example:
    """One rendered example. ``text == prompt + completion``."""

    prompt: str
    completion: str
    text: str
    messages: list[dict[str, str]] = field(default_factory=list)


@runtime_checkable
class PromptTemplate(Protocol):
    """What every template offers (training, ``yc infer`` and the render stage use only this)."""

    name: str
    params: dict[str, Any]

    def render_prompt(self, title: str, summary: str | None) -> str:
        """Exactly the prompt part the dataset used (ends where generation starts)."""
        ...

    def render(self, title: str, summary: str | None, transcript: str) -> Example:
        """The full example."""
        ...

    def describe(self) -> dict[str, Any]:
        """``{"template": name_or_path, "params": {...}}`` — enough for :func:`get_template` to rebuild it."""
        ...


def _did_you_mean(name: str, options: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, options, n=1)
    return f"did you mean '{close[0]}'? " if close else ""


def load_tokenizer(name_or_path: str | Any) -> Any:
    """A transformers tokenizer from a name or folder (objects are passed through)."""
    if not isinstance(name_or_path, (str, Path)):
        return name_or_path
    try:
        from transformers import AutoTokenizer
    except ModuleNotFoundError as err:
        raise MissingExtraError("--tokenizer", "local") from err
    try:
        return AutoTokenizer.from_pretrained(str(name_or_path))
    except (OSError, ValueError) as err:
        raise CurateError(
            f"cannot load tokenizer '{name_or_path}' (not a local folder, or not cached while offline)",
            "pass --tokenizer PATH to a local model folder, or allow downloading (unset HF_HUB_OFFLINE)",
        ) from err


def get_template(name_or_path: str, tokenizer: Any | None = None, **params: Any) -> PromptTemplate:
    """The template called ``name_or_path`` (a built-in name or a Jinja file path) with its parameters.

    ``tokenizer`` (a name, folder or tokenizer object) supplies BOS / EOS and the control strings kept out
    of data; ``params`` are template parameters such as ``persona`` and ``persona_description``.
    """
    tok_ref = (
        tokenizer if isinstance(tokenizer, (str, Path)) else getattr(tokenizer, "name_or_path", None) or None
    )
    tok = load_tokenizer(tokenizer) if tokenizer is not None else None
    params = {k: v for k, v in params.items() if v is not None}
    if name_or_path in TEMPLATES:
        module, cls = TEMPLATES[name_or_path].split(":")
        template_cls = getattr(importlib.import_module(module), cls)
        return template_cls(tokenizer=tok, tokenizer_ref=tok_ref, **params)
    path = Path(name_or_path).expanduser()
    if path.is_file():
        from yc_curate.templates.jinja import JinjaTemplate

        return JinjaTemplate(path, tokenizer=tok, tokenizer_ref=tok_ref, **params)
    raise CurateError(
        f"unknown template '{name_or_path}'",
        f"{_did_you_mean(str(name_or_path), list(TEMPLATES))}built-ins: {', '.join(TEMPLATES)}; "
        "or pass the path of a Jinja file",
    )


def tokenize_example(
    tokenizer: Any, prompt: str, completion: str, *, train_on_prompt: bool = False
) -> dict[str, list[int]]:
    """``input_ids``, ``attention_mask`` and ``labels`` for one stored example (prompt masked with -100).

    Tokenizes ``prompt`` and ``completion`` with ``add_special_tokens=False`` and special-token parsing on:
    the only control tokens in them are the template's (data was neutralised when rendering).
    """
    p_ids = list(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    c_ids = list(tokenizer(completion, add_special_tokens=False)["input_ids"])
    ids = p_ids + c_ids
    labels = ids.copy() if train_on_prompt else [IGNORE_INDEX] * len(p_ids) + c_ids
    return {"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels}
