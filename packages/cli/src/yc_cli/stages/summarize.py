"""The summarize stage: ``transcripts`` (status ok) -> ``summaries``, incremental per (backend, model, prompt).

``run(store, summarizer=..., model=..., ..., console=...)`` returns a summary dict: backend, model,
prompt_hash, candidates, skipped, summarized, empty, version.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from yc_cli.locks import writes

if TYPE_CHECKING:
    from rich.console import Console

    from yc_cli.store import Store

STAGE = "summarize"
FIXED_HASH = {"deepgram": "deepgram", "none": "none"}  # backends whose output does not depend on a prompt


def inputs_frame(store: Store, video_ids: Sequence[str] | None = None):
    """Current transcripts (status ok, non-empty) joined with their video's title, in video order."""
    import polars as pl

    tr = store.current("transcripts").filter(
        (pl.col("status") == "ok") & (pl.col("text").str.strip_chars() != "")
    )
    videos = store.current("videos").select("video_id", "title", "upload_date", "collected_at")
    frame = tr.join(videos, on="video_id", how="left").sort(
        ["upload_date", "collected_at", "video_id"], nulls_last=True
    )
    if video_ids:
        frame = frame.filter(pl.col("video_id").is_in(list(video_ids)))
    return frame


def summary_hash(summarizer: Any) -> str:
    from yc_curate.summarize import prompt_hash

    if summarizer.name in FIXED_HASH:
        return FIXED_HASH[summarizer.name]
    return prompt_hash(summarizer.prompt, summarizer.name, summarizer.model)


@writes("summaries")
def run(
    store: Store,
    *,
    summarizer: str = "local",
    model: str | None = None,
    prompt: str | None = None,
    base_url: str | None = None,
    concurrency: int | None = None,
    max_new_tokens: int | None = None,
    context_tokens: int | None = None,
    batch_size: int | None = None,
    device: str | None = None,
    threads: int | None = None,
    force: bool = False,
    every_rows: int = 8,
    limit: int | None = None,
    video_ids: Sequence[str] | None = None,
    console: Console | None = None,
) -> dict[str, Any]:
    """Summarise the transcripts that lack a summary for this (backend, model, prompt)."""
    import polars as pl

    from yc_cli.render import progress
    from yc_cli.store import BatchWriter
    from yc_curate.summarize import SummaryInput, get_summarizer

    store.require("transcripts", "yc curate")

    options: dict[str, Any] = {"prompt": prompt}
    if summarizer == "local":
        options.update(
            max_new_tokens=max_new_tokens,
            context_tokens=context_tokens,
            batch_size=batch_size,
            device=device,
            threads=threads,
        )
    elif summarizer == "openai":
        options.update(base_url=base_url, concurrency=concurrency)
    summ = get_summarizer(summarizer, model=model, **options)
    h = summary_hash(summ)
    if summ.name == "none":  # nothing to store: templates show the title only
        return {
            "backend": "none",
            "model": "none",
            "prompt_hash": h,
            "candidates": 0,
            "skipped": 0,
            "summarized": 0,
            "empty": 0,
            "version": store.version("summaries"),
        }
    frame = inputs_frame(store, video_ids)
    ids = frame["video_id"].to_list()
    todo = set(ids)
    if not force:
        where = (pl.col("prompt_hash") == h) & (pl.col("backend") == summ.name)
        if summ.name not in FIXED_HASH:
            where = where & (pl.col("model") == summ.model)
        todo = set(store.missing("summaries", ids, where=where))
    rows = [r for r in frame.iter_rows(named=True) if r["video_id"] in todo]
    if limit is not None:
        rows = rows[:limit]
    result: dict[str, Any] = {
        "backend": summ.name,
        "model": summ.model,
        "prompt_hash": h,
        "candidates": len(ids),
        "skipped": len(ids) - len(rows),
        "summarized": 0,
        "empty": 0,
    }
    params = {"backend": summ.name, "model": summ.model, "prompt_hash": h}
    inputs = {"transcripts": store.version("transcripts"), "videos": store.version("videos")}
    t0 = time.perf_counter()
    step = max(1, summ.batch_size)
    with BatchWriter(store, "summaries", STAGE, params, inputs, every_rows=every_rows) as writer:
        bar = progress() if console is not None and rows else None
        task = bar.add_task(f"summarize ({summ.name})", total=len(rows)) if bar else None
        if bar:
            bar.start()
        try:
            for i in range(0, len(rows), step):
                batch = rows[i : i + step]
                items = [
                    SummaryInput(r["video_id"], r.get("title") or "", r.get("text") or "", r) for r in batch
                ]
                for row, text in zip(batch, summ.summarize(items), strict=True):
                    writer.add(
                        {
                            "video_id": row["video_id"],
                            "backend": summ.name,
                            "model": summ.model,
                            "summary": text,
                            "prompt_hash": h,
                        }
                    )
                    result["summarized"] += 1
                    result["empty"] += not text
                if bar:
                    bar.update(task, advance=len(batch))
        finally:
            if bar:
                bar.stop()
    result["wall_s"] = time.perf_counter() - t0
    result["version"] = store.version("summaries")
    if console is not None:
        from yc_cli.render import table

        console.print(
            table(
                f"summaries v{result['version']}  ({summ.name} / {summ.model}, prompt {h})",
                ["", ""],
                [
                    ("summarized", result["summarized"]),
                    ("already done (skipped)", result["skipped"]),
                    ("empty", result["empty"]),
                    ("wall seconds", f"{result['wall_s']:.1f}"),
                ],
            )
        )
    return result
