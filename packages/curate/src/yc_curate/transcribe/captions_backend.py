"""YouTube captions collected with the video (free, instant), with an ASR backend as per-video fallback."""

from __future__ import annotations

from typing import Any

from yc_curate.transcribe.errors import TranscribeError
from yc_curate.transcribe.protocol import AudioItem, Segment, Transcriber, Transcript


class CaptionsTranscriber:
    """Use ``item.captions`` (``{"lang", "kind", "text", "segments"}``); without captions, run ``fallback``.

    ``fallback`` is a registry name (e.g. ``faster-whisper``); ``model`` and ``fallback_opts`` go to it.
    Without a fallback, a video without captions becomes a ``failed`` row saying so.
    """

    name = "captions"

    def __init__(
        self, model: str | None = None, *, fallback: str | None = None, **fallback_opts: Any
    ) -> None:
        from yc_curate.transcribe.registry import get_transcriber

        self.model = "youtube"
        self.fallback: Transcriber | None = None
        if fallback:
            if fallback == self.name:
                raise TranscribeError(
                    "the captions fallback must be an ASR backend", "e.g. --fallback faster-whisper"
                )
            self.fallback = get_transcriber(fallback, model=model, **fallback_opts)
        self.workers = self.fallback.workers if self.fallback else 1

    def params(self) -> dict[str, Any]:
        if self.fallback is None:
            return {"fallback": None}
        return {
            "fallback": self.fallback.name,
            "fallback_model": self.fallback.model,
            **self.fallback.params(),
        }

    def transcribe(self, item: AudioItem) -> Transcript:
        caps = item.captions or {}
        segments = [
            Segment(float(s["start"]), float(s["end"]), s["text"] or "") for s in caps.get("segments") or []
        ]
        text = caps.get("text") or " ".join(s.text for s in segments)
        if text.strip():
            audio_s = (
                item.duration_s
                if item.duration_s is not None
                else max((s.end for s in segments), default=None)
            )
            kind = caps.get("kind") or "captions"
            return Transcript(
                text=text,
                segments=segments,
                language=caps.get("lang"),
                audio_s=audio_s,
                model=f"youtube-{kind}",
            )
        if self.fallback is None:
            raise TranscribeError(
                "no captions for this video and no fallback", "pass --fallback faster-whisper"
            )
        if item.path is None:
            raise TranscribeError("no captions and no audio for this video", "collect the audio (yc collect)")
        result = self.fallback.transcribe(item)
        result.backend, result.model = self.fallback.name, self.fallback.model
        return result
