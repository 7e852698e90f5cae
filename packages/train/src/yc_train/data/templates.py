"""Chat templates by name, as Axolotl names them: ``chat_template: llama3`` renders with Llama 3's template.

``chat_template`` may be a template name (the ``chat_templates/*.jinja`` files, taken from Axolotl),
``tokenizer_default`` (the tokenizer's own template), ``tokenizer_default_fallback_<name>`` (the tokenizer's own,
else ``<name>``) or ``jinja`` with ``chat_template_jinja`` (inline Jinja text or a path to a file). A dataset's
own ``chat_template`` / ``chat_template_jinja`` wins over the top-level keys for that dataset.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

from yc_train.errors import TrainError

log = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).with_name("chat_templates")
TOKENIZER_DEFAULT = "tokenizer_default"
FALLBACK_PREFIX = "tokenizer_default_fallback_"
JINJA = "jinja"


@cache
def named_templates() -> dict[str, str]:
    """Template name -> Jinja text of every bundled template."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(TEMPLATE_DIR.glob("*.jinja"))}


def template_names() -> list[str]:
    """Every value ``chat_template`` accepts (``tokenizer_default_fallback_<name>`` for any bundled name)."""
    return [*named_templates(), TOKENIZER_DEFAULT, f"{FALLBACK_PREFIX}<name>", JINJA]


def _jinja_text(value: str | None) -> str:
    if not value:
        raise TrainError(
            "chat_template: jinja needs chat_template_jinja",
            "set chat_template_jinja to Jinja text or a file",
        )
    if "{" not in value and "\n" not in value:  # a path, not a template
        path = Path(value).expanduser()
        if not path.is_file():
            raise TrainError(f"chat_template_jinja file not found: {value}", "point it at a .jinja file")
        return path.read_text(encoding="utf-8")
    return value


def resolve_template(choice: str | None, jinja: str | None, tokenizer: Any) -> str | None:
    """The Jinja text for a ``chat_template`` choice; None when nothing is chosen and the tokenizer has none.

    ``choice`` unset with ``jinja`` set means ``jinja`` (as in Axolotl); unset alone means the tokenizer's.
    """
    if not choice:
        choice = JINJA if jinja else TOKENIZER_DEFAULT
    own = getattr(tokenizer, "chat_template", None) or None
    if choice == JINJA:
        return _jinja_text(jinja)
    if choice == TOKENIZER_DEFAULT:
        return own
    if choice.startswith(FALLBACK_PREFIX):
        if own:
            return own
        choice = choice[len(FALLBACK_PREFIX) :]
        log.info("the tokenizer has no chat template: using %s", choice)
    text = named_templates().get(choice)
    if text is None:
        raise TrainError(
            f"unknown chat template '{choice}'",
            f"use one of: {', '.join(template_names())}",
        )
    return text


def check_choice(choice: str | None) -> str | None:
    """Validate a ``chat_template`` value without a tokenizer (for the config): unknown names are refused."""
    if choice is None or choice in (TOKENIZER_DEFAULT, JINJA) or choice in named_templates():
        return choice
    if choice.startswith(FALLBACK_PREFIX) and choice[len(FALLBACK_PREFIX) :] in named_templates():
        return choice
    raise ValueError(f"unknown chat template '{choice}': use one of {', '.join(template_names())}")


def set_tokenizer_template(
    tokenizer: Any, choice: str | None, jinja: str | None, default_system_message: str | None = None
) -> None:
    """Put the config's chat template on the tokenizer (it is saved with the model); unset keeps the tokenizer's.

    ``default_system_message`` replaces chatml's built-in system line, as in Axolotl.
    """
    if not choice and not jinja:
        return
    text = resolve_template(choice, jinja, tokenizer)
    if text and default_system_message and choice == "chatml":
        text = text.replace("You are a helpful assistant.", default_system_message)
    tokenizer.chat_template = text
