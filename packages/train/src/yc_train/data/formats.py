"""Dataset types: turn rows into trainable token sequences (``input_ids`` + ``labels``, -100 = not trained).

The types and their masks are Axolotl's (``completion``, ``alpaca`` and ``alpaca:<style>``, ``input_output``,
``chat_template``), checked token for token against Axolotl (tests/train/test_parity.py). Each row becomes a
list of text segments with a "trained" flag; all segments are tokenized in batches with the fast tokenizer.
Row text is data, never control: it is tokenized with ``split_special_tokens=True`` so a transcript containing
``</s>`` or ``<|im_end|>`` stays plain text; BOS (where the tokenizer adds one) and EOS come from the structure.
Special tokens are parsed only where a template's own markup has them (``chat_template``, ``alpaca:chatml``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from yc_train.data.chat import ChatOptions, chat_options, tokenize_chat
from yc_train.data.templates import resolve_template
from yc_train.errors import TrainError

IGNORE = -100

ALPACA_SYSTEM = (
    "Below is an instruction that describes a task, paired with an input that provides further context. "
    "Write a response that appropriately completes the request."
)
ALPACA_SYSTEM_NO_INPUT = "Below is an instruction that describes a task. Write a response that appropriately completes the request."
# Axolotl's alpaca prompt styles (``type: alpaca:<style>``): system line, turn with input, turn without input
ALPACA_STYLES: dict[str, tuple[str, str, str]] = {
    "instruct": (
        "{system}\n\n",
        "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n",
        "### Instruction:\n{instruction}\n\n### Response:\n",
    ),
    "chat": (
        "SYSTEM: {system}\n",
        "USER: {instruction}\n{input}\nASSISTANT:",
        "USER: {instruction}\nASSISTANT:",
    ),
    "chatml": (
        "<|im_start|>system\n{system}<|im_end|>\n",
        "<|im_start|>user\n{instruction}\n{input}<|im_end|>\n<|im_start|>assistant\n",
        "<|im_start|>user\n{instruction}<|im_end|>\n<|im_start|>assistant\n",
    ),
    "phi": (
        "<|system|>\n{system}<|end|>\n",
        "<|user|>\n{instruction}<|end|>{input}<|assistant|>",
        "<|user|>\n{instruction}<|end|>\n<|assistant|>\n",
    ),
}
SPECIAL_MARKUP_STYLES = ("chatml", "phi")  # their markup is special tokens: the prompt is parsed as such


@dataclass
class Segmented:
    """One row as text segments: (text, trained, parse_specials); BOS/EOS added by structure."""

    segments: list[tuple[str, bool, bool]]
    bos: bool = True
    eos: bool = True
    chunk_long: bool = False  # completion: split long texts instead of dropping them


@dataclass
class Tokenized:
    """One row already tokenized (chat_template): input_ids and labels."""

    input_ids: list[int]
    labels: list[int]


@dataclass
class TokenStats:
    rows: int = 0
    samples: int = 0
    dropped_too_long: int = 0
    dropped_empty: int = 0
    split_rows: int = 0
    extra_chunks: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def structural_bos_id(tokenizer: Any) -> int | None:
    """The BOS id rows start with: the tokenizer's BOS when tokenizing adds it (Llama), else none (SmolLM2, Qwen)."""
    bos = tokenizer.bos_token_id
    if bos is None:
        return None
    ids = tokenizer("a")["input_ids"]
    return bos if ids and ids[0] == bos else None


def _strip_literal(text: str, bos: str | None, eos: str | None, first: bool, last: bool) -> str:
    """Drop a literal BOS/EOS string at the very start/end: the real tokens are added by structure."""
    if first and bos:
        s = text.lstrip()
        if s.startswith(bos):
            text = s[len(bos) :]
    if last and eos:
        s = text.rstrip()
        if s.endswith(eos):
            text = s[: -len(eos)]
    return text


def _completion(row: dict, field: str | None, train_on_inputs: bool) -> Segmented:
    if (
        not field
        and not train_on_inputs
        and row.get("prompt") is not None
        and row.get("completion") is not None
    ):
        return _prompt_completion(row, train_on_inputs)
    key = field or "text"
    if key not in row:
        raise TrainError(
            f"type completion needs a '{key}' column; the rows have {sorted(row)}", "set datasets[].field"
        )
    return Segmented([(str(row[key] or ""), True, False)], chunk_long=True)


def _prompt_completion(row: dict, train_on_inputs: bool) -> Segmented:
    return Segmented(
        [(str(row.get("prompt") or ""), train_on_inputs, False), (str(row["completion"] or ""), True, False)]
    )


def _alpaca(row: dict, style: str, train_on_inputs: bool) -> Segmented:
    system, turn, turn_no_input = ALPACA_STYLES[style]
    inp = row.get("input") or ""
    if inp:
        prompt = system.format(system=ALPACA_SYSTEM) + turn.format(
            instruction=row.get("instruction") or "", input=inp
        )
    else:
        prompt = system.format(system=ALPACA_SYSTEM_NO_INPUT) + turn_no_input.format(
            instruction=row.get("instruction") or ""
        )
    output = str(row.get("output") or "")
    parse = style in SPECIAL_MARKUP_STYLES
    return Segmented([(prompt, train_on_inputs, parse), (output, True, False)], eos=bool(output))


def _input_output(row: dict, train_on_inputs: bool, bos: str | None, eos: str | None) -> Segmented:
    """Axolotl's input_output: segments as given, no BOS/EOS added; a literal BOS/EOS at the ends is the token."""
    segs = row.get("segments")
    if not isinstance(segs, list):
        raise TrainError(
            "type input_output needs a 'segments' column of {text, label}", "see the Axolotl docs"
        )
    texts = [(str(s.get("text") or ""), train_on_inputs or bool(s.get("label", True)), False) for s in segs]
    first, last = (texts[0][0], texts[-1][0]) if texts else ("", "")
    return Segmented(
        texts,
        bos=bool(bos) and first.lstrip().startswith(bos),
        eos=bool(eos) and last.rstrip().endswith(eos),
    )


def _chat(row: dict, opts: ChatOptions, tokenizer: Any) -> Tokenized:
    return Tokenized(*tokenize_chat(row, opts, tokenizer))


TYPES = ("completion", "prompt_completion", "alpaca", "input_output", "chat_template")
# other names of the same types; chat_template.default is Axolotl's module.function spelling of chat_template
ALIASES = {"chat": "chat_template", "yc": "prompt_completion", "chat_template.default": "chat_template"}


def split_type(ds_type: str | None) -> tuple[str, str | None]:
    """``alpaca:chat`` -> (alpaca, chat); refuses styles a type does not have (Axolotl would load another)."""
    name, _, style = (ds_type or "completion").partition(":")
    name, style = ALIASES.get(name.strip(), name.strip()), style.strip() or None
    if name not in TYPES:
        near = difflib.get_close_matches(name, TYPES, n=1)
        hint = f"did you mean '{near[0]}'?" if near else f"use one of: {', '.join(TYPES)}"
        raise TrainError(f"unknown dataset type '{name}'", hint)
    if style is not None and not (name == "alpaca" and style in ALPACA_STYLES):
        styles = ", ".join(f"alpaca:{k}" for k in ALPACA_STYLES)
        raise TrainError(f"not supported: type {ds_type}", f"the variants yc reads are {styles}")
    return name, style


def formatter(
    ds_type: str | None,
    tokenizer: Any,
    field: str | None,
    train_on_inputs: bool,
    chat: ChatOptions | None = None,
) -> Callable[[dict], Segmented | Tokenized]:
    """The row -> segments (or tokens) function for a dataset ``type`` (unknown names get a did-you-mean).

    ``chat`` carries a chat_template dataset's options (default: the tokenizer's template, assistant turns).
    """
    name, style = split_type(ds_type)
    if name == "completion":
        return lambda r: _completion(r, field, train_on_inputs)
    if name == "prompt_completion":
        return lambda r: _prompt_completion(r, train_on_inputs)
    if name == "alpaca":
        return lambda r: _alpaca(r, style or "instruct", train_on_inputs)
    if name == "input_output":
        bos, eos = tokenizer.bos_token, tokenizer.eos_token
        return lambda r: _input_output(r, train_on_inputs, bos, eos)
    if chat is None:
        template = getattr(tokenizer, "chat_template", None)
        if not template:
            raise TrainError(
                "type chat_template but the tokenizer has no chat template", "set chat_template: chatml"
            )
        eos = tokenizer.eos_token
        chat = ChatOptions(
            template=template, train_on_inputs=train_on_inputs, eot_tokens=(eos,) if eos else ()
        )
        if field:
            chat = replace(chat, field_messages=field)
    opts = chat
    return lambda r: _chat(r, opts, tokenizer)


def dataset_formatter(entry: Any, cfg: Any, tokenizer: Any) -> Callable[[dict], Segmented | Tokenized]:
    """The row function for one ``datasets`` entry (a DatasetConfig) under the training config ``cfg``."""
    name, _style = split_type(entry.type)
    chat = None
    if name == "chat_template":
        if entry.chat_template or entry.chat_template_jinja:
            template = resolve_template(entry.chat_template, entry.chat_template_jinja, tokenizer)
        else:  # the top-level choice is already on the tokenizer (model_setup.load_tokenizer)
            template = getattr(tokenizer, "chat_template", None)
        if not template:
            raise TrainError(
                "type chat_template but the tokenizer has no chat template", "set chat_template: chatml"
            )
        chat = chat_options(entry, cfg, tokenizer, template)
    return formatter(entry.type, tokenizer, entry.field, bool(cfg.train_on_inputs), chat)


def tokenize_rows(
    rows: list[dict],
    fmt: Callable[[dict], Segmented | Tokenized],
    tokenizer: Any,
    sequence_len: int,
    batch_size: int = 512,
) -> tuple[list[tuple[list[int], list[int]]], TokenStats]:
    """Tokenize rows (in batches) into ``(input_ids, labels)`` samples of at most ``sequence_len`` tokens.

    Completion texts longer than ``sequence_len`` are split into chunks (BOS on the first, EOS on the last);
    other rows that do not fit are dropped, as are rows with nothing to train. Counts come back in ``TokenStats``.
    """
    stats = TokenStats(rows=len(rows))
    bos_id, eos_id = structural_bos_id(tokenizer), tokenizer.eos_token_id
    bos_s, eos_s = tokenizer.bos_token, tokenizer.eos_token
    out: list[tuple[list[int], list[int]]] = []
    for start in range(0, len(rows), batch_size):
        formatted = [fmt(r) for r in rows[start : start + batch_size]]
        plain: list[str] = []
        special: list[str] = []
        where: list[list[tuple[bool, int, bool]]] = []
        for s in formatted:
            locs = []
            segments = s.segments if isinstance(s, Segmented) else []
            n = len(segments)
            for j, (text, trained, parse) in enumerate(segments):
                if not parse:
                    text = _strip_literal(
                        text,
                        bos_s if s.bos else None,  # a literal BOS is structure: the token, or nothing
                        eos_s if s.eos and eos_id is not None else None,
                        j == 0,
                        j == n - 1,
                    )
                bucket = special if parse else plain
                locs.append((parse, len(bucket), trained))
                bucket.append(text)
            where.append(locs)
        ids_plain = (
            tokenizer(plain, add_special_tokens=False, split_special_tokens=True)["input_ids"]
            if plain
            else []
        )
        ids_special = tokenizer(special, add_special_tokens=False)["input_ids"] if special else []
        for s, locs in zip(formatted, where, strict=True):
            chunk_long = isinstance(s, Segmented) and s.chunk_long
            if isinstance(s, Tokenized):
                ids, labels = s.input_ids, s.labels
            else:
                ids, labels = [], []
                if s.bos and bos_id is not None:
                    ids.append(bos_id)
                    labels.append(bos_id if (locs and locs[0][2]) else IGNORE)
                for parse, k, trained in locs:
                    piece = (ids_special if parse else ids_plain)[k]
                    ids += piece
                    labels += piece if trained else [IGNORE] * len(piece)
                if s.eos and eos_id is not None:
                    ids.append(eos_id)
                    labels.append(eos_id)
            if len(ids) <= 1 or all(lab == IGNORE for lab in labels[1:]):
                stats.dropped_empty += 1
                continue
            if len(ids) > sequence_len:
                if not chunk_long:
                    stats.dropped_too_long += 1
                    continue
                stats.split_rows += 1
                for c in range(0, len(ids), sequence_len):
                    chunk_ids, chunk_labels = ids[c : c + sequence_len], labels[c : c + sequence_len]
                    if len(chunk_ids) < 2:
                        continue
                    out.append((chunk_ids, chunk_labels))
                    stats.extra_chunks += 1
                stats.extra_chunks -= 1
                continue
            out.append((ids, labels))
    stats.samples = len(out)
    return out, stats
