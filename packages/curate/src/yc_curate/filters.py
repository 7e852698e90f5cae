"""Transcript filters with a count per reason, and splitting of over-long transcripts into chunks.

Reasons: ``failed`` (transcription did not succeed), ``empty``, ``too_short`` (fewer than ``min_words``),
``hallucination`` (flagged by the transcriber), ``language`` (not the target language). Over-long
examples are handled when rendering (:func:`split_text`): dropped, or split into chunks with the same prompt.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

REASONS = (
    "failed",
    "empty",
    "too_short",
    "hallucination",
    "language",
    "duplicate",
    "near_duplicate",
    "too_long",
)


@dataclass(frozen=True)
class FilterConfig:
    """What a transcript must satisfy to become an example."""

    min_words: int = 20
    language: str | None = None  # e.g. "en"; None keeps every language
    drop_flags: tuple[str, ...] = ("hallucination",)


@dataclass
class FilterResult:
    kept: list[dict[str, Any]] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)  # video_id -> reason
    counts: Counter[str] = field(default_factory=Counter)


def reason_to_drop(row: Mapping[str, Any], cfg: FilterConfig) -> str | None:
    """The first reason ``row`` (a transcripts row) fails ``cfg``, or None to keep it."""
    status = row.get("status") or "ok"
    text = (row.get("text") or "").strip()
    if status not in ("ok", "empty") and not text:
        return "failed"
    if not text or status == "empty":
        return "empty"
    if len(text.split()) < cfg.min_words:
        return "too_short"
    flags = set(row.get("flags") or ())
    for flag in cfg.drop_flags:
        if flag in flags:
            return flag if flag in REASONS else "hallucination"
    if cfg.language:
        lang = (row.get("language") or "").lower()
        if lang and lang.split("-")[0] != cfg.language.lower().split("-")[0]:
            return "language"
    return None


def filter_transcripts(rows: Iterable[Mapping[str, Any]], cfg: FilterConfig) -> FilterResult:
    """Keep the rows that pass ``cfg``; count the others per reason."""
    out = FilterResult()
    for row in rows:
        reason = reason_to_drop(row, cfg)
        if reason is None:
            out.kept.append(dict(row))
        else:
            out.dropped[str(row["video_id"])] = reason
            out.counts[reason] += 1
    return out


_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def approx_tokens(texts: Sequence[str]) -> list[int]:
    """Token estimate without a tokenizer (~4 characters per token for English BPE vocabularies)."""
    return [max(1, (len(t) + 3) // 4) for t in texts]


def split_text(text: str, budget: int, count: Callable[[Sequence[str]], list[int]]) -> list[str]:
    """``text`` as consecutive chunks of whole sentences, each at most ``budget`` tokens by ``count``.

    A sentence longer than the budget is cut at word boundaries.
    """
    budget = max(8, budget)
    sentences = [s for s in _SENTENCES.split(text.strip()) if s]
    sizes = count(sentences) if sentences else []
    pieces: list[tuple[str, int]] = []
    for sentence, n in zip(sentences, sizes, strict=True):
        if n <= budget:
            pieces.append((sentence, n))
            continue
        words = sentence.split()
        per = max(1, int(len(words) * budget / n * 0.9))
        for j in range(0, len(words), per):
            part = " ".join(words[j : j + per])
            pieces.append((part, count([part])[0]))
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for piece, n in pieces:
        if current and size + n + 1 > budget:
            chunks.append(" ".join(current))
            current, size = [], 0
        current.append(piece)
        size += n + 1
    if current:
        chunks.append(" ".join(current))
    return chunks
