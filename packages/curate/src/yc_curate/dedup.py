"""Duplicate transcripts across videos: exact (hash of normalised text) and near (MinHash + LSH, numpy).

Re-uploads, compilations and shorts cut from a long video repeat a transcript with small changes; keeping
both leaks text between train and validation and over-weights it. The first occurrence (input order) is kept.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_PRIME = np.uint64(4294967311)  # > 2**32: a universal hash family over 32-bit shingle hashes
_WORD = re.compile(r"[^\w\s]+", re.UNICODE)


def normalize(text: str) -> str:
    """Lower case, punctuation removed, whitespace collapsed."""
    return " ".join(_WORD.sub(" ", (text or "").lower()).split())


def text_hash(text: str) -> str:
    """Hash of the normalised text (equal for texts that differ only in case, punctuation, spacing)."""
    return hashlib.sha256(normalize(text).encode()).hexdigest()


def exact_duplicates(ids: Sequence[str], texts: Sequence[str]) -> dict[str, str]:
    """``{duplicate_id: first_id}`` for texts whose normalised form repeats an earlier one."""
    first: dict[str, str] = {}
    dups: dict[str, str] = {}
    for vid, text in zip(ids, texts, strict=True):
        h = text_hash(text)
        if h in first:
            dups[vid] = first[h]
        else:
            first[h] = vid
    return dups


@dataclass
class MinHasher:
    """MinHash signatures of word shingles: ``num_perm`` hash functions ``(a*x + b) mod p``."""

    num_perm: int = 128
    shingle: int = 5
    seed: int = 1

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        self._a = rng.integers(1, 2**31, size=(self.num_perm, 1), dtype=np.uint64)
        self._b = rng.integers(0, 2**31, size=(self.num_perm, 1), dtype=np.uint64)

    def shingles(self, text: str) -> np.ndarray:
        words = normalize(text).split()
        n = self.shingle
        grams = [" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1))] if words else []
        return np.array(sorted({zlib.crc32(g.encode()) for g in grams}), dtype=np.uint64)

    def signature(self, text: str) -> np.ndarray:
        x = self.shingles(text)
        if x.size == 0:
            return np.full(self.num_perm, np.iinfo(np.uint64).max, dtype=np.uint64)
        return ((self._a * x[None, :] + self._b) % _PRIME).min(axis=1)


def lsh_bands(num_perm: int, threshold: float) -> tuple[int, int]:
    """(bands, rows) with bands*rows == num_perm and LSH threshold (1/b)^(1/r) just under ``threshold``,
    so true near-duplicates become candidates (candidates are then verified)."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        if num_perm % rows:
            continue
        bands = num_perm // rows
        if (1 / bands) ** (1 / rows) <= threshold - 0.05:
            best = (bands, rows)
    return best


def near_duplicates(
    ids: Sequence[str], texts: Sequence[str], threshold: float = 0.8, num_perm: int = 128, shingle: int = 5
) -> dict[str, tuple[str, float]]:
    """``{duplicate_id: (earlier_id, estimated_jaccard)}`` for pairs at or above ``threshold``."""
    hasher = MinHasher(num_perm=num_perm, shingle=shingle)
    sigs = np.stack([hasher.signature(t) for t in texts]) if texts else np.zeros((0, num_perm), np.uint64)
    bands, rows = lsh_bands(num_perm, threshold)
    buckets: list[dict[bytes, list[int]]] = [{} for _ in range(bands)]
    dups: dict[str, tuple[str, float]] = {}
    for i in range(len(ids)):
        candidates: set[int] = set()
        keys = [sigs[i, b * rows : (b + 1) * rows].tobytes() for b in range(bands)]
        for b, key in enumerate(keys):
            candidates.update(buckets[b].get(key, ()))
        best: tuple[int, float] | None = None
        for j in sorted(candidates):
            sim = float(np.mean(sigs[i] == sigs[j]))
            if sim >= threshold and (best is None or sim > best[1]):
                best = (j, sim)
        if best is not None:
            dups[ids[i]] = (ids[best[0]], best[1])
            continue  # a duplicate is not itself a reference for later texts
        for b, key in enumerate(keys):
            buckets[b].setdefault(key, []).append(i)
    return dups


def deduplicate(
    ids: Sequence[str], texts: Sequence[str], *, near: bool = True, threshold: float = 0.8
) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """The ids to keep (input order) and ``{dropped_id: (reason, kept_id)}``, reason ``duplicate`` or
    ``near_duplicate``."""
    dropped: dict[str, tuple[str, str]] = {
        k: ("duplicate", v) for k, v in exact_duplicates(ids, texts).items()
    }
    rest = [(i, t) for i, t in zip(ids, texts, strict=True) if i not in dropped]
    if near and rest:
        for k, (v, _sim) in near_duplicates([i for i, _ in rest], [t for _, t in rest], threshold).items():
            dropped[k] = ("near_duplicate", v)
    return [i for i in ids if i not in dropped], dropped
