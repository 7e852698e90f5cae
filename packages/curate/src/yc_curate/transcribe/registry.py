"""Backend registry: name -> "module:Class", imported only when selected."""

from __future__ import annotations

import difflib
import importlib
import importlib.util
from typing import Any

from yc_curate.errors import CurateError, MissingExtraError
from yc_curate.transcribe.protocol import Transcriber

#: Registry of transcription backends. Values are imported lazily by :func:`get_transcriber`.
BACKENDS: dict[str, str] = {
    "faster-whisper": "yc_curate.transcribe.faster_whisper_backend:FasterWhisperTranscriber",
    "whisper": "yc_curate.transcribe.whisper_backend:WhisperTranscriber",
    "deepgram": "yc_curate.transcribe.deepgram_backend:DeepgramTranscriber",
    "captions": "yc_curate.transcribe.captions_backend:CaptionsTranscriber",
}

DEFAULT_BACKEND = "faster-whisper"

# The third-party module each backend needs and the yc-curate extra that installs it.
_EXTRAS = {
    "faster-whisper": ("faster_whisper", "faster-whisper"),
    "whisper": ("whisper", "whisper"),
    "deepgram": ("deepgram", "deepgram"),
}


def backend_class(name: str) -> type:
    """The class registered under ``name`` (did-you-mean for unknown names; MissingExtraError if not installed)."""
    if name not in BACKENDS:
        close = difflib.get_close_matches(name, BACKENDS, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"backends: {', '.join(BACKENDS)}"
        raise CurateError(f"unknown transcription backend '{name}'", hint)
    if name in _EXTRAS:
        module, extra = _EXTRAS[name]
        if importlib.util.find_spec(module) is None:
            raise MissingExtraError(f"the '{name}' backend", extra)
    mod_name, cls_name = BACKENDS[name].split(":")
    return getattr(importlib.import_module(mod_name), cls_name)


def get_transcriber(name: str = DEFAULT_BACKEND, model: str | None = None, **opts: Any) -> Transcriber:
    """Build a transcriber by registry name, e.g. ``get_transcriber("faster-whisper", model="small")``.

    ``opts`` are the backend's keyword options (see each backend class). ``model`` may be a name or a path.
    """
    return backend_class(name)(model=model, **opts)
