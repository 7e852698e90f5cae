"""Speech to text for any list of audio files: one Protocol, several backends, clean rows out.

>>> from yc_curate.transcribe import AudioItem, get_transcriber, transcribe_files
>>> tr = get_transcriber("faster-whisper", model="tiny.en")            # doctest: +SKIP
>>> rows = list(transcribe_files([AudioItem("a", "a.wav")], tr))        # doctest: +SKIP

Backends (registry :data:`BACKENDS`): ``faster-whisper`` (default), ``whisper`` (openai-whisper),
``deepgram`` (nova-3, optional summaries), ``captions`` (YouTube captions with an ASR fallback).
"""

from yc_curate.transcribe.audio import probe_duration
from yc_curate.transcribe.cleaning import clean_text, compression_ratio, quality_flags
from yc_curate.transcribe.errors import FatalTranscribeError, ModelNotAvailableError, TranscribeError
from yc_curate.transcribe.pipeline import params_hash, transcribe_files, transcript_row
from yc_curate.transcribe.protocol import AudioItem, Segment, Transcriber, Transcript
from yc_curate.transcribe.registry import BACKENDS, DEFAULT_BACKEND, backend_class, get_transcriber

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "AudioItem",
    "FatalTranscribeError",
    "ModelNotAvailableError",
    "Segment",
    "TranscribeError",
    "Transcriber",
    "Transcript",
    "backend_class",
    "clean_text",
    "compression_ratio",
    "get_transcriber",
    "params_hash",
    "probe_duration",
    "quality_flags",
    "transcribe_files",
    "transcript_row",
]
