"""Queries behind the dataset browser: pages of the ``examples`` Delta table, filters, search, histogram.

Everything is a lazy polars scan of the Delta table (only the columns a view needs), so a 100k-row table
pages in milliseconds and nothing is held in memory between requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import polars as pl

from yc_cli.store import Store
from yc_curate.templates.special import DEFAULT_CONTROL

PAGE_COLUMNS = ["video_id", "chunk", "split", "template", "title", "n_tokens"]
# The template's control strings; data never contains them whole (yc_curate neutralises data).
_CONTROL = re.compile(
    "|".join(
        [r"<\|[A-Za-z0-9_.:\- ]{1,40}\|>", *(re.escape(s) for s in sorted(DEFAULT_CONTROL, key=len)[::-1])]
    )
)


@dataclass(frozen=True)
class Filters:
    """What the browser filters on; ``None`` means no filter."""

    split: str | None = None
    template: str | None = None
    min_tokens: int | None = None
    max_tokens: int | None = None
    query: str | None = None

    def expr(self) -> pl.Expr:
        conds = [pl.lit(True)]
        if self.split:
            conds.append(pl.col("split") == self.split)
        if self.template:
            conds.append(pl.col("template") == self.template)
        if self.min_tokens is not None:
            conds.append(pl.col("n_tokens") >= self.min_tokens)
        if self.max_tokens is not None:
            conds.append(pl.col("n_tokens") <= self.max_tokens)
        if self.query:
            pattern = "(?i)" + re.escape(self.query)
            conds.append(pl.col("completion").str.contains(pattern) | pl.col("title").str.contains(pattern))
        return pl.all_horizontal(conds)


def _scan(store: Store, table: str = "examples") -> pl.LazyFrame | None:
    return pl.scan_delta(str(store.path(table))) if store.exists(table) else None


def overview(store: Store) -> dict[str, Any]:
    """Row count, version and the splits / templates present (for the filter menus)."""
    scan = _scan(store)
    if scan is None:
        return {"rows": 0, "version": None, "splits": [], "templates": [], "exists": False}
    facets = scan.select(
        pl.len().alias("rows"),
        pl.col("split").unique().sort().implode().alias("splits"),
        pl.col("template").unique().sort().implode().alias("templates"),
    ).collect()
    row = facets.row(0, named=True)
    return {
        "rows": int(row["rows"]),
        "version": store.version("examples"),
        "splits": [s for s in row["splits"] if s is not None],
        "templates": [t for t in row["templates"] if t is not None],
        "exists": True,
    }


def page(store: Store, filters: Filters, number: int, size: int) -> dict[str, Any]:
    """Page ``number`` (from 1) of the filtered rows, ordered by video and chunk, with a text snippet each."""
    scan = _scan(store)
    if scan is None:
        return {"total": 0, "page": 1, "pages": 0, "rows": []}
    filtered = scan.filter(filters.expr())
    total = int(filtered.select(pl.len()).collect().item())
    pages = max(1, -(-total // size))
    number = min(max(1, number), pages)
    rows = (
        filtered.select([*PAGE_COLUMNS, "completion"])
        .sort("video_id", "chunk")
        .slice((number - 1) * size, size)
        .collect()
        .to_dicts()
    )
    for row in rows:
        row["snippet"] = snippet(row.pop("completion") or "", filters.query)
    return {"total": total, "page": number, "pages": pages, "rows": rows}


def snippet(text: str, query: str | None, width: int = 160) -> str:
    """About ``width`` characters of ``text``: its start, or around the first match of ``query``."""
    start = 0
    if query:
        hit = text.lower().find(query.lower())
        start = max(0, hit - width // 3) if hit >= 0 else 0
    cut = text[start : start + width]
    return ("…" if start else "") + cut + ("…" if start + width < len(text) else "")


def histogram(store: Store, filters: Filters, bins: int = 40, mark: int | None = None) -> dict[str, Any]:
    """Token-length counts of the filtered rows in ``bins`` equal-width bins; ``over``: rows longer than ``mark``."""
    scan = _scan(store)
    empty = {"edges": [], "counts": [], "total": 0, "over": 0}
    if scan is None:
        return empty
    tokens = scan.filter(filters.expr()).select("n_tokens").drop_nulls().collect().to_series()
    if tokens.is_empty():
        return empty
    low, high = int(tokens.min()), int(tokens.max())  # type: ignore[arg-type]
    width = max(1, -(-(high - low + 1) // bins))
    index = ((tokens - low) // width).cast(pl.Int64)
    counts = index.value_counts().sort(index.name)
    dense = [0] * (int(index.max()) + 1)  # type: ignore[arg-type]
    for i, n in counts.iter_rows():
        dense[i] = int(n)
    over = int((tokens > mark).sum()) if mark is not None else None
    edges = [low + i * width for i in range(len(dense) + 1)]
    return {"edges": edges, "counts": dense, "total": len(tokens), "over": over}


def segments(text: str | None) -> list[dict[str, str]]:
    """``text`` split into plain runs and control tokens: ``[{"text": ...}, {"token": "</s>"}, ...]``."""
    out: list[dict[str, str]] = []
    at = 0
    for m in _CONTROL.finditer(text or ""):
        if m.start() > at:
            out.append({"text": text[at : m.start()]})  # type: ignore[index]
        out.append({"token": m.group(0)})
        at = m.end()
    if text and at < len(text):
        out.append({"text": text[at:]})
    return out


def example(store: Store, video_id: str, chunk: int) -> dict[str, Any] | None:
    """One example with its prompt / completion as segments, and the video and transcript rows behind it."""
    scan = _scan(store)
    if scan is None:
        return None
    found = scan.filter((pl.col("video_id") == video_id) & (pl.col("chunk") == chunk)).collect()
    if found.is_empty():
        return None
    row = found.row(0, named=True)
    return {
        "video_id": video_id,
        "chunk": chunk,
        "meta": {k: row[k] for k in ("split", "template", "title", "n_tokens", "params_hash")},
        "summary": row["summary"],
        "prompt": segments(row["prompt"]),
        "completion": segments(row["completion"]),
        "messages": row["messages"] or [],
        "video": _behind(store, "videos", video_id, _VIDEO_COLUMNS),
        "transcript": _behind(store, "transcripts", video_id, _TRANSCRIPT_COLUMNS),
    }


_VIDEO_COLUMNS = [
    "title",
    "channel",
    "source_url",
    "upload_date",
    "duration_s",
    "status",
    "error_kind",
    "error",
]
_TRANSCRIPT_COLUMNS = [
    "backend",
    "model",
    "language",
    "audio_s",
    "wall_s",
    "status",
    "flags",
    "error",
    "text",
]


def _behind(store: Store, table: str, video_id: str, columns: list[str]) -> dict[str, Any] | None:
    scan = _scan(store, table)
    if scan is None:
        return None
    order = "created_at" if table == "transcripts" else "collected_at"
    found = scan.filter(pl.col("video_id") == video_id).sort(order).select(columns).collect()
    if found.is_empty():
        return None
    return {
        k: (str(v) if k == "upload_date" and v is not None else v)
        for k, v in found.row(-1, named=True).items()
    }
