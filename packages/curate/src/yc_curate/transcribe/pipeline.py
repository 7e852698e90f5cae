"""Run a transcriber over many audio items and yield rows of the ``transcripts`` table."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from typing import Any

from yc_curate.transcribe.audio import EmptyAudio
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
        result = tr.transcribe(item)
    except FatalTranscribeError:
        raise
    except EmptyAudio as err:
        return _row(
            item,
            tr,
            h,
            status="empty",
            audio_s=0.0,
            flags=["zero-length"],
            error=str(err),
            wall_s=time.perf_counter() - t0,
        )
    except Exception as err:
        log.warning("transcription of %s failed: %s", item.id, err)
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        return _row(item, tr, h, status="failed", error=message[:300], wall_s=time.perf_counter() - t0)
    row = transcript_row(item, tr, h, result, time.perf_counter() - t0)
    if on_summary is not None and result.summary:
        on_summary(item.id, result)
    return row


def transcribe_files(
    items: Iterable[AudioItem],
    transcriber: Transcriber,
    *,
    workers: int | None = None,
    on_summary: SummaryHook | None = None,
) -> Iterator[dict[str, Any]]:
    """Transcribe ``items`` and yield one ``transcripts`` row per item, in completion order.

    Up to ``workers`` (default: the transcriber's) items run at once. Each row has the columns of
    ``yc_cli.tables.TRANSCRIPTS``: status ``ok`` | ``empty`` | ``failed``, ``flags`` (``hallucination``,
    ``no-speech``, ``zero-length``), ``error``. ``on_summary(item_id, transcript)`` is called for results
    that carry a summary (Deepgram with ``summarize=True``). Fatal errors (bad key, missing model) raise.
    """
    h = params_hash(transcriber)
    n = max(1, workers or getattr(transcriber, "workers", 1))
    if n == 1:
        for item in items:
            yield transcribe_one(item, transcriber, h, on_summary)
        return
    pending: set[Future] = set()
    it = iter(items)
    with ThreadPoolExecutor(max_workers=n, thread_name_prefix="transcribe") as pool:
        try:
            while True:
                while len(pending) < n and (item := next(it, None)) is not None:
                    pending.add(pool.submit(transcribe_one, item, transcriber, h, on_summary))
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
        finally:
            for fut in pending:
                fut.cancel()
