"""Collect listed entries: resolve, download best audio, convert, fetch captions; one row per entry.

Work runs on ``options.workers`` threads (downloads are network-bound, conversion runs in ffmpeg
subprocesses). Each entry is retried with exponential backoff on retryable failures (network, rate
limiting, 403); any other failure becomes a ``failed`` row and the run goes on. Rows are yielded as
entries finish, so a caller can commit them in batches; audio is published before its row is yielded.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Callable, Collection, Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from yc_collect import audio, captions, feeds, rows
from yc_collect.failures import Failure, VideoFailure, availability_failure, classify_error, failure
from yc_collect.listing import Entry
from yc_collect.options import CollectOptions
from yc_collect.ytdl_session import CookieCopy, Sessions

log = logging.getLogger(__name__)

OnProgress = Callable[[str, int, int | None], None]  # (video_id, new bytes, expected total bytes or None)


class _Cancelled(Exception):
    pass


class _Run:
    """State shared by the workers of one :func:`collect` call."""

    def __init__(
        self,
        options: CollectOptions,
        audio_dir: Path,
        relative_to: Path,
        on_progress: OnProgress | None,
        stop: threading.Event,
    ) -> None:
        self.options = options
        self.audio_dir = audio_dir
        self.relative_to = relative_to
        self.on_progress = on_progress
        self.stop = stop
        self.local = threading.local()
        self.sessions: Sessions | None = None

    # yt-dlp calls this from the worker's thread while downloading
    def hook(self, d: dict[str, Any]) -> None:
        if self.stop.is_set():
            raise _Cancelled("the run was stopped")
        if self.on_progress is None:
            return
        info = d.get("info_dict") or {}
        vid = info.get("yc_file_id") or info.get("id") or "?"
        done = int(d.get("downloaded_bytes") or 0)
        seen = self.local.__dict__.setdefault("bytes", {})
        last = seen.get(vid, 0)
        if done > last:
            seen[vid] = done
            self.on_progress(vid, done - last, d.get("total_bytes") or d.get("total_bytes_estimate"))

    def pause(self) -> None:
        """``--sleep`` between the videos a worker handles."""
        if self.options.sleep_s and getattr(self.local, "busy", False):
            self.stop.wait(self.options.sleep_s)
        self.local.busy = True

    def audio_path(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.relative_to)).as_posix()


def _attach_audio(run: _Run, row: dict[str, Any], file: audio.AudioFile) -> None:
    row.update(audio_path=run.audio_path(file.path), audio_sha256=file.sha256, audio_s=file.seconds)
    if row.get("duration_s") is None and file.seconds is not None:
        row["duration_s"] = file.seconds


def _local(run: _Run, entry: Entry) -> dict[str, Any]:
    assert entry.path is not None
    row = rows.metadata_row(entry.video_id, entry.source, entry.info, channel=entry.channel)
    row["extractor"] = "local"
    final = audio.final_path(run.audio_dir, entry.video_id, run.options)
    if run.options.reuse_audio and final.is_file():
        file = audio.describe(final)
    else:
        file = audio.convert(entry.path, run.audio_dir, entry.video_id, run.options)
    _attach_audio(run, row, file)
    if run.on_progress:
        run.on_progress(entry.video_id, entry.path.stat().st_size, None)
    row["status"] = "ok"
    return row


def _remote(run: _Run, entry: Entry, attempt: int) -> dict[str, Any]:
    assert run.sessions is not None
    opts = run.options
    early = availability_failure(entry.info, has_cookies=opts.cookies is not None)
    if early:
        return rows.with_failure(
            rows.metadata_row(entry.video_id, entry.source, entry.info, channel=entry.channel, url=entry.url),
            early,
        )
    # a retry extracts again from the flat entry: format URLs of some sites expire
    info = run.sessions.resolve(entry.info if entry.resolved and attempt == 0 else entry.flat)
    row = rows.metadata_row(entry.video_id, entry.source, info, channel=entry.channel, url=entry.url)
    late = availability_failure(info, has_cookies=opts.cookies is not None)
    if late:
        return rows.with_failure(row, late)
    if opts.audio:
        final = audio.final_path(run.audio_dir, entry.video_id, opts)
        if opts.reuse_audio and final.is_file():  # published by a run killed before its row was committed
            file = audio.describe(final)
        else:
            if not info.get("formats") and not info.get("url"):
                raise VideoFailure("no_audio", "no downloadable formats")
            file, used = _download(run, entry, info)
            row["source_url"] = rows.source_url(used, entry.url)
        _attach_audio(run, row, file)
    if opts.captions:
        row["captions"] = _captions(run, entry, info)
        if not opts.audio and row["captions"] is None:
            raise VideoFailure("no_captions", f"no captions in {', '.join(opts.languages)}")
    row["status"] = "ok"
    return row


# a feed item's other media are tried when its chosen one is missing, refused or has no audio
_NEXT_MEDIA = frozenset({"not_found", "forbidden", "no_audio", "convert", "unsupported"})


def _download(run: _Run, entry: Entry, info: dict[str, Any]) -> tuple[audio.AudioFile, dict[str, Any]]:
    """Download and convert ``info``'s media; then a feed item's other enclosures, in preference order."""
    assert run.sessions is not None
    others = [m for m in info.get("yc_enclosures") or [] if m["url"] != info.get("url")]
    while True:
        src: Path | None = None
        try:
            src = run.sessions.download(info, entry.video_id)
            return audio.convert(src, run.audio_dir, entry.video_id, run.options), info
        except Exception as err:
            if not others or classify_error(err).kind not in _NEXT_MEDIA:
                raise
            log.info("%s: %s failed (%s); trying %s", entry.video_id, info["url"], err, others[0]["url"])
            info = run.sessions.resolve(feeds.use_media(entry.flat, others.pop(0)))
        finally:
            if src is not None:
                src.unlink(missing_ok=True)


def _captions(run: _Run, entry: Entry, info: dict[str, Any]) -> dict[str, Any] | None:
    assert run.sessions is not None
    track = captions.choose_track(info, run.options.languages)
    if track is None:
        return None
    try:
        return captions.fetch(track, run.sessions.urlopen)
    except Exception as err:
        log.warning("%s: captions (%s, %s) could not be read: %s", entry.video_id, track.lang, track.ext, err)
        if not run.options.audio:
            raise
        return None


def _one(run: _Run, entry: Entry) -> dict[str, Any]:
    """Collect one entry; never raises (failures become rows)."""
    run.pause()
    opts = run.options
    last: Failure | None = None
    for attempt in range(opts.retries + 1):
        if run.stop.is_set():
            last = failure("cancelled", "the run was stopped")
            break
        try:
            return _local(run, entry) if entry.is_local else _remote(run, entry, attempt)
        except BaseException as err:
            if isinstance(err, KeyboardInterrupt | SystemExit):
                raise
            last = failure("cancelled", str(err)) if _cancelled(err) else classify_error(err)
            log.debug("%s: attempt %d failed (%s): %s", entry.video_id, attempt + 1, last.kind, last.message)
            if not last.retryable or attempt == opts.retries:
                break
            delay = opts.backoff_s * (2**attempt) * (0.75 + random.random() / 2)
            if run.stop.wait(delay):
                break
    assert last is not None
    row = rows.metadata_row(entry.video_id, entry.source, entry.info, channel=entry.channel, url=entry.url)
    return rows.with_failure(row, last)


def _cancelled(err: BaseException) -> bool:
    cur: BaseException | None = err
    for _ in range(6):
        if cur is None:
            return False
        if isinstance(cur, _Cancelled):
            return True
        inner = getattr(cur, "exc_info", None)
        cur = inner[1] if isinstance(inner, tuple) and len(inner) > 1 else cur.__cause__ or cur.__context__
    return False


def collect(
    entries: Iterable[Entry],
    audio_dir: str | Path,
    options: CollectOptions | None = None,
    *,
    skip_ids: Collection[str] = (),
    relative_to: str | Path | None = None,
    on_progress: OnProgress | None = None,
    stop: threading.Event | None = None,
) -> Generator[dict[str, Any], None, None]:
    """Collect ``entries`` (from :func:`~yc_collect.list_source`), yielding one ``videos`` row per entry
    as it finishes (not in listing order).

    Audio goes to ``audio_dir/<video_id>.<ext>`` and ``audio_path`` is relative to ``relative_to``
    (default: the parent of ``audio_dir``, so a workspace's ``audio/`` gives ``audio/<id>.opus``).
    Entries whose id is in ``skip_ids`` are not touched. ``on_progress(video_id, new_bytes, total)`` is
    called from worker threads as bytes arrive. Setting ``stop`` (or closing the generator) cancels
    queued entries and aborts running downloads.
    """
    options = (options or CollectOptions()).validate()
    audio_dir = Path(audio_dir)
    todo = [e for e in entries if e.video_id not in skip_ids]
    if not todo:
        return
    if options.audio:
        audio.require_ffmpeg()
        audio.partial_dir(audio_dir).mkdir(parents=True, exist_ok=True)
        audio.clean_partials(audio_dir)
    stop = stop or threading.Event()
    run = _Run(options, audio_dir, Path(relative_to) if relative_to else audio_dir.parent, on_progress, stop)
    with CookieCopy(options.cookies) as cookiefile:
        run.sessions = Sessions(
            options, partial_dir=audio.partial_dir(audio_dir), cookiefile=cookiefile, progress_hook=run.hook
        )
        pool = ThreadPoolExecutor(
            max_workers=min(options.workers, len(todo)), thread_name_prefix="yc-collect"
        )
        pending: set[Future[dict[str, Any]]] = set()
        queue = iter(todo)
        finished = False
        try:
            # keep at most 2 × workers submitted so a stop cancels quickly and memory stays flat
            for entry in queue:
                pending.add(pool.submit(_one, run, entry))
                if len(pending) >= 2 * options.workers:
                    break
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
                    if not stop.is_set():
                        nxt = next(queue, None)
                        if nxt is not None:
                            pending.add(pool.submit(_one, run, nxt))
            finished = True
        finally:
            if not finished:  # closed early or failed: abort what is running, drop what is queued
                stop.set()
            for fut in pending:
                fut.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            run.sessions.close()
