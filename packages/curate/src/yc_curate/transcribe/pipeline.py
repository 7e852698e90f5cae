"""Run a transcriber over many audio items and yield rows of the ``transcripts`` table."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from typing import Any

from yc_curate.transcribe.audio import EmptyAudio, probe_duration
from yc_curate.transcribe.cleaning import clean_segments, clean_text, quality_flags
from yc_curate.transcribe.errors import FatalTranscribeError
from yc_curate.transcribe.protocol import AudioItem, Transcriber, Transcript

log = logging.getLogger(__name__)

SummaryHook = Callable[[str, Transcript], None]


def params_hash(transcriber: Transcriber) -> str:
    """A stable 16-hex hash of backend, model and the options that change the output."""
    spec = {"backend": transcriber.name, "model": transcriber.model, **transcriber.params()}
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _row(item: AudioItem, tr: Transcriber, h: str, **fields: Any) -> dict[str, Any]:
    row = {
        "video_id": item.id,
        "backend": tr.name,
        "model": tr.model,
        "language": None,
        "language_prob": None,
        "text": "",
        "segments": [],
        "audio_s": item.duration_s,
        "wall_s": 0.0,
        "status": "failed",
        "flags": [],
        "error": None,
        "params_hash": h,
        "created_at": datetime.now(UTC),
    }
    row.update(fields)
    return row


def transcript_row(
    item: AudioItem, tr: Transcriber, h: str, result: Transcript, wall_s: float
) -> dict[str, Any]:
    """Clean a backend result into a ``transcripts`` row (status ok, or empty when no speech is left)."""
    text = clean_text(result.text)
    segments = clean_segments(result.segments)
    flags = list(result.flags) + quality_flags(text)
    if not text:
        flags.append("no-speech")
    return _row(
        item,
        tr,
        h,
        backend=result.backend or tr.name,
        model=result.model or tr.model,
        language=result.language,
        language_prob=result.language_prob,
        text=text,
        segments=[s.as_row() for s in segments],
        audio_s=result.audio_s if result.audio_s is not None else item.duration_s,
        wall_s=wall_s,
        status="ok" if text else "empty",
        flags=flags,
    )


def transcribe_one(item: AudioItem, tr: Transcriber, h: str, on_summary: SummaryHook | None = None) -> dict:
    """One item -> one row. Per-item problems become ``failed``/``empty`` rows; fatal ones raise."""
    t0 = time.perf_counter()
    try:
        outcome: Transcript | Exception = tr.transcribe(item)
    except FatalTranscribeError:
        raise
    except Exception as err:
        outcome = err
    return _outcome_row(item, tr, h, outcome, time.perf_counter() - t0, on_summary)


def transcribe_group(
    items: list[AudioItem], tr: Transcriber, h: str, on_summary: SummaryHook | None = None
) -> list[dict]:
    """Rows for ``items`` transcribed together (``tr.transcribe_many``); wall time is shared out by
    audio length. If the group as a whole fails, its items are tried one at a time."""
    if len(items) == 1:
        return [transcribe_one(items[0], tr, h, on_summary)]
    t0 = time.perf_counter()
    try:
        outcomes = tr.transcribe_many(items)  # type: ignore[attr-defined]
    except FatalTranscribeError:
        raise
    except Exception as err:
        log.warning("transcribing %d items together failed (%s); one at a time", len(items), err)
        return [transcribe_one(item, tr, h, on_summary) for item in items]
    wall = time.perf_counter() - t0
    seconds = [(o.audio_s or 0.0) if isinstance(o, Transcript) else 0.0 for o in outcomes]
    total = sum(seconds) or 1.0
    return [
        _outcome_row(item, tr, h, outcome, wall * s / total, on_summary)
        for item, outcome, s in zip(items, outcomes, seconds, strict=True)
    ]


def _outcome_row(
    item: AudioItem,
    tr: Transcriber,
    h: str,
    outcome: Transcript | Exception,
    wall_s: float,
    on_summary: SummaryHook | None,
) -> dict:
    if isinstance(outcome, EmptyAudio):
        return _row(
            item, tr, h, status="empty", audio_s=0.0, flags=["zero-length"], error=str(outcome), wall_s=wall_s
        )
    if isinstance(outcome, Exception):
        log.warning("transcription of %s failed: %s", item.id, outcome)
        message = str(outcome).splitlines()[0] if str(outcome) else type(outcome).__name__
        return _row(item, tr, h, status="failed", error=message[:300], wall_s=wall_s)
    row = transcript_row(item, tr, h, outcome, wall_s)
    if on_summary is not None and outcome.summary:
        on_summary(item.id, outcome)
    return row


GROUP_MAX_S = 600.0  # at most this much audio is transcribed as one group (memory; time to the first rows)


def groups(items: list[AudioItem], tr: Transcriber, workers: int) -> Iterator[list[AudioItem]]:
    """``items`` in order, in groups for :func:`transcribe_group`.

    A transcriber with ``group_size`` > 1 (faster-whisper's chunked mode) decodes the chunks of a group
    together, so many short files fill its batches. Groups hold at most ``group_size`` items,
    ``GROUP_MAX_S`` seconds of audio and an even share of the items per worker, so that no worker idles
    while another finishes a large last group. Other transcribers get one item at a time."""
    size = min(getattr(tr, "group_size", 1), -(-len(items) // workers))
    group: list[AudioItem] = []
    seconds = 0.0
    for item in items:
        d = _seconds(item) if size > 1 else 0.0
        if group and (len(group) >= size or seconds + d > GROUP_MAX_S):
            yield group
            group, seconds = [], 0.0
        group.append(item)
        seconds += d
    if group:
        yield group


def _seconds(item: AudioItem) -> float:
    """The item's duration, probed when unknown; unreadable files count as too long to group."""
    if item.duration_s is not None:
        return item.duration_s
    try:
        return probe_duration(item.path) if item.path is not None else math.inf
    except Exception:
        return math.inf


def transcribe_files(
    items: Iterable[AudioItem],
    transcriber: Transcriber,
    *,
    workers: int | None = None,
    on_summary: SummaryHook | None = None,
) -> Iterator[dict[str, Any]]:
    """Transcribe ``items`` and yield one ``transcripts`` row per item, in completion order.

    Up to ``workers`` (default: the transcriber's) jobs run at once; a job is one item, or a group of
    short ones (:func:`groups`). Each row has the columns of ``yc_cli.tables.TRANSCRIPTS``: status ``ok`` |
    ``empty`` | ``failed``, ``flags`` (``hallucination``, ``no-speech``, ``zero-length``), ``error``.
    ``on_summary(item_id, transcript)`` is called for results that carry a summary (Deepgram with
    ``summarize=True``). Fatal errors (bad key, missing model) raise.
    """
    h = params_hash(transcriber)
    n = max(1, workers or getattr(transcriber, "workers", 1))
    jobs = groups(list(items), transcriber, n)
    if n == 1:
        for job in jobs:
            yield from transcribe_group(job, transcriber, h, on_summary)
        return
    pending: set[Future] = set()
    with ThreadPoolExecutor(max_workers=n, thread_name_prefix="transcribe") as pool:
        try:
            while True:
                while len(pending) < n and (job := next(jobs, None)) is not None:
                    pending.add(pool.submit(transcribe_group, job, transcriber, h, on_summary))
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield from fut.result()
        finally:
            for fut in pending:
                fut.cancel()
