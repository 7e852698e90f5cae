"""``chat``: the example as messages, rendered with the target tokenizer's own chat template.

System = persona lines, user = title and summary, assistant = transcript. The prompt is the conversation up
to the generation prompt; the completion is the rest of the rendered conversation. Control tokens come only
from the chat template (data is neutralised first).
"""

from __future__ import annotations

from typing import Any

from yc_curate.errors import CurateError
from yc_curate.templates import Example
from yc_curate.templates.builtin import FIRESHIP_DESCRIPTION, FIRESHIP_PERSONA
from yc_curate.templates.special import SpecialTokens


class ChatTemplate:
    """Messages through ``tokenizer.apply_chat_template`` (needs ``--tokenizer``)."""

    name = "chat"

    def __init__(
        self,
        *,
        tokenizer: Any | None = None,
        tokenizer_ref: str | None = None,
        persona: str = FIRESHIP_PERSONA,
        persona_description: str = FIRESHIP_DESCRIPTION,
        system: bool = True,
    ) -> None:
        if tokenizer is None or not getattr(tokenizer, "chat_template", None):
            raise CurateError(
                "the 'chat' template needs a tokenizer with a chat template",
                "pass --tokenizer NAME|PATH of an instruct/chat model, or use --template fireship",
            )
        self.tokenizer = tokenizer
        self.tokens = SpecialTokens.resolve(tokenizer)
        self.params: dict[str, Any] = {"persona": persona, "persona_description": persona_description}
        if not system:
            self.params["system"] = False
        if tokenizer_ref is not None:
            self.params["tokenizer"] = str(tokenizer_ref)
        clean = self.tokens.clean
        self._system = (
            f"You are a YouTuber called {clean(persona)}, {clean(persona_description)}" if system else None
        )

    def _messages(self, title: str, summary: str) -> list[dict[str, str]]:
        clean = self.tokens.clean
        user = f"Given the title of the video: {clean(title)}"
        if summary:
            user += f"\nand a small summary: {clean(summary)}"
        msgs = [{"role": "system", "content": self._system}] if self._system else []
        return [*msgs, {"role": "user", "content": user}]

    def _apply(self, messages: list[dict[str, str]], generation_prompt: bool) -> str:
        return self.tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=generation_prompt
        )

    def render_prompt(self, title: str, summary: str | None) -> str:
        return self._apply(self._messages(title, summary or ""), True)

    def render(self, title: str, summary: str | None, transcript: str) -> Example:
        messages = [
            *self._messages(title, summary or ""),
            {"role": "assistant", "content": self.tokens.clean(transcript)},
        ]
        prompt = self._apply(messages[:-1], True)
        text = self._apply(messages, False)
        if not text.startswith(prompt):  # templates that rewrite earlier turns: split at the common prefix
            n = 0
            while n < min(len(text), len(prompt)) and text[n] == prompt[n]:
                n += 1
            prompt = text[:n]
        return Example(prompt, text[len(prompt) :], text, messages)

    def describe(self) -> dict[str, Any]:
        return {"template": self.name, "params": dict(self.params)}
