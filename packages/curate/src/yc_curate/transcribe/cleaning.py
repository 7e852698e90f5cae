"""Transcript text cleaning: whitespace, non-speech tags, repetition-loop (hallucination) detection."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

from yc_curate.transcribe.protocol import Segment

# [Music], [Applause], (laughs), ♪ ... ♪, >> speaker marks: captions and ASR both produce these.
_BRACKET_TAG = re.compile(r"\[[^\[\]]{0,40}\]")
_PAREN_TAG = re.compile(
    r"\((?:music|applause|laughter|laughs|laughing|inaudible|silence|cheering|clapping|sighs|coughs|"
    r"upbeat music|background music|music playing|no audio|blank_audio)\)",
    re.IGNORECASE,
)
_MUSIC_NOTES = re.compile(r"[♪♫♬]+")
_SPEAKER_MARK = re.compile(r"(^|\s)>>+\s*")
_SPACE = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")

#: Whisper's own threshold: text that gzip-compresses better than this is a repetition loop.
COMPRESSION_RATIO_THRESHOLD = 2.4
_WINDOW_CHARS = 600  # judge loops locally: long honest transcripts compress well as a whole


def clean_text(text: str) -> str:
    """Drop non-speech tags (``[Music]``, ``(applause)``, ``♪``, ``>>``) and normalise whitespace."""
    text = _BRACKET_TAG.sub(" ", text)
    text = _PAREN_TAG.sub(" ", text)
    text = _MUSIC_NOTES.sub(" ", text)
    text = _SPEAKER_MARK.sub(r"\1", text)
    text = _SPACE.sub(" ", text).strip()
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)


def clean_segments(segments: Sequence[Segment]) -> list[Segment]:
    """Clean each segment's text, drop segments left empty, order by start time."""
    out = []
    for s in segments:
        text = clean_text(s.text)
        if text:
            out.append(Segment(float(s.start), float(max(s.end, s.start)), text))
    return sorted(out, key=lambda s: (s.start, s.end))


def compression_ratio(text: str) -> float:
    """Bytes over zlib-compressed bytes (as Whisper computes it); 0 for empty text."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def max_compression_ratio(text: str, window: int = _WINDOW_CHARS) -> float:
    """The highest compression ratio over windows of ``window`` characters (whole text when shorter)."""
    if len(text) <= window:
        return compression_ratio(text) if len(text) >= 120 else 0.0  # short strings: ratio is noise
    step = window // 2
    return max(compression_ratio(text[i : i + window]) for i in range(0, len(text) - step, step))


def quality_flags(text: str, threshold: float = COMPRESSION_RATIO_THRESHOLD) -> list[str]:
    """Flags for a cleaned transcript: ``hallucination`` when some stretch of it loops."""
    return ["hallucination"] if max_compression_ratio(text) > threshold else []
