"""Built-in completion templates: ``fireship`` (the write-up's format) and ``alpaca``.

Both are plain string assembly (no Jinja per row), so rendering 50k rows costs milliseconds.
"""

from __future__ import annotations

from typing import Any

from yc_curate.templates import Example
from yc_curate.templates.special import SpecialTokens

FIRESHIP_PERSONA = "Fireship"
FIRESHIP_DESCRIPTION = (
    "creating engaging, high-intensity coding tutorials and tech news.\n"
    "You cover a wide range of topics relevant to programmers, aiming to help them learn and improve "
    "their skills quickly."
)


class CompletionTemplate:
    """A template whose completion is ``transcript`` followed by EOS; subclasses build the prompt."""

    name = "completion"
    completion_prefix = ""
    completion_suffix = ""

    def __init__(
        self,
        *,
        tokenizer: Any | None = None,
        tokenizer_ref: str | None = None,
        persona: str = FIRESHIP_PERSONA,
        persona_description: str = FIRESHIP_DESCRIPTION,
    ) -> None:
        self.tokens = SpecialTokens.resolve(tokenizer)
        self.persona = persona
        self.persona_description = persona_description
        self.params: dict[str, Any] = {"persona": persona, "persona_description": persona_description}
        if tokenizer_ref is not None:
            self.params["tokenizer"] = str(tokenizer_ref)
        clean = self.tokens.clean
        self._system = f"You are a YouTuber called {clean(persona)}, {clean(persona_description)}"

    # subclasses -------------------------------------------------------------------------------
    def _prompt_body(self, title: str, summary: str) -> str:  # data already neutralised
        raise NotImplementedError

    def _user(self, title: str, summary: str) -> str:
        raise NotImplementedError

    # public -----------------------------------------------------------------------------------
    def render_prompt(self, title: str, summary: str | None) -> str:
        clean = self.tokens.clean
        return self.tokens.bos + self._prompt_body(clean(title), clean(summary))

    def render(self, title: str, summary: str | None, transcript: str) -> Example:
        clean = self.tokens.clean
        t, s, x = clean(title), clean(summary), clean(transcript)
        prompt = self.tokens.bos + self._prompt_body(t, s)
        completion = self.completion_prefix + x + self.completion_suffix + self.tokens.eos
        messages = [
            {"role": "system", "content": self._system},
            {"role": "user", "content": self._user(t, s)},
            {"role": "assistant", "content": x},
        ]
        return Example(prompt, completion, prompt + completion, messages)

    def describe(self) -> dict[str, Any]:
        return {"template": self.name, "params": dict(self.params)}


class FireshipTemplate(CompletionTemplate):
    """The write-up's format::

        <s>
        [INST]
        You are a YouTuber called {persona}, {persona_description}

        Given the title of the video: {title}
        and a small summary: {summary}
        [/INST]

        Generate the video: {transcript}
        </s>

    The prompt ends at ``Generate the video:``; the completion is `` {transcript}\\n</s>``. An empty
    summary (summarizer ``none``) drops the summary line.
    """

    name = "fireship"
    completion_prefix = " "
    completion_suffix = "\n"

    def _user(self, title: str, summary: str) -> str:
        user = f"Given the title of the video: {title}"
        if summary:
            user += f"\nand a small summary: {summary}"
        return user

    def _prompt_body(self, title: str, summary: str) -> str:
        return f"\n[INST]\n{self._system}\n\n{self._user(title, summary)}\n[/INST]\n\nGenerate the video:"


class AlpacaTemplate(CompletionTemplate):
    """Alpaca (instruction / input / response) with the persona in the instruction."""

    name = "alpaca"
    HEADER = (
        "Below is an instruction that describes a task, paired with an input that provides further context. "
        "Write a response that appropriately completes the request."
    )

    def _user(self, title: str, summary: str) -> str:
        return f"Title: {title}\nSummary: {summary}" if summary else f"Title: {title}"

    def _prompt_body(self, title: str, summary: str) -> str:
        instruction = f"{self._system}\nWrite the script of the video described below."
        return f"{self.HEADER}\n\n### Instruction:\n{instruction}\n\n### Input:\n{self._user(title, summary)}\n\n### Response:\n"
