"""Exact token counts for many texts, an order of magnitude faster than tokenizing each one.

A transcript tokenizes into the same tokens as its space-separated words do one by one, whenever the
tokenizer's pipeline cuts text at every space that sits between two non-space characters (GPT-2 / Llama 3 /
Qwen byte-level regexes, Metaspace with ``split``, whitespace and BERT pre-tokenizers). For those tokenizers
:class:`TokenCounter` splits a batch of texts at spaces in Arrow, looks each distinct word up once in a cache
of counts (``"word" -> tokens in " word"``) and tokenizes only the words it has not seen, joined into long
strings for one Rust batch. Spoken text repeats words constantly, so after the first few hundred rows
nearly every word is a cache hit. A text with a space next to other whitespace (``"a  b"``, ``"a\n b"``)
has no safe cut there and is tokenized whole. ``bench/curate``: 12x a per-row ``tokenizer(text)`` loop.

The shortcut is taken only for pipelines built from pre-tokenizers and normalizers known to keep that cut,
and only after a probe of tricky strings (contractions, digits, emoji, double spaces, newlines, the
tokenizer's own control tokens) counts the same both ways; anything else uses ``encode_batch``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_UNSAFE = -(1 << 40)  # cached for pieces that are not safe cuts: any sum containing it is negative

# Pre-tokenizers that (with ``_splits``) cut at spaces between words; normalizers that act per character.
# (``Sequence`` is flattened by ``_node_types``.)
_PRE_TOKENIZERS = {"ByteLevel", "Split", "Digits", "Metaspace", "Whitespace", "WhitespaceSplit",
                   "BertPreTokenizer", "Punctuation"}  # fmt: skip
_NORMALIZERS = {"NFC", "NFD", "NFKC", "NFKD", "Lowercase", "StripAccents"}
_MAX_CACHE = 2_000_000
_JOIN = 256  # words per joined string when learning new words

_PROBES = [
    "Hello world, it's 2024 and we'll see what they've done.",
    "numbers 12345 678 9 and 3.14159 ok",
    "  double  spaces and trailing  ",
    "tabs\tand\nnew lines\n\n and \n mixed",
    "unicode café naïve Straße 日本語 テスト 😀 👍🏽 done",
    "punctuation... !? (brackets) [INST] <s> </s> <|im_end|> -- \u2014 end.",
    "CamelCase snake_case kebab-case URLs https://example.com/a?b=c",
    " leading space",
    "x",
]


def _node_types(node: Any) -> list[dict]:
    """The components of a serialized normalizer / pre-tokenizer, ``Sequence`` flattened."""
    if not node:
        return []
    if node.get("type") == "Sequence":
        inner = node.get("pretokenizers") or node.get("normalizers") or []
        return [n for child in inner for n in _node_types(child)]
    return [node]


def _splits(pre: dict) -> bool:
    """True when this pre-tokenizer cuts text at single spaces between words."""
    kind = pre.get("type")
    if kind == "ByteLevel":
        return bool(pre.get("use_regex", True))
    if kind == "Metaspace":
        return bool(pre.get("split", True))
    if kind == "Split":
        return "Regex" in (pre.get("pattern") or {}) and pre.get("behavior") in ("Isolated", "Removed")
    return kind in ("Whitespace", "WhitespaceSplit", "BertPreTokenizer")


def _spec(backend: Any, part: str) -> Any:
    obj = getattr(backend, part, None)
    if obj is None:
        return None
    return json.loads(obj.__getstate__())


def _word_splittable(backend: Any) -> bool:
    """Whether ``backend`` (a ``tokenizers.Tokenizer``) may be counted word by word (before the probe)."""
    try:
        pre = _node_types(_spec(backend, "pre_tokenizer"))
        norm = _node_types(_spec(backend, "normalizer"))
    except (AttributeError, TypeError, ValueError):
        return False
    return (
        bool(pre)
        and all(p.get("type") in _PRE_TOKENIZERS for p in pre)
        and any(_splits(p) for p in pre)
        and all(n.get("type") in _NORMALIZERS for n in norm)
    )


def _separator(backend: Any) -> tuple[str, int] | None:
    """A control token that cuts text cleanly (no stripping of neighbouring spaces, not normalised)."""
    try:
        added = backend.get_added_tokens_decoder()
    except AttributeError:
        return None
    for token_id, tok in sorted(added.items()):
        flags = (tok.lstrip, tok.rstrip, tok.normalized, tok.single_word)
        if tok.special and tok.content and not any(flags):
            return tok.content, token_id
    return None


class TokenCounter:
    """``counter(texts) -> [n_tokens, ...]``: exact counts with ``add_special_tokens=False``.

    Control-token strings in a text (the template's BOS / EOS) count as the single token they are, as
    they do in ``tokenizer(text, add_special_tokens=False)``. Keep one counter for a run: its word cache
    is what makes it fast.
    """

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.backend = getattr(tokenizer, "backend_tokenizer", None)
        if self.backend is not None and (self.backend.truncation or self.backend.padding):
            self.backend = None  # counting must see every token: go through the tokenizer's own call
        self._words: dict[str, int] = {}  # "word" -> tokens in " word"
        self._heads: dict[str, int] = {}  # first piece of a text -> its tokens (no leading space)
        self._separator = _separator(self.backend) if self.backend is not None else None
        self.by_words = self.backend is not None and _word_splittable(self.backend)
        if self.by_words:
            probes = _PROBES + [f"{t} probe {t}" for t in self._control_strings()]
            self.by_words = self._count_by_words(probes) == self._encode(probes)
            self._words, self._heads = {}, {}

    def __call__(self, texts: Sequence[str]) -> list[int]:
        texts = list(texts)
        return self._count_by_words(texts) if self.by_words else self._encode(texts)

    def _control_strings(self) -> list[str]:
        tok = self.tokenizer
        names = [getattr(tok, "bos_token", None), getattr(tok, "eos_token", None)]
        return [n for n in names if isinstance(n, str) and n]

    def _encode_ids(self, texts: list[str]) -> list[list[int]]:
        if not texts:
            return []
        if self.backend is None:
            return list(self.tokenizer(texts, add_special_tokens=False)["input_ids"])
        encode = getattr(self.backend, "encode_batch_fast", None) or self.backend.encode_batch
        return [e.ids for e in encode(texts, add_special_tokens=False)]

    def _encode(self, texts: list[str]) -> list[int]:
        return [len(ids) for ids in self._encode_ids(texts)]

    def _count_by_words(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        if len(self._words) + len(self._heads) > _MAX_CACHE:
            self._words, self._heads = {}, {}
        # Split in Arrow, then look each distinct piece of the batch up once (not each occurrence).
        pieces = pc.split_pattern(_arrow_strings(texts), " ")
        coded = pc.dictionary_encode(pieces.flatten())
        distinct, index = coded.dictionary.to_pylist(), _ints(coded.indices)
        firsts = _ints(pieces.offsets)[:-1]
        per_piece = self._lookup(distinct, head=False)[index]
        heads = self._lookup([distinct[i] for i in index[firsts]], head=True)
        # every piece counted as a " word", then the first piece swapped for its count at the text's start
        totals = np.add.reduceat(per_piece, firsts) - per_piece[firsts] + heads
        counts = totals.tolist()
        # A piece next to other whitespace ("a  b", "a\n b") is no safe cut: tokenize those texts whole.
        unsafe = [i for i, n in enumerate(counts) if n < 0]
        for i, n in zip(unsafe, self._encode([texts[i] for i in unsafe]), strict=True):
            counts[i] = n
        return counts

    def _lookup(self, keys: list[str], *, head: bool) -> np.ndarray:
        """Cached counts of ``keys`` (first pieces of texts, or words that follow a space), learning the
        unknown ones in one batch."""
        cache = self._heads if head else self._words
        new = list({k for k in keys if k not in cache})
        if new:
            if head:  # a first piece must end before a space to be a safe cut
                learned = zip(new, self._encode(new), strict=True)
                cache.update((k, _UNSAFE if k[-1:].isspace() else n) for k, n in learned)
            else:  # a word must not touch other whitespace
                learned = zip(new, self._encode_many([" " + k for k in new]), strict=True)
                cache.update(
                    (k, _UNSAFE if not k or k[0].isspace() or k[-1].isspace() else n) for k, n in learned
                )
        return np.fromiter(map(cache.__getitem__, keys), dtype=np.int64, count=len(keys))

    def _encode_many(self, texts: list[str]) -> list[int]:
        """Counts of many short texts, tokenized as long strings joined by a control token and cut at it:
        each part between two control tokens goes through the pipeline on its own, as a separate text does,
        at a fraction of the per-text cost. A chunk whose cut count is off is tokenized text by text."""
        if self._separator is None:
            return self._encode(texts)
        sep, sep_id = self._separator
        chunks = [texts[i : i + _JOIN] for i in range(0, len(texts), _JOIN)]
        counts: list[int] = []
        for chunk, ids in zip(chunks, self._encode_ids([sep.join(c) for c in chunks]), strict=True):
            if ids.count(sep_id) != len(chunk) - 1:
                counts.extend(self._encode(chunk))
                continue
            start = 0
            for _ in range(len(chunk) - 1):
                cut = ids.index(sep_id, start)
                counts.append(cut - start)
                start = cut + 1
            counts.append(len(ids) - start)
        return counts


def _arrow_strings(texts: list[str]) -> pa.Array:
    """``texts`` as an Arrow large_string array, built from buffers (``pa.array`` would import pandas)."""
    data = [t.encode() for t in texts]
    offsets = np.zeros(len(data) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, data), dtype=np.int64, count=len(data)), out=offsets[1:])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))]
    return pa.Array.from_buffers(pa.large_string(), len(data), buffers)


def _ints(arr: pa.Array) -> np.ndarray:
    """A null-free int32 / int64 Arrow array as numpy, zero-copy (``to_numpy`` would import pandas)."""
    assert arr.null_count == 0 and pa.types.is_integer(arr.type)
    dtype = np.dtype(f"int{arr.type.bit_width}")
    return np.frombuffer(arr.buffers()[1], dtype=dtype, count=len(arr), offset=arr.offset * dtype.itemsize)


def count_tokens(tokenizer: Any, texts: Sequence[str]) -> list[int]:
    """Token counts of ``texts`` (``add_special_tokens=False``); for many calls keep a :class:`TokenCounter`."""
    return TokenCounter(tokenizer)(texts)
