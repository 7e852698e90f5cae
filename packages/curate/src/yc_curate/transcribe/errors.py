"""Transcription errors: per-item failures become ``failed`` rows; fatal ones stop the run."""

from __future__ import annotations

from yc_curate.errors import CurateError


class TranscribeError(CurateError):
    """One item could not be transcribed (recorded as a ``failed`` row, the run goes on)."""


class FatalTranscribeError(CurateError):
    """A problem every item would hit (bad API key, missing model): the run stops."""


class ModelNotAvailableError(FatalTranscribeError):
    """A named model is not cached and cannot be downloaded."""

    def __init__(self, model: str, backend: str, why: str) -> None:
        super().__init__(
            f"{backend} model '{model}' is not cached and cannot be downloaded ({why})",
            hint="pass a local model folder/file with --model PATH, or allow downloading "
            "(unset HF_HUB_OFFLINE, drop --no-download, connect to the network)",
        )
