"""Summarizers that generate nothing: ``deepgram`` (reuse the stored summary) and ``none``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from yc_curate.summarize import SummaryInput, clean_summary

log = logging.getLogger(__name__)


class DeepgramSummarizer:
    """The summary Deepgram returned with the transcript (``summarize=v2``).

    The Deepgram transcription backend stores it (``summaries`` rows with backend ``deepgram``); an input
    whose ``extra`` carries ``summary`` is passed through. Videos without one get an empty summary (their
    examples show the title only) and a warning.
    """

    name = "deepgram"
    batch_size = 256

    def __init__(self, model: str | None = None, prompt: str | None = None, **_: Any) -> None:
        self.model = model or "deepgram"

    def summarize(self, items: Sequence[SummaryInput]) -> list[str]:
        out = []
        for item in items:
            summary = item.extra.get("summary") or item.extra.get("deepgram_summary")
            if not summary:
                log.warning(
                    "video %s has no Deepgram summary (transcribe with --backend deepgram --summarize)",
                    item.video_id,
                )
            out.append(clean_summary(str(summary or "")))
        return out


class NoSummarizer:
    """No summary: templates show the title only."""

    name = "none"
    batch_size = 1024

    def __init__(self, model: str | None = None, prompt: str | None = None, **_: Any) -> None:
        self.model = "none"

    def summarize(self, items: Sequence[SummaryInput]) -> list[str]:
        return ["" for _ in items]
