"""Special tokens come from structure, never from data.

A transcript, title or summary may contain strings such as ``</s>``, ``<s>``, ``[INST]`` or ``<|im_end|>``.
Tokenizers turn those strings into control tokens wherever they appear, so data that contains them would
end an example early or fake a turn. :func:`neutralize` breaks every such string in *data* by inserting a
zero-width space after its first character (``</s>`` -> ``<\u200b/s>``): the text reads the same, and the
tokenizer no longer matches the control token. Templates call it on every data field before rendering and
insert their own BOS / EOS / markers afterwards, so the only control tokens in a rendered example are the
template's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

ZWSP = "\u200b"

# Control strings of common model families, neutralised even when no tokenizer is given.
DEFAULT_CONTROL = (
    "<s>",
    "</s>",
    "<unk>",
    "<pad>",
    "[INST]",
    "[/INST]",
    "<<SYS>>",
    "<</SYS>>",
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    "<start_of_turn>",
    "<end_of_turn>",
    "<bos>",
    "<eos>",
)

# Any <|...|> marker (ChatML, Llama 3, Phi, ...) is a control string whatever the tokenizer.
_GENERIC = r"<\|[A-Za-z0-9_.:\- ]{1,40}\|>"


def tokenizer_control_strings(tokenizer: Any) -> list[str]:
    """Every special or added token string of a transformers tokenizer (BOS, EOS, chat markers ...)."""
    found: set[str] = set()
    for tok in getattr(tokenizer, "all_special_tokens", None) or []:
        found.add(str(tok))
    decoder = getattr(tokenizer, "added_tokens_decoder", None) or {}
    for added in decoder.values():
        found.add(str(getattr(added, "content", added)))
    return sorted(t for t in found if t)


@lru_cache(maxsize=64)
def _pattern(extra: tuple[str, ...]) -> tuple[re.Pattern[str], str]:
    strings = sorted({s for s in set(DEFAULT_CONTROL) | set(extra) if len(s) > 1}, key=len, reverse=True)
    firsts = "".join(sorted({s[0] for s in strings} | {"<"}))
    return re.compile("|".join([_GENERIC, *(re.escape(s) for s in strings)])), firsts


def _break(match: re.Match[str]) -> str:
    s = match.group(0)
    return s[0] + ZWSP + s[1:]


def neutralize(text: str | None, extra: Iterable[str] = ()) -> str:
    """``text`` with every control string broken by a zero-width space (idempotent; ``None`` -> "")."""
    if not text:
        return ""
    pattern, firsts = _pattern(extra if isinstance(extra, tuple) else tuple(sorted(extra)))
    # fast path: most text has none of the characters a control string starts with
    if not any(c in text for c in firsts):
        return text
    return pattern.sub(_break, text)


@dataclass(frozen=True)
class SpecialTokens:
    """The BOS / EOS strings a template puts around an example, and the strings to keep out of data."""

    bos: str = "<s>"
    eos: str = "</s>"
    control: tuple[str, ...] = ()

    @classmethod
    def resolve(
        cls, tokenizer: Any | None, default_bos: str = "<s>", default_eos: str = "</s>"
    ) -> SpecialTokens:
        """The tokenizer's own ``bos_token`` / ``eos_token`` when given (a missing BOS stays empty),
        else the template defaults."""
        if tokenizer is None:
            return cls(default_bos, default_eos, ())
        bos = getattr(tokenizer, "bos_token", None) or ""
        eos = getattr(tokenizer, "eos_token", None) or default_eos
        return cls(str(bos), str(eos), tuple(tokenizer_control_strings(tokenizer)))

    def clean(self, text: str | None) -> str:
        return neutralize(text, self.control)
