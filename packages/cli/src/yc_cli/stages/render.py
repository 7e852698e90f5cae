"""The render stage: transcripts + summaries + titles -> filters, dedup -> ``examples`` (template, split).

The ``examples`` table then holds exactly the dataset (one row per video and chunk, this run's
parameters; what it replaced stays in older versions). Incremental: a video is rendered again only when it
has no current example with the same ``params_hash`` (template, parameters, tokenizer, curation settings)
or its title / summary changed. Also writes
``<workspace>/template.json`` (so training and ``yc infer`` rebuild the same prompt) and the token-length
histogram ``<workspace>/reports/tokens.png``.

``run(store, template=..., ..., console=...)`` returns a summary dict: template, params_hash, candidates,
rendered_videos, examples_written, skipped, examples (current total), tokens, report (CurateReport dict),
png, version.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yc_cli.locks import writes

if TYPE_CHECKING:
    import polars as pl
    from rich.console import Console

    from yc_cli.store import Store

STAGE = "render"


def current_examples(
    store: Store, version: int | None = None, params_hash: str | None = None
) -> pl.DataFrame:
    """The dataset: the newest example per (video_id, chunk) rendered with the latest render parameters
    (``params_hash`` of the newest render commit up to ``version``, unless given)."""
    import polars as pl

    frame = store.current("examples", version=version)
    if params_hash is None and store.exists("examples"):
        for entry in store.history("examples"):
            if version is not None and entry["version"] > version:
                continue
            if entry.get("params", {}).get("params_hash"):
                params_hash = entry["params"]["params_hash"]
                break
    if params_hash is not None:
        frame = frame.filter(pl.col("params_hash") == params_hash)
    # a video rendered again into fewer chunks leaves older chunk rows behind: keep a video's chunks
    # written with or after its newest chunk 0
    first = frame.filter(pl.col("chunk") == 0).select("video_id", pl.col("created_at").alias("_c0"))
    frame = (
        frame.join(first, on="video_id", how="inner")
        .filter(pl.col("created_at") >= pl.col("_c0"))
        .drop("_c0")
    )
    return frame.sort(["video_id", "chunk"])


def _summaries(store: Store, summary_hash: str | None, summary_backend: str | None):
    import polars as pl

    if "none" in (summary_hash, summary_backend) or not store.exists("summaries"):
        return None
    where = pl.col("prompt_hash") == summary_hash if summary_hash else None
    if summary_backend:
        by_backend = pl.col("backend") == summary_backend
        where = by_backend if where is None else where & by_backend
    return store.current("summaries", where=where).select("video_id", "summary")


@writes("examples")
def run(
    store: Store,
    *,
    template: str = "fireship",
    persona: str | None = None,
    persona_description: str | None = None,
    tokenizer: str | None = None,
    summary_hash: str | None = None,
    summary_backend: str | None = None,
    min_words: int = 20,
    language: str | None = None,
    drop_flags: Sequence[str] = ("hallucination",),
    dedup: bool = True,
    near_threshold: float = 0.8,
    max_tokens: int | None = None,
    long: str = "split",
    validation: float = 0.1,
    test: float = 0.0,
    seed: str = "yc",
    force: bool = False,
    every_rows: int = 512,
    png: bool = True,
    console: Console | None = None,
) -> dict[str, Any]:
    """Render the examples that are missing for these parameters (see module doc).

    ``summary_hash``: use summaries with this prompt_hash (None: the newest summary per video; "none": no
    summaries, title only); ``summary_backend``: only summaries made by this backend.
    """
    import polars as pl

    from yc_cli.errors import YcError
    from yc_cli.render import progress
    from yc_cli.store import BatchWriter
    from yc_curate.curate import CurateConfig, params_hash, render_examples, select
    from yc_curate.filters import FilterConfig, approx_tokens
    from yc_curate.report import CurateReport
    from yc_curate.templates import get_template, load_tokenizer

    store.require("transcripts", "yc curate")

    if long not in ("split", "drop"):
        raise YcError(f"--long must be 'split' or 'drop', not '{long}'", "use --long split or --long drop")
    if not store.exists("transcripts"):
        raise YcError("no transcripts in this workspace", "run yc transcribe (or yc curate) first")
    tok = load_tokenizer(tokenizer) if tokenizer else None
    tpl = get_template(template, tokenizer=tok, persona=persona, persona_description=persona_description)
    if tokenizer:
        tpl.params["tokenizer"] = str(tokenizer)
    cfg = CurateConfig(
        filters=FilterConfig(min_words=min_words, language=language, drop_flags=tuple(drop_flags)),
        dedup=dedup,
        near_threshold=near_threshold,
        max_tokens=max_tokens,
        long=long,
        validation=validation,
        test=test,
        seed=seed,
    )
    ph = params_hash(tpl, cfg)
    report = CurateReport()

    tr = store.current("transcripts")  # every transcript: the filters count failed / empty ones too
    videos = store.current("videos").select("video_id", "title", "upload_date", "collected_at")
    frame = tr.join(videos, on="video_id", how="left")
    summaries = _summaries(store, summary_hash, summary_backend)
    if summaries is not None:
        frame = frame.join(summaries, on="video_id", how="left")
    else:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("summary"))
    existing = (
        current_examples(store, params_hash=ph).filter(pl.col("chunk") == 0)
        if store.exists("examples")
        else None
    )
    done: dict[str, tuple[Any, Any, Any]] = {}
    if existing is not None and not force:
        done = {
            r["video_id"]: (r["title"], r["summary"], r["created_at"]) for r in existing.iter_rows(named=True)
        }
    # already-rendered videos first: dedup keeps the first occurrence, so a new video never evicts an old one
    frame = frame.with_columns(pl.col("video_id").is_in(list(done)).not_().alias("_new")).sort(
        ["_new", "upload_date", "collected_at", "video_id"], nulls_last=True
    )
    rows = frame.drop("_new").to_dicts()
    kept = select(rows, cfg, report)

    def stale(r: dict[str, Any]) -> bool:
        """Not rendered yet, or its title / summary changed, or its transcript is newer than the example."""
        prev = done.get(r["video_id"])
        if prev is None or prev[:2] != (r.get("title"), r.get("summary")):
            return True
        return r.get("created_at") is not None and prev[2] is not None and r["created_at"] > prev[2]

    todo = [r for r in kept if stale(r)]
    params = {
        "template": tpl.describe(),
        "curate": cfg.as_dict(),
        "params_hash": ph,
        "summary_hash": summary_hash,
    }
    inputs = {
        "transcripts": store.version("transcripts"),
        "summaries": store.version("summaries"),
        "videos": store.version("videos"),
    }
    t0 = time.perf_counter()
    written = 0
    with BatchWriter(store, "examples", STAGE, params, inputs, every_rows=every_rows, every_s=30) as writer:
        bar = progress() if console is not None and todo else None
        task = bar.add_task("render", total=len(todo)) if bar else None
        if bar:
            bar.start()
        try:
            last = None
            for ex in render_examples(tpl, todo, cfg, tokenizer=tok, report=report, params_hash=ph):
                writer.add(ex)
                written += 1
                if bar and ex["video_id"] != last:
                    bar.update(task, advance=1)
                last = ex["video_id"]
        finally:
            if bar:
                bar.stop()
    store.root.mkdir(parents=True, exist_ok=True)
    (store.root / "template.json").write_text(json.dumps(tpl.describe(), indent=2, sort_keys=True) + "\n")

    dataset = current_examples(store, params_hash=ph) if store.exists("examples") else None
    kept_ids = {r["video_id"] for r in kept}
    if dataset is not None:
        dataset = dataset.filter(pl.col("video_id").is_in(list(kept_ids)))
        # the table holds exactly the dataset: rows of other parameters, of videos the filters now drop and
        # chunks left over from a longer render go (older versions keep them)
        store.keep_only("examples", dataset, stage=STAGE, params=params, inputs=inputs)
    n_tokens: list[int] = []
    if dataset is not None and len(dataset):
        if tok is not None:
            n_tokens = [int(n) for n in dataset["n_tokens"].fill_null(0).to_list()]
        else:
            n_tokens = approx_tokens(dataset["text"].to_list())
    report.n_tokens, report.max_tokens, report.tokens_exact = n_tokens, max_tokens, tok is not None
    png_path: Path | None = None
    if png and n_tokens:
        png_path = report.save_png(store.root / "reports" / "tokens.png")
    splits = dict(dataset.group_by("split").len().iter_rows()) if dataset is not None and len(dataset) else {}
    result: dict[str, Any] = {
        "template": tpl.describe()["template"],
        "params_hash": ph,
        "candidates": len(rows),
        "kept_videos": len(kept),
        "rendered_videos": len({r["video_id"] for r in todo}),
        "examples_written": written,
        "skipped": len(kept) - len(todo),
        "examples": len(n_tokens),
        "splits": splits,
        "tokens": sum(n_tokens),
        "report": report.to_dict(),
        "png": str(png_path) if png_path else None,
        "wall_s": time.perf_counter() - t0,
        "version": store.version("examples"),
    }
    if console is not None:
        print_report(console, result, report)
    return result


def print_report(console: Console, result: dict[str, Any], report: Any) -> None:
    """Rows in/out per step with reasons, the split sizes and the text histogram."""
    from yc_cli.render import table

    rows = []
    for step in report.steps:
        detail = ", ".join(f"{k} {v}" for k, v in sorted(step.detail.items()))
        rows.append((step.name, step.rows_in, step.rows_out, detail))
    console.print(
        table(
            f"curate report  (examples v{result['version']}, params {result['params_hash']})",
            ["step", "in", "out", "dropped / notes"],
            rows,
        )
    )
    splits = ", ".join(f"{k} {v}" for k, v in sorted(result["splits"].items())) or "-"
    console.print(
        f"examples {result['examples']} ({splits}); rendered now {result['rendered_videos']} videos, "
        f"{result['skipped']} unchanged"
    )
    console.print(report.text_histogram())
    if result["png"]:
        console.print(f"histogram: {result['png']}")
