"""What every transcription backend takes and returns: :class:`AudioItem` in, :class:`Transcript` out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Segment:
    """A piece of the transcript with its time span in seconds."""

    start: float
    end: float
    text: str

    def as_row(self) -> dict[str, Any]:
        return {"start": float(self.start), "end": float(self.end), "text": self.text}


@dataclass
class AudioItem:
    """One thing to transcribe: an id, an audio file (may be absent when captions exist) and captions.

    ``captions`` follows the ``videos.captions`` struct: ``{"lang", "kind", "text", "segments"}``.
    ``duration_s`` is optional (probed from the file when missing).
    """

    id: str
    path: Path | None = None
    captions: Mapping[str, Any] | None = None
    duration_s: float | None = None

    def __post_init__(self) -> None:
        if self.path is not None:
            self.path = Path(self.path)


@dataclass
class Transcript:
    """A backend's raw result (before cleaning). ``summary`` is set by backends that summarise (Deepgram)."""

    text: str
    segments: Sequence[Segment] = ()
    language: str | None = None
    language_prob: float | None = None
    audio_s: float | None = None
    summary: str | None = None
    backend: str | None = None  # set when a backend delegates (captions -> fallback ASR)
    model: str | None = None
    flags: list[str] = field(default_factory=list)


@runtime_checkable
class Transcriber(Protocol):
    """A speech-to-text backend. Construct through :func:`yc_curate.transcribe.get_transcriber`.

    ``name`` is the registry name, ``model`` the model as the user gave it, ``params()`` the options that
    change the output (they go into the params hash), ``workers`` how many items may run at once.

    A backend that transcribes several items better together (faster-whisper's chunked mode batches their
    chunks) also has ``group_size`` (items it takes at once) and ``transcribe_many(items)``, which returns
    one result per item, in order: a :class:`Transcript`, or the exception that item raised.
    """

    name: str
    model: str
    workers: int

    def params(self) -> dict[str, Any]: ...

    def transcribe(self, item: AudioItem) -> Transcript: ...
