"""Partial full fine-tuning (``unfrozen_parameters``): train only the parameters whose names match.

Axolotl's rules: each pattern is a regex matched from the start of the parameter name (``re.match``), a ``.``
is a literal dot unless followed by ``+``, and an optional ``[start:end]`` suffix trains only those rows of the
parameter (the other rows' gradients are zeroed), e.g. ``^model.embed_tokens.weight$[32000:]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from yc_train.errors import TrainError

_RANGE = re.compile(r"^(.+)\[([0-9]*)(?::([0-9]*))?\]$")


@dataclass(frozen=True)
class NamePattern:
    """One ``unfrozen_parameters`` entry: a name regex plus an optional row range."""

    regex: re.Pattern[str]
    rows: tuple[int, int | None] | None

    @classmethod
    def parse(cls, text: str) -> NamePattern:
        rows: tuple[int, int | None] | None = None
        found = _RANGE.match(text)
        if found:
            text, start, end = found.groups()
            rows = (int(start or 0), int(end) if end else None)
        try:
            regex = re.compile(re.sub(r"\.(?!\+)", r"\\.", text))
        except re.error as err:
            raise TrainError(f"unfrozen_parameters: bad regex '{text}' ({err})", "fix the pattern") from err
        return cls(regex, rows)

    def matches(self, name: str) -> bool:
        return self.regex.match(name) is not None


def trainable_rows(name: str, size: int, patterns: list[NamePattern]) -> list[tuple[int, int]] | None:
    """Rows of parameter ``name`` to train: ``None`` = frozen, ``[(0, size)]`` = all, else merged ranges."""
    hits = [p for p in patterns if p.matches(name)]
    if not hits:
        return None
    if any(p.rows is None for p in hits):
        return [(0, size)]
    ranges = sorted((start, size if end is None else end) for start, end in (p.rows for p in hits if p.rows))
    for start, end in ranges:
        if start < 0 or end > size or start >= end:
            raise TrainError(f"unfrozen_parameters: rows [{start}:{end}] out of range for {name} ({size} rows)",
                             "fix the range suffix")  # fmt: skip
    merged = [ranges[0]]
    for start, end in ranges[1:]:
        if start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def freeze_except(model: Any, patterns: list[str]) -> list[str]:
    """Freeze every parameter of ``model`` except the matching ones; return the names left trainable.

    A pattern that matches nothing, or a model left with nothing to train, is a TrainError (a typo would
    otherwise train nothing, or train the wrong weights without a word).
    """
    parsed = [NamePattern.parse(p) for p in patterns]
    named = list(model.named_parameters())
    unused = [
        p for p, n in zip(patterns, parsed, strict=True) if not any(n.matches(name) for name, _ in named)
    ]
    if unused:
        raise TrainError(
            f"unfrozen_parameters: no parameter matches {', '.join(unused)}",
            f"parameter names look like {named[0][0]}" if named else "check the model",
        )
    kept = []
    for name, param in named:
        rows = trainable_rows(name, param.shape[0] if param.dim() else 1, parsed)
        param.requires_grad_(rows is not None)
        if rows is None:
            continue
        kept.append(name)
        if rows != [(0, param.shape[0] if param.dim() else 1)]:
            param.register_hook(_zero_rows_outside(rows))
    return kept


def _zero_rows_outside(rows: list[tuple[int, int]]):
    def hook(grad: Any) -> Any:
        keep = grad.new_zeros(grad.shape[0], dtype=bool)
        for start, end in rows:
            keep[start:end] = True
        return grad * keep.view(-1, *([1] * (grad.dim() - 1)))

    return hook
