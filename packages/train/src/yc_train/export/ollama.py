"""An Ollama ``Modelfile`` for an exported GGUF: the dataset's prompt format as a Go template.

The TEMPLATE uses only ``{{ .System }}``, ``{{ .Prompt }}``, ``{{ .Response }}`` and quoted literals
(``{{ "{{" }}`` where the fixed text holds ``{{``), so it can be checked by rendering. The runtime adds
BOS itself when the GGUF says so (``tokenizer.ggml.add_bos_token``, set from training), so the
template starts after it; generation stops at the tokenizer's EOS.
"""

from __future__ import annotations

from dataclasses import dataclass

from yc_train.errors import TrainError
from yc_train.prompt_format import PromptFormat

DEFAULT_PARAMETERS = {"temperature": 0.7, "top_p": 0.9}  # as `yc infer`


def _go_literal(text: str) -> str:
    return '{{ "{{" }}'.join(text.split("{{"))


def go_template(fmt: PromptFormat) -> str:
    """The Go template (Ollama TEMPLATE) of ``fmt``, without BOS (the runtime adds it)."""
    system = "{{ .System }}" + _go_literal(fmt.between) if fmt.default_system is not None else ""
    return f"{_go_literal(fmt.before)}{system}{{{{ .Prompt }}}}{_go_literal(fmt.after)}{{{{ .Response }}}}"


def _quoted(directive: str, text: str) -> str:
    if '"""' in text:
        raise TrainError(
            f'the {directive} text contains """, which a Modelfile cannot quote', "edit the template"
        )
    return f'{directive} """{text}"""'


@dataclass
class Modelfile:
    """A Modelfile's text and what went into it."""

    text: str
    template: str
    stop: list[str]
    parameters: dict[str, float | int]


def modelfile(
    gguf_name: str,
    fmt: PromptFormat | None,
    *,
    context_length: int | None = None,
    parameters: dict[str, float | int] | None = None,
) -> Modelfile:
    """The Modelfile for ``gguf_name`` (a path relative to the Modelfile) prompting as ``fmt`` does."""
    if fmt is None:
        raise TrainError(
            "no fixed prompt format recorded for this model (chat-template datasets keep the tokenizer's "
            "own template, which Ollama cannot take as is)",
            "use the GGUF with llama.cpp's chat mode, or curate with --template fireship|alpaca|FILE",
        )
    template = go_template(fmt)
    params: dict[str, float | int] = {**DEFAULT_PARAMETERS, **(parameters or {})}
    if context_length:
        params["num_ctx"] = int(context_length)
    stop = [fmt.eos] if fmt.eos else []
    lines = [
        "# Made by yc: the model prompted in the format it was fine-tuned on.",
        f"FROM ./{gguf_name}",
        _quoted("TEMPLATE", template),
    ]
    if fmt.default_system is not None:
        lines.append(_quoted("SYSTEM", fmt.default_system))
    lines += [f'PARAMETER stop "{s}"' for s in stop]
    lines += [f"PARAMETER {k} {v}" for k, v in params.items()]
    return Modelfile("\n".join(lines) + "\n", template, stop, params)
