"""Video summaries: one or two sentences per video, the input the prompt template shows next to the title.

Backends (``Summarizer`` protocol, lazy registry :data:`SUMMARIZERS`):

- ``local`` (default): a transformers chat model, batched greedy generation; long transcripts are
  summarised map-reduce in chunks that fit the model's context.
- ``openai``: any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server), concurrent requests,
  retries with backoff, timeout.
- ``deepgram``: the summary the Deepgram transcription backend stored with the transcript.
- ``none``: no summary (templates then show the title only).

The prompt is a user-editable text with ``{title}`` and ``{transcript}`` placeholders
(:data:`DEFAULT_PROMPT`); :func:`prompt_hash` identifies (prompt, backend, model) so runs are incremental.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from yc_curate.errors import CurateError

__all__ = [
    "DEFAULT_PROMPT",
    "SUMMARIZERS",
    "Summarizer",
    "SummaryInput",
    "clean_summary",
    "fill_prompt",
    "get_summarizer",
    "load_prompt",
    "prompt_hash",
]

DEFAULT_PROMPT = (
    "Summarize this YouTube video in one short sentence, the way its author would describe it, "
    'for example: "A 100 second video on Rust not a code report".\n\n'
    "Title: {title}\n"
    "Transcript: {transcript}\n\n"
    "Reply with the summary only."
)

# name -> "module:Class"; a backend is imported only when selected.
SUMMARIZERS: dict[str, str] = {
    "local": "yc_curate.summarize.local:LocalSummarizer",
    "openai": "yc_curate.summarize.openai_api:OpenAISummarizer",
    "deepgram": "yc_curate.summarize.stored:DeepgramSummarizer",
    "none": "yc_curate.summarize.stored:NoSummarizer",
}


@dataclass
class SummaryInput:
    """One video to summarise; ``extra`` carries other transcript columns (e.g. a stored summary)."""

    video_id: str
    title: str
    transcript: str
    extra: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class Summarizer(Protocol):
    """A summarisation backend. ``summarize`` returns one summary per input, in order."""

    name: str
    model: str
    batch_size: int

    def summarize(self, items: Sequence[SummaryInput]) -> list[str]: ...


def load_prompt(prompt: str | Path | None) -> str:
    """The summary prompt: the default, a file path, or the text itself (must contain ``{transcript}``)."""
    if prompt is None:
        return DEFAULT_PROMPT
    text = str(prompt)
    path = Path(text).expanduser()
    if "{" not in text and path.is_file():
        text = path.read_text(encoding="utf-8")
    if "{transcript}" not in text:
        raise CurateError(
            "the summary prompt has no {transcript} placeholder", "add {transcript} (and {title}) to it"
        )
    return text


def fill_prompt(prompt: str, title: str, transcript: str) -> str:
    """Fill ``{title}`` and ``{transcript}`` (plain replacement: braces in data are left alone)."""
    return prompt.replace("{title}", title or "").replace("{transcript}", transcript or "")


def prompt_hash(prompt: str, backend: str, model: str) -> str:
    """Identifies a summary configuration: same hash, same summaries (incremental runs skip them)."""
    return hashlib.sha256(f"{backend}\0{model}\0{prompt}".encode()).hexdigest()[:16]


_PREFIX = re.compile(
    r"^\s*(?:\*\*)?(?:summary|here is (?:a|the) summary[^:]*)\s*:?\s*(?:\*\*)?\s*:?\s*", re.I
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def clean_summary(text: str, max_sentences: int = 2) -> str:
    """A model reply as a summary: no "Summary:" prefix or quotes, at most ``max_sentences`` sentences."""
    text = _PREFIX.sub("", (text or "").strip()).strip().strip('"“”').strip()
    text = " ".join(text.split())
    parts = [p for p in _SENTENCE.split(text) if p]
    return " ".join(parts[:max_sentences]).strip()


def _did_you_mean(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(SUMMARIZERS), n=1)
    return f"did you mean '{close[0]}'? " if close else ""


def get_summarizer(name: str = "local", model: str | None = None, **options: Any) -> Summarizer:
    """The summarizer ``name`` with ``model`` (a name or local path; each backend has a default)."""
    if name not in SUMMARIZERS:
        raise CurateError(
            f"unknown summarizer '{name}'", f"{_did_you_mean(name)}choose one of: {', '.join(SUMMARIZERS)}"
        )
    module, cls = SUMMARIZERS[name].split(":")
    backend = getattr(importlib.import_module(module), cls)
    options = {k: v for k, v in options.items() if v is not None}
    return backend(model=model, **options)
