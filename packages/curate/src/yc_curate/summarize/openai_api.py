"""``openai``: summaries from any OpenAI-compatible chat-completions endpoint.

OpenAI itself, vLLM, Ollama (``http://localhost:11434/v1``), llama.cpp server ... (``--base-url``). The key
comes from ``OPENAI_API_KEY`` (local servers need none). Requests run concurrently; 429 / 5xx / timeouts
are retried with exponential backoff (honouring ``Retry-After``) by the ``openai`` client.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from yc_curate.errors import CurateError, MissingExtraError
from yc_curate.summarize import SummaryInput, clean_summary, fill_prompt, load_prompt
from yc_curate.templates.special import neutralize

DEFAULT_MODEL = "gpt-4o-mini"


class OpenAISummarizer:
    """Chat completions, ``concurrency`` requests at a time, ``max_retries`` retries, ``timeout`` seconds each."""

    name = "openai"

    def __init__(
        self,
        model: str | None = None,
        prompt: str | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        concurrency: int = 8,
        max_retries: int = 5,
        timeout: float = 120.0,
        max_tokens: int = 96,
        max_input_chars: int = 48_000,
    ) -> None:
        self.model = str(model or DEFAULT_MODEL)
        self.prompt = load_prompt(prompt)
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL")
        self._api_key = api_key or os.environ.get("OPENAI_API_KEY")
        if not self._api_key:
            if not self.base_url:
                raise CurateError(
                    "the openai summarizer needs OPENAI_API_KEY (or a --base-url of a local server)",
                    "export OPENAI_API_KEY=..., or pass --base-url http://HOST:PORT/v1 for vLLM/Ollama/llama.cpp",
                )
            self._api_key = "not-needed"  # local servers ignore the key but the client wants one
        self.concurrency = max(1, concurrency)
        self.batch_size = self.concurrency * 2
        self.max_retries = max_retries
        self.timeout = timeout
        self.max_tokens = max_tokens
        self.max_input_chars = max_input_chars
        self._client: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            try:
                import openai
            except ModuleNotFoundError as err:
                raise MissingExtraError("the openai summarizer", "openai") from err
            self._client = openai.OpenAI(
                api_key=self._api_key,
                base_url=self.base_url,
                max_retries=self.max_retries,
                timeout=self.timeout,
            )
        return self._client

    def _one(self, item: SummaryInput) -> str:
        import openai

        transcript = item.transcript or ""
        if len(transcript) > self.max_input_chars:  # keep the request inside the model's context
            transcript = transcript[: self.max_input_chars]
        # servers tokenize the rendered chat with special-token parsing: keep data from closing the turn
        content = fill_prompt(self.prompt, neutralize(item.title), neutralize(transcript))
        try:
            resp = self._get_client().chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": content}],
                temperature=0,
                max_tokens=self.max_tokens,
            )
        except openai.AuthenticationError as err:
            raise CurateError(
                f"the endpoint refused the API key ({err.status_code})",
                "check OPENAI_API_KEY for this --base-url",
            ) from None
        except openai.APIStatusError as err:
            raise CurateError(
                f"chat completion failed for video {item.video_id}: HTTP {err.status_code}",
                "check --base-url and --summary-model; rerun resumes",
            ) from None
        except openai.APIConnectionError as err:
            raise CurateError(
                f"cannot reach the chat endpoint {self.base_url or 'api.openai.com'}: {type(err).__name__}",
                "check --base-url and that the server is running; rerun resumes",
            ) from None
        if isinstance(resp, str | bytes) or not hasattr(resp, "choices"):  # a web page answered, not an API
            raise CurateError(
                f"{self.base_url or 'the endpoint'} did not answer like an OpenAI-compatible API "
                "(the reply is not a chat completion)",
                "point --base-url at the API root, usually ending in /v1 (e.g. http://localhost:8000/v1)",
            )
        if not resp.choices or resp.choices[0].message.content is None:
            raise CurateError(
                f"the endpoint returned no text for video {item.video_id}", "check --summary-model"
            )
        return clean_summary(resp.choices[0].message.content)

    def summarize(self, items: Sequence[SummaryInput]) -> list[str]:
        """One summary per item, ``concurrency`` requests in flight."""
        if not items:
            return []
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items))) as pool:
            return list(pool.map(self._one, items))
