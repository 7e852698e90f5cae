"""The transcribe stage: ``videos`` (status ok, with audio or captions) -> ``transcripts`` (+ ``summaries``).

``yc transcribe`` and ``yc curate`` (its first step) both call :func:`run`. Its keyword arguments are stable:

- ``backend``: registry name (faster-whisper | whisper | deepgram | captions); ``model``: name or path
- ``fallback``: ASR backend for videos without captions (captions backend only; None = record as failed)
- ``force``: redo videos already transcribed with the same parameters
- ``summarize``: Deepgram only: also store Deepgram's summary in ``summaries``
- ``language``, ``device``, ``workers``, ``threads``, ``batch_size``, ``beam_size``, ``mode``, ``download``,
  ``price_per_min``: passed to the backend when it takes them (None = the backend's default)
- ``every_rows``: commit every N videos; ``limit``: at most N videos; ``video_ids``: only these
- ``console``: a rich Console for progress and the summary (None = quiet)

Returns a summary dict: backend, model, params_hash, candidates, skipped, no_audio, ok, empty, failed,
hallucination, summaries, audio_h, wall_s, rtf, version.
"""

from __future__ import annotations

import inspect
import time
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from yc_cli.locks import writes

if TYPE_CHECKING:
    from rich.console import Console

    from yc_cli.store import Store
    from yc_curate.transcribe import AudioItem, Transcriber

STAGE = "transcribe"


def backend_options(backend: str, **options: Any) -> dict[str, Any]:
    """The options (not None) that ``backend``'s class accepts (captions: plus those of its fallback)."""
    from yc_curate.transcribe import backend_class

    def accepted(name: str) -> set[str]:
        params = inspect.signature(backend_class(name).__init__).parameters
        return {k for k, p in params.items() if p.kind is not inspect.Parameter.VAR_KEYWORD}

    names = accepted(backend)
    if backend == "captions" and options.get("fallback"):
        names |= accepted(options["fallback"])
    return {k: v for k, v in options.items() if v is not None and k in names}


def _items(store: Store, video_ids: Sequence[str] | None, need_audio: bool) -> tuple[list[AudioItem], int]:
    import polars as pl

    from yc_curate.transcribe import AudioItem

    videos = store.current("videos", where=pl.col("status") == "ok")
    if video_ids:
        videos = videos.filter(pl.col("video_id").is_in(list(video_ids)))
    items, no_audio = [], 0
    for v in videos.iter_rows(named=True):
        caps = v.get("captions")
        caps = caps if caps and (caps.get("text") or caps.get("segments")) else None
        path = store.root / v["audio_path"] if v.get("audio_path") else None
        if path is None and (need_audio or caps is None):
            no_audio += 1
            continue
        items.append(AudioItem(v["video_id"], path, caps, v.get("audio_s") or v.get("duration_s")))
    return items, no_audio


def _total_seconds(items: Sequence[AudioItem]) -> float:
    from yc_curate.transcribe import probe_duration

    total = 0.0
    for item in items:
        if item.duration_s is None and item.path is not None:
            try:
                item.duration_s = probe_duration(item.path)
            except Exception:
                item.duration_s = 0.0
        total += item.duration_s or 0.0
    return total


@writes("transcripts", "summaries")
def run(
    store: Store,
    *,
    backend: str = "faster-whisper",
    model: str | None = None,
    fallback: str | None = None,
    force: bool = False,
    summarize: bool = False,
    language: str | None = None,
    device: str | None = None,
    workers: int | None = None,
    threads: int | None = None,
    batch_size: int | None = None,
    beam_size: int | None = None,
    mode: str | None = None,
    download: bool | None = None,
    price_per_min: float | None = None,
    every_rows: int = 4,
    limit: int | None = None,
    video_ids: Sequence[str] | None = None,
    console: Console | None = None,
) -> dict[str, Any]:
    """Transcribe the workspace's videos that lack a transcript for these parameters (see module doc)."""
    import polars as pl

    from yc_cli.store import BatchWriter
    from yc_curate.transcribe import get_transcriber, params_hash, transcribe_files

    store.require("videos", "yc collect SOURCE")
    opts = backend_options(
        backend,
        fallback=fallback,
        summarize=summarize or None,
        language=language,
        device=device,
        workers=workers,
        threads=threads,
        batch_size=batch_size,
        beam_size=beam_size,
        mode=mode,
        download=download,
        price_per_min=price_per_min,
    )
    if summarize and "summarize" not in opts and console is not None:
        console.print(
            f"[yellow]--summarize applies to the deepgram backend only; ignored for {backend}[/yellow]"
        )
    tr: Transcriber = get_transcriber(backend, model=model, **opts)
    h = params_hash(tr)
    items, no_audio = _items(store, video_ids, need_audio=backend != "captions")
    candidates = len(items)
    if not force:
        todo = set(
            store.missing(
                "transcripts",
                [i.id for i in items],
                # a failed redo recorded on a good row (error set) is tried again
                where=(pl.col("params_hash") == h)
                & (pl.col("status") != "failed")
                & pl.col("error").is_null(),
            )
        )
        items = [i for i in items if i.id in todo]
    if limit is not None:
        items = items[:limit]
    summary: dict[str, Any] = {
        "backend": backend,
        "model": tr.model,
        "params_hash": h,
        "candidates": candidates,
        "skipped": candidates - len(items),
        "no_audio": no_audio,
    }
    total_s = _total_seconds(items)
    if console is not None and hasattr(tr, "estimate_cost") and items:
        cost, rate = tr.estimate_cost(total_s), tr.price_per_min
        console.print(
            f"{backend}: {total_s / 3600:.2f} audio hours of {len(items)} videos ≈ ${cost:.2f} (at ${rate}/min)"
        )
    counts: Counter[str] = Counter()
    audio_done = wall = 0.0
    inputs = {"videos": store.version("videos")}
    params = {"backend": backend, "model": tr.model, "params_hash": h, **tr.params()}
    t0 = time.perf_counter()
    with (
        BatchWriter(store, "transcripts", STAGE, params, inputs, every_rows=every_rows) as writer,
        BatchWriter(store, "summaries", STAGE, params, inputs, every_rows=every_rows) as summaries,
        _progress(console, total_s, len(items)) as (bar, task),
    ):

        def on_summary(video_id: str, result: Any) -> None:
            summaries.add(
                {
                    "video_id": video_id,
                    "backend": result.backend or backend,
                    "model": result.model or tr.model,
                    "summary": result.summary,
                    "prompt_hash": "deepgram",
                }
            )
            counts["summaries"] += 1

        for row in transcribe_files(items, tr, on_summary=on_summary):
            writer.add(row)
            counts[row["status"]] += 1
            counts["hallucination"] += "hallucination" in row["flags"]
            audio_done += row["audio_s"] or 0.0
            wall = time.perf_counter() - t0
            if bar is not None:
                bar.update(
                    task,
                    advance=(row["audio_s"] or 0.0) / 3600,
                    rtf=f"{wall / audio_done:.3f}" if audio_done else "-",
                )
    wall = time.perf_counter() - t0
    summary.update({k: counts[k] for k in ("ok", "empty", "failed", "hallucination", "summaries")})
    summary.update(
        {
            "audio_h": audio_done / 3600,
            "wall_s": wall,
            "rtf": wall / audio_done if audio_done else None,
            "version": store.version("transcripts"),
        }
    )
    if console is not None:
        _print_summary(console, summary)
    return summary


class _progress:
    """A rich progress bar in audio hours with the real-time factor (nothing when console is None)."""

    def __init__(self, console: Console | None, total_s: float, n: int) -> None:
        self.console, self.total_h, self.n, self.bar = console, total_s / 3600, n, None

    def __enter__(self):
        if self.console is None or not self.n:
            return None, None
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("[bold]transcribe"),
            BarColumn(),
            TextColumn("{task.completed:.2f}/{task.total:.2f} audio h"),
            TextColumn("RTF {task.fields[rtf]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            disable=not self.console.is_terminal,  # piped: no frames, the summary follows
        )
        self.bar.__enter__()
        return self.bar, self.bar.add_task("transcribe", total=max(self.total_h, 1e-9), rtf="-")

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _print_summary(console: Console, s: dict[str, Any]) -> None:
    from yc_cli.render import table

    rtf = f"{s['rtf']:.3f}" if s["rtf"] else "-"
    rows = [
        ("backend / model", f"{s['backend']} / {s['model']}"),
        ("videos transcribed", s["ok"] + s["empty"] + s["failed"]),
        ("ok / empty / failed", f"{s['ok']} / {s['empty']} / {s['failed']}"),
        ("flagged hallucination", s["hallucination"]),
        ("already done (skipped)", s["skipped"]),
        ("without audio", s["no_audio"]),
        ("audio hours", f"{s['audio_h']:.3f}"),
        ("wall seconds / RTF", f"{s['wall_s']:.1f} / {rtf}"),
    ]
    if s["summaries"]:
        rows.append(("summaries stored", s["summaries"]))
    console.print(table(f"transcripts v{s['version']}  (params {s['params_hash']})", ["", "value"], rows))
