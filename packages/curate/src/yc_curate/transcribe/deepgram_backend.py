"""Deepgram's prerecorded API (nova-3, smart formatting, paragraphs, optional summary) via deepgram-sdk."""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from yc_curate.transcribe.errors import FatalTranscribeError, TranscribeError
from yc_curate.transcribe.protocol import AudioItem, Segment, Transcript

log = logging.getLogger(__name__)

DEFAULT_DEEPGRAM_MODEL = "nova-3"
#: Pay-as-you-go price of nova-3 prerecorded audio (USD per minute); override with ``price_per_min``
#: or ``YC_DEEPGRAM_PRICE_PER_MIN``.
DEFAULT_PRICE_PER_MIN = 0.0043
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


class DeepgramTranscriber:
    """Deepgram ``POST /v1/listen`` through the official SDK, with our own retry (429/5xx/network).

    The key comes from ``api_key`` or ``DEEPGRAM_API_KEY`` and is never logged or put in an error.
    ``base_url`` (or ``YC_DEEPGRAM_BASE_URL``) points the SDK elsewhere (a proxy, a test fake).
    ``summarize=True`` also asks for Deepgram's summary (``summarize=v2``): ``Transcript.summary``.
    """

    name = "deepgram"

    def __init__(
        self,
        model: str | None = None,
        *,
        api_key: str | None = None,
        summarize: bool = False,
        language: str | None = None,
        base_url: str | None = None,
        price_per_min: float | None = None,
        retries: int = 4,
        backoff_s: float = 1.0,
        timeout_s: float = 600.0,
        workers: int = 4,
    ) -> None:
        import deepgram  # noqa: F401  (fail early when the extra is missing)

        self.model = model or DEFAULT_DEEPGRAM_MODEL
        self._key = api_key or os.environ.get("DEEPGRAM_API_KEY")
        if not self._key:
            raise FatalTranscribeError(
                "DEEPGRAM_API_KEY is not set", "export DEEPGRAM_API_KEY=<your key> (console.deepgram.com)"
            )
        self.summarize = summarize
        self.language = language
        self.base_url = base_url or os.environ.get("YC_DEEPGRAM_BASE_URL")
        env_price = os.environ.get("YC_DEEPGRAM_PRICE_PER_MIN")
        self.price_per_min = (
            price_per_min if price_per_min is not None else float(env_price or DEFAULT_PRICE_PER_MIN)
        )
        self.retries, self.backoff_s, self.timeout_s, self.workers = retries, backoff_s, timeout_s, workers
        self._client = None
        self._lock = threading.Lock()

    def params(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "summarize": self.summarize,
            "smart_format": True,
            "paragraphs": True,
        }

    def estimate_cost(self, audio_s: float) -> float:
        """USD for ``audio_s`` seconds at ``price_per_min``."""
        return audio_s / 60 * self.price_per_min

    def _sdk(self):
        with self._lock:
            if self._client is None:
                from deepgram import DeepgramClient
                from deepgram.environment import DeepgramClientEnvironment

                env = DeepgramClientEnvironment.PRODUCTION
                if self.base_url:
                    base = self.base_url.rstrip("/")
                    ws = base.replace("http", "ws", 1)
                    env = DeepgramClientEnvironment(base=base, production=ws, agent=ws, agent_rest=base)
                # retries are ours (short, configurable backoff); the SDK's own would double them
                self._client = DeepgramClient(
                    api_key=self._key, environment=env, max_retries=0, timeout=self.timeout_s
                )
            return self._client

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text

    def request(self, audio: bytes) -> dict[str, Any]:
        """One transcription request (retried on 429/5xx/network errors); the response as a dict."""
        import httpx
        from deepgram.core.api_error import ApiError

        options: dict[str, Any] = {
            "model": self.model,
            "smart_format": True,
            "paragraphs": True,
            "punctuate": True,
        }
        if self.language:
            options["language"] = self.language
        else:
            options["detect_language"] = True
        if self.summarize:
            options["summarize"] = "v2"
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                response = self._sdk().listen.v1.media.transcribe_file(request=audio, **options)
                return response.model_dump(mode="json")
            except ApiError as err:
                status = err.status_code or 0
                if status in (401, 403):
                    raise FatalTranscribeError(
                        f"Deepgram rejected the API key (HTTP {status})",
                        "check DEEPGRAM_API_KEY (console.deepgram.com > API keys)",
                    ) from None
                problem = f"HTTP {status}: {self._redact(_err_message(err.body))}"
                if status not in _RETRY_STATUS:
                    raise TranscribeError(
                        f"Deepgram refused the request ({problem})", "check the audio file"
                    ) from None
            except httpx.HTTPError as err:
                problem = f"{type(err).__name__}: {self._redact(str(err))[:120]}"
            log.info("deepgram attempt %d failed (%s)", attempt + 1, problem)
        raise TranscribeError(
            f"Deepgram failed after {self.retries + 1} tries ({problem})",
            "rerun later: the run resumes where it stopped",
        )

    def transcribe(self, item: AudioItem) -> Transcript:
        assert item.path is not None, "deepgram needs an audio file"
        from yc_curate.transcribe.audio import EmptyAudio

        audio = item.path.read_bytes()
        if not audio:
            raise EmptyAudio(f"{item.path.name} is empty (0 bytes)")
        return parse_response(self.request(audio), self.model)


def _err_message(body: Any) -> str:
    if isinstance(body, dict):
        return str(body.get("err_msg") or body.get("message") or body.get("err_code") or "")[:160]
    return str(body or "")[:160]


def parse_response(data: dict[str, Any], model: str) -> Transcript:
    """Deepgram's JSON -> Transcript: transcript, paragraph sentences as segments, language, summary."""
    try:
        channel = data["results"]["channels"][0]
        alt = channel["alternatives"][0]
        text = alt["transcript"]
    except (KeyError, IndexError, TypeError):
        raise TranscribeError(
            "Deepgram's response holds no transcript", "rerun; report it if it persists"
        ) from None
    segments = []
    for para in ((alt.get("paragraphs") or {}).get("paragraphs")) or []:
        for sent in para.get("sentences") or []:
            segments.append(Segment(float(sent["start"]), float(sent["end"]), sent.get("text") or ""))
    duration = (data.get("metadata") or {}).get("duration")
    if not segments and text:
        words = alt.get("words") or []
        end = words[-1]["end"] if words else duration or 0.0
        segments = [Segment(float(words[0]["start"]) if words else 0.0, float(end), text)]
    summary = (data["results"].get("summary") or {}) if isinstance(data["results"], dict) else {}
    return Transcript(
        text=text,
        segments=segments,
        language=channel.get("detected_language"),
        language_prob=channel.get("language_confidence"),
        audio_s=float(duration) if duration is not None else None,
        summary=summary.get("short") if summary.get("result", "success") == "success" else None,
    )
