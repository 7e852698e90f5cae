"""``local``: summaries from a transformers chat model (batched greedy generation, chat template).

A transcript longer than the model's context is summarised map-reduce: split into chunks of whole
sentences that fit, each chunk summarised, then the partial summaries summarised together (repeated
until one fits).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from yc_curate.errors import CurateError, MissingExtraError
from yc_curate.summarize import SummaryInput, clean_summary, fill_prompt, load_prompt

log = logging.getLogger(__name__)

DEFAULT_MODEL = "HuggingFaceTB/SmolLM2-1.7B-Instruct"
_SENTENCES = re.compile(r"(?<=[.!?])\s+")


class LocalSummarizer:
    """A local chat model. ``context_tokens`` caps the context used (default: the model's own, max 8192)."""

    name = "local"

    def __init__(
        self,
        model: str | None = None,
        prompt: str | None = None,
        *,
        max_new_tokens: int = 64,
        batch_size: int = 4,
        context_tokens: int | None = None,
        device: str | None = None,
        threads: int | None = None,
    ) -> None:
        self.model = str(model or DEFAULT_MODEL)
        self.prompt = load_prompt(prompt)
        self.max_new_tokens = max_new_tokens
        self.batch_size = batch_size
        self.context_tokens = context_tokens
        self.device = device
        self.threads = threads
        self._tok: Any = None
        self._lm: Any = None
        self.calls = 0  # generations run (map + reduce), for reports and tests

    # -- loading -------------------------------------------------------------------------------
    def _load(self) -> None:
        if self._lm is not None:
            return
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ModuleNotFoundError as err:
            raise MissingExtraError("the local summarizer", "local") from err
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            tok = AutoTokenizer.from_pretrained(self.model)
            lm = AutoModelForCausalLM.from_pretrained(
                self.model, dtype=torch.float32 if self.device in (None, "cpu") else "auto"
            )
        except (OSError, ValueError) as err:
            raise CurateError(
                f"summary model '{self.model}' is not available (not a local folder, or not cached while offline)",
                "pass --summary-model PATH to a local model folder, or allow downloading (unset HF_HUB_OFFLINE)",
            ) from err
        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        lm.to(device).eval()
        tok.padding_side = "left"
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        self._tok, self._lm, self._device = tok, lm, device
        self._own_context = getattr(lm.config, "max_position_embeddings", None) or 8192

    @property
    def context(self) -> int:
        """Context tokens a chunk prompt may use: ``context_tokens`` capped by the model's own (and 8192)."""
        return min(self.context_tokens or self._own_context, self._own_context, 8192)

    # -- generation ----------------------------------------------------------------------------
    def _chat(self, user: str) -> str:
        return self._tok.apply_chat_template(
            [{"role": "user", "content": user}], tokenize=False, add_generation_prompt=True
        )

    def _n_tokens(self, text: str) -> int:
        return len(self._tok(text, add_special_tokens=False)["input_ids"])

    def _generate(self, users: list[str]) -> list[str]:
        import torch

        out: list[str] = []
        for i in range(0, len(users), self.batch_size):
            chats = [self._chat(u) for u in users[i : i + self.batch_size]]
            enc = self._tok(chats, return_tensors="pt", padding=True, add_special_tokens=False).to(
                self._device
            )
            with torch.inference_mode():
                gen = self._lm.generate(
                    **enc,
                    do_sample=False,
                    max_new_tokens=self.max_new_tokens,
                    pad_token_id=self._tok.pad_token_id,
                    use_cache=True,
                )
            new = gen[:, enc["input_ids"].shape[1] :]
            out += [clean_summary(t) for t in self._tok.batch_decode(new, skip_special_tokens=True)]
            self.calls += len(chats)
        return out

    def _chunks(self, title: str, transcript: str) -> list[str]:
        """Pieces of ``transcript`` (whole sentences, words if a sentence is too long) that fit the context."""
        overhead = self._n_tokens(self._chat(fill_prompt(self.prompt, title, ""))) + self.max_new_tokens + 8
        budget = max(32, self.context - overhead)
        if self._n_tokens(transcript) <= budget:
            return [transcript]
        pieces: list[str] = []
        for sentence in _SENTENCES.split(transcript):
            if self._n_tokens(sentence) <= budget:
                pieces.append(sentence)
            else:
                words = sentence.split()
                step = max(1, budget // 2)
                pieces += [" ".join(words[j : j + step]) for j in range(0, len(words), step)]
        chunks, current, size = [], [], 0
        for piece in pieces:
            n = self._n_tokens(piece) + 1
            if current and size + n > budget:
                chunks.append(" ".join(current))
                current, size = [], 0
            current.append(piece)
            size += n
        if current:
            chunks.append(" ".join(current))
        return chunks

    def summarize(self, items: Sequence[SummaryInput]) -> list[str]:
        """One summary per item; long transcripts go through map-reduce."""
        from yc_curate.templates.special import neutralize

        self._load()
        # data must not close the chat turn early: control strings in titles / transcripts become plain text
        titles = [neutralize(item.title) for item in items]
        texts = [neutralize(item.transcript) for item in items]
        results: dict[int, str] = {}
        pending = list(range(len(items)))
        for _round in range(8):
            plan = {i: self._chunks(titles[i], texts[i]) for i in pending}
            flat = [(i, fill_prompt(self.prompt, titles[i], c)) for i in pending for c in plan[i]]
            answers = self._generate([u for _, u in flat])
            partial: dict[int, list[str]] = {}
            for (i, _), answer in zip(flat, answers, strict=True):
                partial.setdefault(i, []).append(answer)
            still = []
            for i in pending:
                if len(plan[i]) == 1:
                    results[i] = partial[i][0]
                else:  # reduce: summarise the partial summaries together next round
                    texts[i] = " ".join(partial[i])
                    still.append(i)
            log.debug("map-reduce round %d: %d items to reduce", _round, len(still))
            pending = still
            if not pending:
                break
        for i in pending:
            results[i] = clean_summary(texts[i])
        return [results[i] for i in range(len(items))]
