"""openai-whisper (PyTorch): a model by name (cached or downloaded) or a local checkpoint file."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from yc_curate.transcribe.audio import SAMPLE_RATE, load_audio
from yc_curate.transcribe.errors import FatalTranscribeError, ModelNotAvailableError
from yc_curate.transcribe.hardware import cuda_available
from yc_curate.transcribe.models import looks_like_path
from yc_curate.transcribe.protocol import AudioItem, Segment, Transcript

log = logging.getLogger(__name__)

DEFAULT_WHISPER_MODEL = "base"


class WhisperTranscriber:
    """Whisper through the ``openai-whisper`` package (``whisper.transcribe``), one file at a time.

    ``model``: a name from ``whisper.available_models()`` (looked up in ``download_root``, default
    ``~/.cache/whisper``, downloaded when allowed) or a checkpoint file ``{"dims", "model_state_dict"}``.
    ``decode_options`` go to ``whisper.DecodingOptions`` (e.g. ``sample_len``, ``beam_size``);
    ``temperature`` may be one value or the fallback tuple.
    """

    name = "whisper"
    workers = 1  # PyTorch already uses every core for one file

    def __init__(
        self,
        model: str | None = None,
        *,
        device: str = "auto",
        language: str | None = None,
        beam_size: int | None = None,
        temperature: float | tuple[float, ...] | None = None,
        decode_options: dict[str, Any] | None = None,
        download: bool = True,
        download_root: str | None = None,
    ) -> None:
        import whisper

        self.model = model or DEFAULT_WHISPER_MODEL
        self.device = ("cuda" if cuda_available() else "cpu") if device == "auto" else device
        self.language = language
        self.temperature = temperature
        self.decode_options = dict(decode_options or {})
        if beam_size:
            self.decode_options["beam_size"] = beam_size
        self._source = self._resolve(whisper, download, download_root)
        self._download_root = download_root
        self._model = None
        self._lock = threading.Lock()

    def _resolve(self, whisper: Any, download: bool, root: str | None) -> str:
        if looks_like_path(self.model):
            path = Path(self.model).expanduser()
            if not path.is_file():
                raise FatalTranscribeError(
                    f"no whisper checkpoint at {path}", "pass a .pt file or a model name"
                )
            return str(path)
        if self.model not in whisper._MODELS:
            import difflib

            close = difflib.get_close_matches(self.model, whisper._MODELS, n=1)
            raise FatalTranscribeError(
                f"unknown whisper model '{self.model}'",
                f"did you mean '{close[0]}'?" if close else f"names: {', '.join(whisper._MODELS)}",
            )
        root = root or os.path.join(os.path.expanduser("~"), ".cache", "whisper")
        cached = os.path.join(root, os.path.basename(whisper._MODELS[self.model]))
        if not os.path.isfile(cached) and not download:
            raise ModelNotAvailableError(self.model, "whisper", "downloading is off")
        return self.model

    def params(self) -> dict[str, Any]:
        return {"language": self.language, "temperature": self.temperature, **self.decode_options}

    def _load(self):
        with self._lock:
            if self._model is None:
                import whisper

                try:
                    self._model = whisper.load_model(
                        self._source, device=self.device, download_root=self._download_root
                    )
                except (OSError, RuntimeError) as err:
                    if self._source == self.model and not looks_like_path(self.model):
                        raise ModelNotAvailableError(
                            self.model, "whisper", f"download failed: {type(err).__name__}"
                        ) from err
                    raise FatalTranscribeError(
                        f"cannot load whisper checkpoint {self.model}: {err}", "check the file"
                    ) from err
                log.info("whisper %s loaded on %s", self.model, self.device)
            return self._model

    def transcribe(self, item: AudioItem) -> Transcript:
        import whisper

        assert item.path is not None, "whisper needs an audio file"
        audio = load_audio(item.path)
        model = self._load()
        kwargs: dict[str, Any] = dict(self.decode_options)
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        result = whisper.transcribe(
            model, audio, language=self.language, fp16=self.device == "cuda", verbose=None, **kwargs
        )
        segs = [Segment(float(s["start"]), float(s["end"]), s["text"]) for s in result.get("segments", [])]
        return Transcript(
            text=str(result.get("text", "")),
            segments=segs,
            language=result.get("language"),
            audio_s=len(audio) / SAMPLE_RATE,
        )
