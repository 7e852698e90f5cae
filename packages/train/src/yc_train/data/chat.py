"""The ``chat_template`` dataset type, masked as Axolotl masks it (token for token; see bench/results/compat.md).

A row's messages are mapped (``message_property_mappings``, ``roles``), the whole conversation is rendered and
tokenized once with the chat template, and each turn is located in those tokens by rendering the conversation
again with placeholders in the turn's place and diffing the text (or, where the text does not tokenize back to
the same tokens, by diffing the tokens of the conversation up to the turn). Trained turns (``roles_to_train``, a
per-message training flag, or ``train_on_inputs``) keep their labels; the EOS / end-of-turn token after a turn is
trained per ``train_on_eos`` / ``train_on_eot`` (``turn``, ``all``, ``last``, ``none``).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from yc_train.errors import TrainError

IGNORE = -100
SENTINELS = ("[[dummy_message]]", "zzdummymessagezz")  # placeholders with different first/last characters
DEFAULT_ROLES = {
    "human": "user",
    "user": "user",
    "assistant": "assistant",
    "gpt": "assistant",
    "system": "system",
    "tool": "tool",
}
THINKING_PAIRS = (
    ("<think>", "</think>"),
    ("<reasoning>", "</reasoning>"),
    ("<|begin_of_thought|>", "<|end_of_thought|>"),
)
SOLUTION_PAIR = ("<|begin_of_solution|>", "<|end_of_solution|>")


@dataclass(frozen=True)
class ChatOptions:
    """How one ``chat_template`` dataset is read and masked (built from its config entry by ``chat_options``)."""

    template: str
    field_messages: str = "messages"
    field_system: str = "system"
    field_tools: str = "tools"
    template_thinking_key: str = "reasoning_content"
    mappings: dict[str, str] = field(default_factory=lambda: {"role": "role", "content": "content"})
    roles: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ROLES))
    roles_to_train: tuple[str, ...] = ("assistant",)
    train_on_inputs: bool = False
    train_on_eos: str = "turn"
    train_on_eot: str = "turn"
    eot_tokens: tuple[str, ...] = ()
    drop_system_message: bool = False
    split_thinking: bool = False
    field_training: str | None = None
    template_kwargs: dict[str, Any] = field(default_factory=dict)
    skip_system_turn: bool = False  # mistral tokenizers render a lone system message as nothing


def chat_options(entry: Any, cfg: Any, tokenizer: Any, template: str) -> ChatOptions:
    """Options for the dataset ``entry`` (a DatasetConfig) under the training config ``cfg``."""
    mappings = dict(entry.message_property_mappings or {})
    mappings.setdefault("role", entry.message_field_role or "role")
    mappings.setdefault("content", entry.message_field_content or "content")
    thinking_key = entry.template_thinking_key or "reasoning_content"
    if entry.field_thinking and thinking_key not in mappings:
        mappings[thinking_key] = entry.field_thinking
    roles = (
        {src: target for target, sources in entry.roles.items() for src in sources}
        if entry.roles
        else dict(DEFAULT_ROLES)
    )
    roles_to_train = ["assistant"] if entry.roles_to_train is None else entry.roles_to_train
    train_on_eos = entry.train_on_eos or "turn"
    train_on_eot = entry.train_on_eot or train_on_eos
    eos = tokenizer.eos_token
    eot = tuple(cfg.eot_tokens) if cfg.eot_tokens is not None else ((eos,) if eos else ())
    if eot != (eos,):  # an end-of-turn token must be in the template and be one token
        eot = tuple(t for t in eot if t in template)
        for t in eot:
            if len(tokenizer.encode(t, add_special_tokens=False)) != 1:
                raise TrainError(
                    f"the end-of-turn token '{t}' is several tokens for this tokenizer",
                    f"add it to the vocabulary: tokens: ['{t}']",
                )
        if eos in eot and train_on_eos != train_on_eot:
            raise TrainError(
                f"train_on_eos ({train_on_eos}) and train_on_eot ({train_on_eot}) disagree while the EOS token "
                "is one of eot_tokens",
                "set them to the same value",
            )
    return ChatOptions(
        template=template,
        field_messages=entry.field_messages or "messages",
        field_system=entry.field_system or "system",
        field_tools=entry.field_tools or "tools",
        template_thinking_key=thinking_key,
        mappings=mappings,
        roles=roles,
        roles_to_train=tuple(roles.get(r, r) for r in roles_to_train),
        train_on_inputs=bool(cfg.train_on_inputs),
        train_on_eos=train_on_eos,
        train_on_eot=train_on_eot,
        eot_tokens=eot,
        drop_system_message=bool(entry.drop_system_message),
        split_thinking=bool(entry.split_thinking),
        field_training=entry.message_field_training,
        template_kwargs=dict(cfg.chat_template_kwargs or {}),
        skip_system_turn="mistral" in str(getattr(tokenizer, "name_or_path", "")).lower(),
    )


@cache
def template_message_keys(template: str) -> frozenset[str]:
    """Names the template reads as attributes or string subscripts (message keys it may use)."""
    from jinja2 import Environment, TemplateSyntaxError, nodes

    text = re.sub(r"{%-?\s*(end)?generation\s*-?%}", "", template)  # transformers' own tag
    try:
        tree = Environment(extensions=["jinja2.ext.loopcontrols"]).parse(text)
    except TemplateSyntaxError:
        return frozenset()
    keys = {n.attr for n in tree.find_all(nodes.Getattr)}
    keys |= {
        n.arg.value
        for n in tree.find_all(nodes.Getitem)
        if isinstance(n.arg, nodes.Const) and isinstance(n.arg.value, str)
    }
    return frozenset(keys)


def _split_thinking(message: dict, key: str) -> None:
    content = message.get("content")
    if not isinstance(content, str):
        return
    for start, end in THINKING_PAIRS:
        if start in content and end in content:
            i, j = content.find(start), content.find(end)
            message[key] = content[i + len(start) : j].strip()
            rest = content[j + len(end) :].lstrip()
            s, e = SOLUTION_PAIR
            if s in rest and e in rest:
                rest = rest[rest.find(s) + len(s) : rest.find(e)].strip()
            message["content"] = rest
            return


def _message(raw: dict, opts: ChatOptions) -> dict:
    msg = {k: raw[src] for k, src in opts.mappings.items() if raw.get(src) is not None}
    if "role" in msg:
        msg["role"] = opts.roles.get(msg["role"], msg["role"])
    if opts.split_thinking and msg.get("role") == "assistant":
        _split_thinking(msg, opts.template_thinking_key)
    mapped = set(opts.mappings.values())
    for key in template_message_keys(opts.template):
        if key not in mapped and key in raw and raw[key] is not None:
            msg[key] = raw[key]
    for call in msg.get("tool_calls") or []:
        fn = call.get("function") if isinstance(call, dict) else None
        if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
            fn["arguments"] = json.loads(fn["arguments"])
    return msg


def _join_parts(parts: list) -> str:
    """Content given as a list of parts: their texts joined (per-part training flags are refused)."""
    texts = []
    for part in parts:
        if not isinstance(part, dict):
            raise TrainError("message content parts must be objects with a text", "fix the dataset")
        if part.get("train") is not None or part.get("weight") is not None:
            raise TrainError(
                "not supported: per-part train/weight in message content — in Axolotl it trains only some "
                "parts of a message",
                "split the message, or use message_field_training to train or skip whole messages",
            )
        texts.append(part.get("text") or part.get("content") or part.get("value") or "")
    return "".join(texts)


def conversation(row: dict, opts: ChatOptions) -> list[dict]:
    """The row's messages as template turns (mapped roles/keys, system column, dropped system message)."""
    raw = row.get(opts.field_messages)
    if not isinstance(raw, list):
        raise TrainError(
            f"chat_template rows need a '{opts.field_messages}' list of messages; the row has {sorted(row)}",
            "set datasets[].field_messages",
        )
    turns = [_message(m, opts) for m in raw]
    for t in turns:
        for key in ("content", opts.template_thinking_key):
            if isinstance(t.get(key), list):
                t[key] = _join_parts(t[key])
    if turns and turns[0].get("role") != "system" and row.get(opts.field_system) is not None:
        turns.insert(0, {"role": "system", "content": row[opts.field_system]})
    for t, m in zip(turns[-len(raw) :] if raw else [], raw, strict=True):
        if opts.field_training and m.get(opts.field_training) is not None:
            t["training"] = m[opts.field_training]
    if opts.drop_system_message and turns and turns[0].get("role") == "system":
        turns = turns[1:]
    return turns


def _tools(row: dict, opts: ChatOptions) -> list | None:
    tools = row.get(opts.field_tools)
    if tools is None:
        return None
    if not isinstance(tools, list):
        raise TrainError(f"'{opts.field_tools}' must be a list of tool definitions", "fix the dataset")
    for tool in tools:
        fn = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(fn, dict) and isinstance(fn.get("parameters"), str):
            fn["parameters"] = json.loads(fn["parameters"])
    return tools


def _kwargs(opts: ChatOptions, tools: list | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "chat_template": opts.template,
        "add_generation_prompt": False,
        **opts.template_kwargs,
    }
    if tools:
        kwargs["tools"] = tools
    return kwargs


def _clean(turns: list[dict]) -> list[dict]:
    return [{k: v for k, v in t.items() if k != "training"} for t in turns]


def _render(
    tokenizer: Any, turns: list[dict], opts: ChatOptions, tools: list | None, **extra: Any
) -> list[int]:
    kwargs = {**_kwargs(opts, tools), **extra}
    return list(tokenizer.apply_chat_template(_clean(turns), tokenize=True, return_dict=False, **kwargs))


def _render_text(tokenizer: Any, turns: list[dict], opts: ChatOptions, tools: list | None) -> str:
    return tokenizer.apply_chat_template(_clean(turns), tokenize=False, **_kwargs(opts, tools))


@dataclass
class Locator:
    """The rendered conversation and each token's character span, to find turns by a text diff."""

    text: str
    starts: list[int]
    ends: list[int]


def locator(
    tokenizer: Any, turns: list[dict], opts: ChatOptions, tools: list | None, ids: list[int]
) -> Locator | None:
    """A text locator, or None when the rendered text does not tokenize back to ``ids`` (then tokens are diffed)."""
    if not getattr(tokenizer, "is_fast", False):
        return None
    text = _render_text(tokenizer, turns, opts, tools)
    if not text:
        return None
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    if list(enc["input_ids"]) != ids:
        return None
    return Locator(text, [a for a, _ in enc["offset_mapping"]], [b for _, b in enc["offset_mapping"]])


def _char_span(full: str, dummy: str) -> tuple[int, int]:
    """Characters of ``full`` that differ from ``dummy``: common prefix, then a common suffix not overlapping it."""
    limit = min(len(full), len(dummy))
    start = 0
    while start < limit and full[start] == dummy[start]:
        start += 1
    suffix = 0
    while suffix < limit - start and full[-1 - suffix] == dummy[-1 - suffix]:
        suffix += 1
    return start, len(full) - suffix


def _span_from_text(
    tokenizer: Any, turns: list[dict], i: int, opts: ChatOptions, tools: list | None, loc: Locator
) -> tuple[int, int] | None:
    """Turn ``i``'s token span from the text diff against placeholder turns put in its place.

    The whole conversation is rendered each time, so templates that render a turn by its position (thinking
    shown only after the last user message) render it the same way. Two placeholders with different first and
    last characters: the wider span is the turn's (a template may glue a shared character onto one).
    """
    spans = []
    for sentinel in SENTINELS:
        dummy = [*turns[:i], {"role": turns[i].get("role"), "content": sentinel}, *turns[i + 1 :]]
        text = _render_text(tokenizer, dummy, opts, tools)
        if not text:
            return None
        spans.append(_char_span(loc.text, text))
    char_start, char_end = min(a for a, _ in spans), max(b for _, b in spans)
    if char_end <= char_start:
        return -1, -1
    start, end = bisect_right(loc.ends, char_start), bisect_left(loc.starts, char_end)
    if start >= len(loc.ends) or end > len(loc.ends):
        return None
    return start, end


def _span_from_tokens(
    tokenizer: Any, turns: list[dict], i: int, opts: ChatOptions, tools: list | None
) -> tuple[int, int] | None:
    """Turn ``i``'s token span by tokenizing the conversation up to it with its content and with a placeholder."""
    last = {"real_last_index": len(turns) - 1} if len(turns) > 1 else {}
    dummy = _render(
        tokenizer, [*turns[:i], {"role": turns[i].get("role"), "content": SENTINELS[0]}], opts, tools, **last
    )
    full = _render(tokenizer, turns[: i + 1], opts, tools, **last)
    if not dummy or not full:
        return None
    n = min(len(dummy), len(full))
    start = next((k for k in range(n) if dummy[k] != full[k]), None)
    end = next((len(full) - k for k in range(n) if dummy[-1 - k] != full[-1 - k]), None)
    if start is None or end is None:
        return None
    return start, end


def find_turn(
    tokenizer: Any, turns: list[dict], i: int, opts: ChatOptions, tools: list | None, loc: Locator | None
) -> tuple[int, int]:
    """Token span ``[start, end)`` of turn ``i``'s content, or (-1, -1) when it cannot be located."""
    if i == 0 and turns[0].get("role") == "system" and opts.skip_system_turn:
        return -1, -1
    span = _span_from_text(tokenizer, turns, i, opts, tools, loc) if loc is not None else None
    if span is None:
        span = _span_from_tokens(tokenizer, turns, i, opts, tools)
    if span is None or span[0] == -1 or span[1] == -1 or span[1] <= span[0]:
        return -1, -1
    return span


def _first(ids: list[int], targets: set[int], start: int) -> int:
    """First index >= start holding a target (Python indexing: start -1 looks at the last token first)."""
    for k in range(start, len(ids)):
        if ids[k] in targets:
            return k
    return -1


def tokenize_chat(row: dict, opts: ChatOptions, tokenizer: Any) -> tuple[list[int], list[int]]:
    """``(input_ids, labels)`` of one conversation row."""
    turns = conversation(row, opts)
    if not turns:
        return [], []
    tools = _tools(row, opts)
    ids = _render(tokenizer, turns, opts, tools)
    labels = [IGNORE] * len(ids)
    loc = locator(tokenizer, turns, opts, tools, ids)
    eos_ids = {tokenizer.eos_token_id}
    eot_ids = {tokenizer.encode(t, add_special_tokens=False)[0] for t in opts.eot_tokens}
    last = {"EOT": -1, "EOS": -1}
    for i, turn in enumerate(turns):
        train = turn.get("training")
        if train is None:
            train = opts.train_on_inputs or turn.get("role") in opts.roles_to_train
        if not train and "all" not in (opts.train_on_eos, opts.train_on_eot):
            continue
        start, end = find_turn(tokenizer, turns, i, opts, tools, loc)
        if train and start != -1 and end != -1:
            labels[start:end] = ids[start:end]
        for kind, targets, choice in (
            ("EOT", eot_ids, opts.train_on_eot),
            ("EOS", eos_ids, opts.train_on_eos),
        ):
            k = _first(ids, targets, end)
            if k != -1 and abs(k - end) <= 3:  # the template may put a few tokens between content and EOS
                last[kind] = k
                if choice == "all" or (choice == "turn" and train):
                    labels[k] = ids[k]
    for kind, choice in (("EOT", opts.train_on_eot), ("EOS", opts.train_on_eos)):
        if choice == "last" and last[kind] != -1:
            labels[last[kind]] = ids[last[kind]]
    return ids, labels
