"""Finish a saved model or adapter folder so tools outside yc use it as it was trained.

- ``chat_template.jinja`` becomes the dataset's prompt format (:mod:`yc_train.prompt_format`), so
  ``tokenizer.apply_chat_template`` / ``pipeline("text-generation")`` with messages builds the training
  prompt instead of the base model's chat format;
- loader-only keys that transformers saves from the loading call (``local_files_only``, ``is_local``,
  ``cache_dir``, tokens) are dropped from ``tokenizer_config.json``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from yc_train.infer import TEMPLATE_FILE
from yc_train.prompt_format import PromptFormat, derive

log = logging.getLogger(__name__)

LOADER_KEYS = ("local_files_only", "is_local", "cache_dir", "token", "use_auth_token", "_commit_hash")


def clean_tokenizer_config(folder: Path) -> None:
    """Drop loader-only keys from ``folder/tokenizer_config.json`` (when present)."""
    path = folder / "tokenizer_config.json"
    if not path.is_file():
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    kept = {k: v for k, v in data.items() if k not in LOADER_KEYS}
    if kept != data:
        path.write_text(json.dumps(kept, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def prompt_format(folder: Path, tokenizer: Any | None = None) -> PromptFormat | None:
    """The prompt format recorded in ``folder/yc_template.json`` for the tokenizer in ``folder``."""
    record_file = folder / TEMPLATE_FILE
    if not record_file.is_file():
        return None
    from yc_train.data.formats import structural_bos_id
    from yc_train.infer import template_from_record

    if tokenizer is None:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(folder))
    template = template_from_record(json.loads(record_file.read_text()), tokenizer)
    bos = tokenizer.bos_token if structural_bos_id(tokenizer) is not None else None  # as training does
    return derive(template, bos, tokenizer.eos_token)


def finish_model_folder(folder: str | Path) -> PromptFormat | None:
    """Write the training prompt format as the folder's chat template and clean its tokenizer config.

    Returns the format (None when the folder records no yc template, or when the dataset used the
    tokenizer's own chat template, which then stays).
    """
    folder = Path(folder)
    clean_tokenizer_config(folder)
    if not (folder / "tokenizer_config.json").is_file():
        return None
    fmt = prompt_format(folder)
    if fmt is None:
        return None
    (folder / "chat_template.jinja").write_text(fmt.chat_template(), encoding="utf-8")
    (folder / "chat_template.json").unlink(missing_ok=True)
    config_file = folder / "tokenizer_config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    if config.pop("chat_template", None) is not None:  # the .jinja file is the one transformers reads then
        config_file.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _warn_control_literals(folder, fmt)
    return fmt


def _warn_control_literals(folder: Path, fmt: PromptFormat) -> None:
    """Training tokenizes template text as plain text; a chat template's text is parsed for special tokens.
    They agree unless the template's fixed text holds one of the tokenizer's control strings."""
    from transformers import AutoTokenizer

    from yc_curate.templates.special import tokenizer_control_strings

    tok = AutoTokenizer.from_pretrained(str(folder))
    hits = sorted({c for c in tokenizer_control_strings(tok) for t in fmt.literal_text() if c and c in t})
    if hits:
        log.warning(
            "the prompt template's text contains control tokens of this tokenizer (%s): training read them "
            "as plain text, chat-template users get the control tokens",
            ", ".join(hits),
        )
