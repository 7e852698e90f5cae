"""Dataset types: turn rows into trainable token sequences (``input_ids`` + ``labels``, -100 = not trained).

Each row becomes a list of text segments with a "trained" flag; all segments are tokenized in batches with the
fast tokenizer. Row text is data, never control: it is tokenized with ``split_special_tokens=True`` so a
transcript containing ``</s>`` or ``<|im_end|>`` stays plain text; BOS/EOS come from the structure. Only the
``chat_template`` type parses special tokens, inside the template's own markup.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yc_train.errors import TrainError

IGNORE = -100

ALPACA_WITH_INPUT = (
    "Below is an instruction that describes a task, paired with an input that provides further context. "
    "Write a response that appropriately completes the request.\n\n"
    "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n"
)
ALPACA_NO_INPUT = (
    "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n"
    "### Instruction:\n{instruction}\n\n### Response:\n"
)


@dataclass
class Segmented:
    """One row as text segments: (text, trained, parse_specials); BOS/EOS added by structure."""

    segments: list[tuple[str, bool, bool]]
    bos: bool = True
    eos: bool = True
    chunk_long: bool = False  # completion: split long texts instead of dropping them


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


def _alpaca(row: dict, train_on_inputs: bool) -> Segmented:
    inp = row.get("input") or ""
    tmpl = ALPACA_WITH_INPUT if inp else ALPACA_NO_INPUT
    prompt = tmpl.format(instruction=row.get("instruction") or "", input=inp)
    return Segmented([(prompt, train_on_inputs, False), (str(row.get("output") or ""), True, False)])


def _input_output(row: dict) -> Segmented:
    segs = row.get("segments")
    if not isinstance(segs, list):
        raise TrainError(
            "type input_output needs a 'segments' column of {text, label}", "see the Axolotl docs"
        )
    return Segmented([(str(s.get("text") or ""), bool(s.get("label", True)), False) for s in segs], eos=False)


def _chat(row: dict, tokenizer: Any, field: str | None, train_on_inputs: bool) -> Segmented:
    key = field or ("messages" if "messages" in row else "conversations")
    msgs = row.get(key)
    if not msgs:
        return Segmented([], bos=False, eos=False)
    msgs = [
        {"role": m.get("role") or m.get("from"), "content": m.get("content") or m.get("value") or ""}
        for m in msgs
    ]
    msgs = [
        {"role": {"human": "user", "gpt": "assistant"}.get(m["role"], m["role"]), "content": m["content"]}
        for m in msgs
    ]

    def render(ms: list[dict], gen: bool = False) -> str:
        return tokenizer.apply_chat_template(ms, tokenize=False, add_generation_prompt=gen) if ms else ""

    segs: list[tuple[str, bool, bool]] = []
    done = ""
    for i, m in enumerate(msgs):
        full = render(msgs[: i + 1])
        if m["role"] == "assistant":
            pre = render(msgs[:i], gen=True)
            if pre.startswith(done) and full.startswith(pre):
                segs.append((pre[len(done) :], train_on_inputs, True))
                segs.append((full[len(pre) :], True, True))
                done = full
                continue
        if not full.startswith(done):
            raise TrainError(
                "the chat template does not render messages as a growing prefix", "use another template"
            )
        segs.append((full[len(done) :], train_on_inputs or m["role"] == "assistant", True))
        done = full
    return Segmented(segs, bos=False, eos=False)


TYPES = ("completion", "prompt_completion", "alpaca", "input_output", "chat_template")


def formatter(
    ds_type: str | None, tokenizer: Any, field: str | None, train_on_inputs: bool
) -> Callable[[dict], Segmented]:
    """The row -> segments function for a dataset ``type`` (unknown names get a did-you-mean)."""
    t = (ds_type or "completion").split(":")[0].strip()
    if t == "completion":
        return lambda r: _completion(r, field, train_on_inputs)
    if t in ("prompt_completion", "yc"):
        return lambda r: _prompt_completion(r, train_on_inputs)
    if t == "alpaca":
        return lambda r: _alpaca(r, train_on_inputs)
    if t == "input_output":
        return _input_output
    if t in ("chat_template", "chat"):
        if not getattr(tokenizer, "chat_template", None):
            raise TrainError(
                "type chat_template but the tokenizer has no chat template", "set chat_template: chatml"
            )
        return lambda r: _chat(r, tokenizer, field, train_on_inputs)
    near = difflib.get_close_matches(t, TYPES, n=1)
    hint = f"did you mean '{near[0]}'?" if near else f"use one of: {', '.join(TYPES)}"
    raise TrainError(f"unknown dataset type '{t}'", hint)


def tokenize_rows(
    rows: list[dict],
    fmt: Callable[[dict], Segmented],
    tokenizer: Any,
    sequence_len: int,
    batch_size: int = 512,
) -> tuple[list[tuple[list[int], list[int]]], TokenStats]:
    """Tokenize rows (in batches) into ``(input_ids, labels)`` samples of at most ``sequence_len`` tokens.

    Completion texts longer than ``sequence_len`` are split into chunks (BOS on the first, EOS on the last);
    other rows that do not fit are dropped. Counts come back in ``TokenStats``.
    """
    stats = TokenStats(rows=len(rows))
    bos_id, eos_id = tokenizer.bos_token_id, tokenizer.eos_token_id
    bos_s, eos_s = tokenizer.bos_token, tokenizer.eos_token
    out: list[tuple[list[int], list[int]]] = []
    for start in range(0, len(rows), batch_size):
        segd = [fmt(r) for r in rows[start : start + batch_size]]
        plain: list[str] = []
        special: list[str] = []
        where: list[list[tuple[bool, int, bool]]] = []
        for s in segd:
            locs = []
            n = len(s.segments)
            for j, (text, trained, parse) in enumerate(s.segments):
                if not parse:
                    text = _strip_literal(
                        text, bos_s if s.bos else None, eos_s if s.eos else None, j == 0, j == n - 1
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
        for s, locs in zip(segd, where, strict=True):
            ids: list[int] = []
            labels: list[int] = []
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
                if not s.chunk_long:
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
