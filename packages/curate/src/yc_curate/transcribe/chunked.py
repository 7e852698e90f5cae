"""yc's chunked Whisper decoding: the faster-whisper backend's default mode.

The Whisper encoder costs the same for every 30 s window, however much of the window is speech. On a CPU it
is half the work. faster-whisper's sequential ``transcribe`` slides overlapping windows over the audio and
decodes timestamp tokens in each one. Its batched pipeline pads every chunk to 30 s. yc does this instead:

1. Silero VAD (faster-whisper's) finds the speech, which is merged at pauses into chunks of up to 30 s.
2. Each chunk is encoded once. A short chunk (the tail of a file, a Short) is cut to its speech plus at
   least 2 s of padding, in 5 s buckets, so a 5 s tail costs about a sixth of a window.
3. The chunks of a file, or of several short files, are decoded together, in batches, without timestamp
   tokens (beam 3 by default).
4. A chunk that decodes badly is decoded again with faster-whisper's sequential decoder (timestamps,
   temperature fallback). "Badly" means a low average log-probability, a repetition loop (high compression
   ratio), or far too few words for its speech: tiny models sometimes end a window early.

Segments are the chunks (VAD start and end in the original audio). A re-decoded chunk gives the sequential
decoder's finer segments instead, mapped back to the original audio. ``bench/transcribe`` measures this
mode against faster-whisper used the way its README shows.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from yc_curate.transcribe.audio import SAMPLE_RATE
from yc_curate.transcribe.protocol import Segment

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

MAX_CHUNK_S = 30.0
WINDOW_FRAMES = 3000  # feature frames in Whisper's 30 s window (100 per second)
PAD_FRAMES = 200  # a short chunk keeps at least 2 s of padding after its speech
BUCKET_FRAMES = 500  # and is padded up to a multiple of 5 s, so chunks of similar length batch together


@dataclass(frozen=True)
class Thresholds:
    """When a chunk is decoded again with the sequential decoder (Whisper's own fallback thresholds)."""

    logprob_min: float = -1.0  # average log-probability per token
    compression_max: float = 2.4  # zlib compression ratio of the text (repetition loops compress well)
    min_words_per_s: float = 0.2  # for chunks of at least 5 s of speech

    def redo(self, text: str, avg_logprob: float, speech_s: float) -> bool:
        raw = text.encode()
        compression = len(raw) / max(1, len(zlib.compress(raw)))
        too_few = speech_s >= 5.0 and len(text.split()) < self.min_words_per_s * speech_s
        return avg_logprob < self.logprob_min or compression > self.compression_max or too_few


@dataclass(frozen=True)
class Chunk:
    """Speech spans (sample ranges of the original audio) decoded as one piece, and their samples."""

    spans: tuple[tuple[int, int], ...]
    audio: np.ndarray

    @property
    def start(self) -> float:
        return self.spans[0][0] / SAMPLE_RATE

    @property
    def end(self) -> float:
        return self.spans[-1][1] / SAMPLE_RATE

    def to_original(self, t: float) -> float:
        """A time inside the chunk's (silence-free) audio, in seconds of the original audio."""
        left = round(t * SAMPLE_RATE)
        for start, end in self.spans:
            if left <= end - start:
                return (start + left) / SAMPLE_RATE
            left -= end - start
        return self.end


def speech_chunks(audio: np.ndarray, max_s: float = MAX_CHUNK_S) -> list[Chunk]:
    """Speech of ``audio`` (16 kHz mono) merged, in order, into chunks of at most ``max_s`` seconds."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(max_speech_duration_s=max_s, min_silence_duration_ms=160)
    groups: list[list[tuple[int, int]]] = []
    size, limit = 0, int(max_s * SAMPLE_RATE)
    for span in get_speech_timestamps(audio, options):
        start, end = int(span["start"]), int(span["end"])
        if not groups or size + end - start > limit:
            groups.append([])
            size = 0
        groups[-1].append((start, end))
        size += end - start
    return [Chunk(tuple(g), np.concatenate([audio[a:b] for a, b in g])) for g in groups]


def encoder_frames(frames: int) -> int:
    """Encoder input length for a chunk of ``frames`` feature frames (see the module docstring, step 2)."""
    padded = -(-(frames + PAD_FRAMES) // BUCKET_FRAMES) * BUCKET_FRAMES
    return min(WINDOW_FRAMES, padded)


Result = tuple[list[Segment], str | None, float | None, int]


def transcribe_chunked(
    model: WhisperModel,
    audios: Sequence[np.ndarray],
    *,
    beam_size: int = 3,
    language: str | None = None,
    batch_size: int = 8,
    thresholds: Thresholds | None = None,
) -> list[Result]:
    """``(segments, language, language probability, chunks decoded again)`` for each 16 kHz mono audio.

    The chunks of all ``audios`` are decoded together, ``batch_size`` at a time, so many short files
    (Shorts, clips) fill a batch as well as one long file does. Without speech there is nothing to detect a
    language from: it is then the given one, English for an English-only model, else None."""
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_suppressed_tokens

    thresholds = thresholds or Thresholds()
    files = [speech_chunks(a) for a in audios]
    feats = [[model.feature_extractor(c.audio)[..., :-1] for c in chunks] for chunks in files]
    languages = [_language(model, f, language) for f in feats]
    tokenizers = {
        lang: Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=lang)
        for lang in {languages[k][0] for k, fs in enumerate(feats) if fs}  # files with speech
    }
    prompts = {lang: model.get_prompt(tok, [], without_timestamps=True) for lang, tok in tokenizers.items()}
    tokenizer = next(iter(tokenizers.values()), None)  # text tokens decode the same in every language
    suppress = get_suppressed_tokens(tokenizer, [-1]) if tokenizer else []

    decoded = [[("", 0.0)] * len(fs) for fs in feats]  # (text, average log-probability) per chunk
    by_length: dict[int, list[tuple[int, int]]] = {}  # encoder frames -> (file, chunk)
    for k, fs in enumerate(feats):
        for j, f in enumerate(fs):
            by_length.setdefault(encoder_frames(f.shape[-1]), []).append((k, j))
    for frames, members in by_length.items():
        for n in range(0, len(members), batch_size):
            batch = members[n : n + batch_size]
            results = model.model.generate(
                _encode(model, [feats[k][j] for k, j in batch], frames),
                [prompts[languages[k][0]] for k, _j in batch],
                beam_size=beam_size,
                max_length=model.max_length,
                suppress_blank=True,
                suppress_tokens=suppress,
                return_scores=True,
            )
            for (k, j), r in zip(batch, results, strict=True):
                decoded[k][j] = (tokenizer.decode(r.sequences_ids[0]).strip(), float(r.scores[0]))

    out: list[Result] = []
    for chunks, texts, (lang, probability) in zip(files, decoded, languages, strict=True):
        segments: list[Segment] = []
        redone = 0
        for chunk, (text, logprob) in zip(chunks, texts, strict=True):
            if thresholds.redo(text, logprob, len(chunk.audio) / SAMPLE_RATE):
                redone += 1
                again, _info = model.transcribe(
                    chunk.audio, language=lang, beam_size=beam_size, vad_filter=False
                )
                segments += [
                    Segment(chunk.to_original(s.start), chunk.to_original(s.end), s.text) for s in again
                ]
            elif text:
                segments.append(Segment(chunk.start, chunk.end, text))
        out.append((segments, lang, probability, redone))
    return out


def _encode(model: WhisperModel, features: list[np.ndarray], frames: int):
    """Encoder outputs of ``features``, each cut or zero-padded to ``frames``, as one batch.

    On CPU the chunks are encoded one at a time: the encoder's attention buffers grow with the batch, and
    glibc serves allocations over 64 MB from fresh memory maps (page faults on every call)."""
    x = np.zeros((len(features), features[0].shape[0], frames), dtype=np.float32)
    for row, f in enumerate(features):
        n = min(frames, f.shape[-1])
        x[row, :, :n] = f[:, :n]
    if model.model.device != "cpu":
        return model.encode(x)
    import ctranslate2

    return ctranslate2.StorageView.from_array(np.concatenate([np.asarray(model.encode(r[None])) for r in x]))


def _language(
    model: WhisperModel, features: list[np.ndarray], language: str | None
) -> tuple[str | None, float | None]:
    if language or not model.model.is_multilingual:
        return language or "en", 1.0
    if not features:  # no speech: nothing to detect a language from
        return None, None
    detected, probability, _all = model.detect_language(features=np.concatenate(features, axis=1))
    return detected, float(probability)
