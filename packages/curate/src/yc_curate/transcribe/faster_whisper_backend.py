"""faster-whisper (CTranslate2): int8 on CPU, float16 on GPU; yc's chunked decoding, sequential or batched."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from yc_curate.errors import CurateError
from yc_curate.transcribe.audio import SAMPLE_RATE, load_audio
from yc_curate.transcribe.chunked import transcribe_chunked
from yc_curate.transcribe.errors import TranscribeError
from yc_curate.transcribe.hardware import plan
from yc_curate.transcribe.heap import retain_freed_memory
from yc_curate.transcribe.models import DEFAULT_CT2_MODEL, resolve_ct2_model
from yc_curate.transcribe.protocol import AudioItem, Segment, Transcript

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

log = logging.getLogger(__name__)


class FasterWhisperTranscriber:
    """Whisper through faster-whisper.

    ``mode``:

    - ``"chunked"`` (default): :mod:`yc_curate.transcribe.chunked`. VAD chunks of up to 30 s are each
      encoded once (short ones cut short) and decoded together without timestamp tokens. Chunks that decode
      badly are decoded again sequentially. Segments are the speech chunks.
    - ``"sequential"``: ``WhisperModel.transcribe`` (faster-whisper's README use, plus VAD). It is slower,
      and gives Whisper's sentence-level segment timestamps.
    - ``"batched"``: faster-whisper's ``BatchedInferencePipeline`` (VAD chunks padded to 30 s, decoded
      ``batch_size`` at a time, with timestamp tokens).

    ``beam_size`` is 3 by default. On ``bench/transcribe`` beam 5 (faster-whisper's default) gives 0.005
    less WER for 30% more time; pass it where that matters more.

    On CPU, ``workers`` files run at once with ``threads`` intra-op threads each
    (:func:`yc_curate.transcribe.hardware.plan`), and the process keeps freed heap memory for reuse
    (:mod:`yc_curate.transcribe.heap`).

    ``model``: a name (``tiny.en``, ``small``, ``large-v3``, an HF repo id) or a local CTranslate2 folder;
    ``download=False`` refuses to download a name that is not cached.
    """

    name = "faster-whisper"
    MODES = ("chunked", "sequential", "batched")

    def __init__(
        self,
        model: str | None = None,
        *,
        device: str = "auto",
        compute_type: str | None = None,
        beam_size: int = 3,
        mode: str = "chunked",
        batch_size: int | None = None,
        vad: bool = True,
        language: str | None = None,
        workers: int | None = None,
        threads: int | None = None,
        download: bool = True,
        download_root: str | None = None,
    ) -> None:
        if mode not in self.MODES:
            raise CurateError(f"unknown faster-whisper mode '{mode}'", f"use one of: {', '.join(self.MODES)}")
        if mode == "chunked" and not vad:
            raise CurateError(
                "the chunked mode cuts audio with VAD", "turn VAD off only with --mode sequential"
            )
        self.model = model or DEFAULT_CT2_MODEL
        self.plan = plan(device, workers, threads, batch_size)
        self.workers = self.plan.workers
        self.compute_type = compute_type or ("float16" if self.plan.device == "cuda" else "int8")
        self.beam_size = beam_size
        self.mode = mode
        self.vad = vad
        self.language = language
        # Resolve now (a missing model fails before any work), load on first use (hashing stays cheap).
        self.path = resolve_ct2_model(model, download=download, download_root=download_root)
        self._model: WhisperModel | None = None
        self._lock = threading.Lock()
        self._local = threading.local()  # one pipeline per worker thread (it keeps a little state)

    def _whisper(self):
        with self._lock:
            if self._model is None:
                from faster_whisper import WhisperModel

                if self.plan.device == "cpu":
                    retain_freed_memory()  # see yc_curate.transcribe.heap: ~10% of CPU time

                self._model = WhisperModel(
                    str(self.path),
                    device=self.plan.device,
                    compute_type=self.compute_type,
                    cpu_threads=self.plan.threads if self.plan.device == "cpu" else 0,
                    num_workers=self.plan.workers,
                )
                log.info(
                    "faster-whisper %s on %s (%s): %s",
                    self.model,
                    self.plan.device,
                    self.compute_type,
                    self.plan,
                )
            return self._model

    def params(self) -> dict[str, Any]:
        """Options that change the output (device, threads and batch size only change speed)."""
        return {"beam_size": self.beam_size, "mode": self.mode, "vad": self.vad, "language": self.language}

    def _pipeline(self):
        pipe = getattr(self._local, "pipeline", None)
        if pipe is None:
            from faster_whisper import BatchedInferencePipeline

            pipe = self._local.pipeline = BatchedInferencePipeline(self._whisper())
        return pipe

    @property
    def group_size(self) -> int:
        """How many items :meth:`transcribe_many` may take at once (their chunks share decoding batches)."""
        return self.plan.batch_size if self.mode == "chunked" else 1

    def transcribe_many(self, items: Sequence[AudioItem]) -> list[Transcript | Exception]:
        """Chunked mode: the chunks of all ``items`` decoded together. One result per item, in order: its
        Transcript, or the exception its audio raised (a missing, empty or corrupt file)."""
        audios: list[np.ndarray | Exception] = []
        for item in items:
            try:
                audios.append(_load(item))
            except Exception as err:
                audios.append(err)
        decoded = iter(
            transcribe_chunked(
                self._whisper(),
                [a for a in audios if not isinstance(a, Exception)],
                beam_size=self.beam_size,
                language=self.language,
                batch_size=self.plan.batch_size,
            )
        )
        out: list[Transcript | Exception] = []
        for item, audio in zip(items, audios, strict=True):
            if isinstance(audio, Exception):
                out.append(audio)
                continue
            segs, language, probability, redone = next(decoded)
            if redone:
                log.info("%s: %d chunk(s) decoded again sequentially", item.id, redone)
            out.append(_transcript(segs, language, probability, audio))
        return out

    def transcribe(self, item: AudioItem) -> Transcript:
        if self.mode == "chunked":
            [result] = self.transcribe_many([item])
            if isinstance(result, Exception):
                raise result
            return result
        audio = _load(item)
        if self.mode == "batched":
            segments, info = self._pipeline().transcribe(
                audio,
                language=self.language,
                beam_size=self.beam_size,
                batch_size=self.plan.batch_size,
                vad_filter=self.vad,
                without_timestamps=False,
            )
        else:
            segments, info = self._whisper().transcribe(
                audio, language=self.language, beam_size=self.beam_size, vad_filter=self.vad
            )
        segs = [Segment(s.start, s.end, s.text) for s in segments]  # the generator decodes here
        return _transcript(segs, info.language, float(info.language_probability), audio)


def _load(item: AudioItem) -> np.ndarray:
    if item.path is None:
        raise TranscribeError(
            f"{item.id} has no audio file", "collect its audio (yc collect), or use captions"
        )
    return load_audio(item.path)


def _transcript(
    segments: list[Segment], language: str | None, probability: float | None, audio: np.ndarray
) -> Transcript:
    return Transcript(
        text=" ".join(s.text.strip() for s in segments),
        segments=segments,
        language=language,
        language_prob=probability,
        audio_s=len(audio) / SAMPLE_RATE,
    )
