"""Curation over plain rows: filter -> dedup -> render (+ chunk or drop over-long) -> split.

Library functions, no workspace: the CLI stage feeds them rows from the store and commits what they yield.
Input rows carry ``video_id``, ``title``, ``summary`` and ``text`` (the transcript) plus the transcript
columns the filters read (``status``, ``flags``, ``language``).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from yc_curate.dedup import deduplicate
from yc_curate.filters import FilterConfig, approx_tokens, filter_transcripts, split_text
from yc_curate.report import CurateReport
from yc_curate.split import split_of
from yc_curate.templates import PromptTemplate
from yc_curate.token_count import TokenCounter


@dataclass(frozen=True)
class CurateConfig:
    """Filters, dedup, length handling and split sizes."""

    filters: FilterConfig = field(default_factory=FilterConfig)
    dedup: bool = True
    near_duplicates: bool = True
    near_threshold: float = 0.8
    max_tokens: int | None = None
    long: str = "split"  # "split" into chunks with the same prompt, or "drop"
    validation: float = 0.1
    test: float = 0.0
    seed: str = "yc"

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["filters"]["drop_flags"] = list(self.filters.drop_flags)
        return d


def params_hash(template: PromptTemplate, cfg: CurateConfig, extra: Mapping[str, Any] | None = None) -> str:
    """Identifies the rendering parameters: examples with the same hash are not rendered again."""
    payload = {"template": template.describe(), "curate": cfg.as_dict(), **dict(extra or {})}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def select(
    rows: Sequence[Mapping[str, Any]], cfg: CurateConfig, report: CurateReport | None = None
) -> list[dict]:
    """Rows that pass the filters and are not (near-)duplicates of an earlier row, in input order."""
    filtered = filter_transcripts(rows, cfg.filters)
    if report is not None:
        report.add("filter", len(rows), len(filtered.kept), dict(filtered.counts))
    kept = filtered.kept
    if cfg.dedup and kept:
        ids = [str(r["video_id"]) for r in kept]
        keep, dropped = deduplicate(
            ids, [r.get("text") or "" for r in kept], near=cfg.near_duplicates, threshold=cfg.near_threshold
        )
        keep_set = set(keep)
        if report is not None:
            report.add("dedup", len(kept), len(keep), dict(Counter(reason for reason, _ in dropped.values())))
        kept = [r for r in kept if str(r["video_id"]) in keep_set]
    return kept


def _counter(tokenizer: Any | None):
    return TokenCounter(tokenizer) if tokenizer is not None else approx_tokens


def render_examples(
    template: PromptTemplate,
    rows: Iterable[Mapping[str, Any]],
    cfg: CurateConfig,
    *,
    tokenizer: Any | None = None,
    report: CurateReport | None = None,
    batch_size: int = 512,
    params_hash: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Example rows (``video_id``, ``chunk``, ``split``, ``prompt``, ``completion``, ``text``, ``messages``,
    ``n_tokens`` when a tokenizer is given) for ``rows``, batched; exact token counts come from a
    :class:`~yc_curate.token_count.TokenCounter` (word cache, Rust batches).

    Over ``cfg.max_tokens``: ``long="drop"`` drops the video, ``"split"`` cuts the transcript into chunks of
    whole sentences rendered with the same prompt (chunk 0, 1, ...).
    """
    count = _counter(tokenizer)
    name = template.describe()["template"]
    stats: Counter[str] = Counter()
    rows_in = 0
    batch: list[Mapping[str, Any]] = []

    def flush() -> Iterator[dict[str, Any]]:
        examples = [
            template.render(r.get("title") or "", r.get("summary"), r.get("text") or "") for r in batch
        ]
        sizes = count([e.text for e in examples])
        for row, ex, n in zip(batch, examples, sizes, strict=True):
            vid = str(row["video_id"])
            parts = [(ex, n)]
            if cfg.max_tokens and n > cfg.max_tokens:
                if cfg.long == "drop":
                    stats["too_long"] += 1
                    continue
                empty = template.render(row.get("title") or "", row.get("summary"), "")
                budget = cfg.max_tokens - count([empty.text])[0] - 4
                if budget < 16:
                    stats["too_long"] += 1  # the prompt alone fills the budget
                    continue
                chunks = split_text(row.get("text") or "", budget, count)
                rendered = [template.render(row.get("title") or "", row.get("summary"), c) for c in chunks]
                parts = list(zip(rendered, count([e.text for e in rendered]), strict=True))
                stats["split_videos"] += 1
                stats["chunks"] += len(parts)
            split = split_of(vid, cfg.validation, cfg.test, cfg.seed)
            for k, (e, size) in enumerate(parts):
                if report is not None:
                    report.n_tokens.append(int(size))
                yield {
                    "video_id": vid,
                    "chunk": k,
                    "template": name,
                    "split": split,
                    "title": row.get("title"),
                    "summary": row.get("summary"),
                    "prompt": e.prompt,
                    "completion": e.completion,
                    "text": e.text,
                    "messages": e.messages,
                    "n_tokens": int(size) if tokenizer is not None else None,
                    "params_hash": params_hash,
                }
                stats["examples"] += 1

    for row in rows:
        rows_in += 1
        batch.append(row)
        if len(batch) >= batch_size:
            yield from flush()
            batch = []
    if batch:
        yield from flush()
    if report is not None:
        report.max_tokens = cfg.max_tokens
        report.tokens_exact = tokenizer is not None
        detail = {"too_long": stats["too_long"], "split_videos": stats["split_videos"]}
        report.add("render", rows_in, stats["examples"], detail)
