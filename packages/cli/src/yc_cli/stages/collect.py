"""The collect stage: a source (channel, playlist, feed, site, folder) -> the ``videos`` table + ``audio/``.

``yc collect`` calls :func:`run`. It lists the source with the workspace's collected ids as
``skip_ids`` (so nothing already collected is requested again: yt-dlp's own download archive would
still hit the network), collects the rest with :func:`yc_collect.collect`, and upserts rows by
``video_id`` in batches (a later success replaces an earlier failure; failed and skipped videos are
tried again on the next run). Audio files are published before their row is committed, so a killed
run never registers a half-written file; its ``.part`` downloads resume on the next run.

Returns a summary dict: source, listed, known, filtered, todo, ok, failed, skipped, kinds (error_kind ->
count), bytes, audio_s, wall_s, version, failures (first rows that did not succeed), warnings.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from yc_cli.store import Store
    from yc_collect import CollectOptions

STAGE = "collect"
AUDIO_DIR = "audio"
MAX_FAILURES_SHOWN = 10


def collected_ids(store: Store, need_audio: bool) -> set[str]:
    """Ids already collected: status ok, and (when audio is wanted) an audio file that is still there."""
    import polars as pl

    if not store.exists("videos"):
        return set()
    # upserts keep one row per video_id; a lazy scan avoids pyarrow.dataset (and pandas) on start-up
    frame = (
        pl.scan_delta(str(store.path("videos")))
        .filter(pl.col("status") == "ok")
        .select("video_id", "audio_path")
        .collect()
    )
    done = set()
    for video_id, audio_path in frame.iter_rows():
        if not need_audio or (audio_path and (store.root / audio_path).is_file()):
            done.add(video_id)
    return done


def _params(source: str, options: CollectOptions) -> dict[str, Any]:
    keep = (
        "limit", "since", "until", "min_duration_s", "max_duration_s", "match_title", "tabs", "episode_types",
        "audio", "captions", "languages", "audio_codec", "sample_rate", "channels", "bitrate", "workers",
    )  # fmt: skip
    return {"source": source, **{k: getattr(options, k) for k in keep}}


def run(
    store: Store,
    source: str,
    options: CollectOptions | None = None,
    *,
    force: bool = False,
    every_rows: int = 8,
    every_s: float = 20.0,
    console: Console | None = None,
) -> dict[str, Any]:
    """Collect ``source`` into the workspace (see the module doc); ``force`` redoes collected videos."""
    from yc_cli.store import BatchWriter
    from yc_collect import CollectOptions, collect, list_source

    options = (options or CollectOptions()).validate()
    if force:
        options = dataclasses.replace(options, reuse_audio=False)
    t0 = time.perf_counter()
    known = set() if force else collected_ids(store, options.audio)
    with console.status(f"listing {source}") if console is not None else nullcontext():
        listing = list_source(source, options, skip_ids=known)
    summary: dict[str, Any] = {
        "source": source,
        "title": listing.title,
        "listed": listing.total,
        "known": len(listing.known),
        "filtered": sum(listing.filtered.values()),
        "filtered_by": dict(listing.filtered),
        "todo": len(listing.entries),
        "warnings": list(listing.warnings),
    }
    counts: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    failures: list[dict[str, Any]] = []
    received = {"bytes": 0}
    lock = threading.Lock()
    audio_s = 0.0
    stop = threading.Event()
    with (
        BatchWriter(
            store,
            "videos",
            STAGE,
            _params(source, options),
            {},
            every_rows=every_rows,
            every_s=every_s,
            upsert=True,
        ) as writer,
        _Bar(console, len(listing.entries)) as bar,
    ):

        def on_progress(video_id: str, new_bytes: int, total: int | None) -> None:
            with lock:  # called from worker threads for every block yt-dlp reads
                received["bytes"] += new_bytes
            bar.bytes(received["bytes"])

        rows = collect(
            listing.entries,
            store.root / AUDIO_DIR,
            options,
            relative_to=store.root,
            on_progress=on_progress,
            stop=stop,
        )
        try:
            for row in rows:
                writer.add(row)
                counts[row["status"]] += 1
                if row["status"] == "ok":
                    audio_s += row["audio_s"] or 0.0
                else:
                    kinds[row["error_kind"] or "other"] += 1
                    if len(failures) < MAX_FAILURES_SHOWN:
                        failures.append(
                            {k: row.get(k) for k in ("video_id", "title", "status", "error_kind", "error")}
                        )
                bar.advance(row.get("title") or row["video_id"])
        finally:
            rows.close()  # stops the workers if the loop was interrupted
    summary.update(
        {
            "ok": counts["ok"],
            "failed": counts["failed"],
            "skipped": counts["skipped"],
            "kinds": dict(kinds),
            "failures": failures,
            "bytes": received["bytes"],
            "audio_s": audio_s,
            "wall_s": time.perf_counter() - t0,
            "version": store.version("videos"),
        }
    )
    if console is not None:
        print_summary(console, summary)
    return summary


class _Bar:
    """Videos done / total, bytes received, elapsed and ETA (nothing without a console or work)."""

    def __init__(self, console: Console | None, total: int) -> None:
        self.progress = None
        self._shown = 0.0
        if console is not None and total:
            from yc_cli.render import progress

            self.progress = progress(extra="received")
            self.task = self.progress.add_task("collect", total=total, received="0 B")

    def __enter__(self) -> _Bar:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def bytes(self, n: int) -> None:
        """Show ``n`` bytes received (at most 5 times a second: yt-dlp reports every block)."""
        now = time.monotonic()
        if self.progress is not None and now - self._shown >= 0.2:
            from rich.filesize import decimal

            self._shown = now
            self.progress.update(self.task, received=decimal(n))

    def advance(self, label: str) -> None:
        if self.progress is not None:
            self.progress.update(self.task, advance=1, description=f"collect {label[:30]}")


def print_summary(console: Console, s: dict[str, Any]) -> None:
    """The end-of-run summary table, then the videos that did not succeed (with why)."""
    from rich.filesize import decimal

    from yc_cli.render import table

    filtered = ", ".join(f"{n} {why}" for why, n in s["filtered_by"].items()) or "0"
    rows = [
        ("source", f"{s['source']}" + (f"  ({s['title']})" if s.get("title") else "")),
        ("listed", s["listed"]),
        ("already collected", s["known"]),
        ("left out by filters", filtered),
        ("collected now", s["ok"]),
        ("skipped (recorded)", s["skipped"]),
        ("failed (recorded)", s["failed"]),
        ("downloaded", decimal(s["bytes"])),
        ("audio collected", f"{s['audio_s'] / 60:.1f} min"),
        ("wall time", f"{s['wall_s']:.1f} s"),
    ]
    if s["kinds"]:
        rows.append(("by reason", ", ".join(f"{k}: {n}" for k, n in sorted(s["kinds"].items()))))
    console.print(table(f"videos v{s['version']}", ["", ""], rows))
    if s["failures"]:
        console.print(
            table(
                "not collected (retried on the next run)",
                ["video_id", "title", "status", "kind", "message"],
                [
                    (
                        f["video_id"],
                        (f["title"] or "")[:40],
                        f["status"],
                        f["error_kind"],
                        (f["error"] or "")[:100],
                    )
                    for f in s["failures"]
                ],
            )
        )
    for warning in s["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}")
