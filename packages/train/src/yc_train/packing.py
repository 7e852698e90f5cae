"""Exact sample packing: best-fit-decreasing bins of ``sequence_len`` and the collators that feed them.

A packed batch is one flat row (batch size 1): the samples of ``micro_batch_size`` bins laid end to end, with
``position_ids`` restarting at 0 for every sample and per-sample shifted labels (the last token of a sample never
predicts the first token of the next). No sample attends to another: the flash-attention and yc ``varlen``
kernels get the sample boundaries (``cu_seq_lens``); sdpa and eager get a block-diagonal causal mask that
transformers derives from the restarting ``position_ids`` (only when no KV cache is built: ``use_cache=False``).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

IGNORE = -100

# Architectures whose attention is not isolated by restarting position_ids (measured: mpt diff 0.79, rwkv 5e-3).
PACKING_UNSAFE = frozenset({"mpt", "rwkv", "rwkv5", "rwkv6"})


def pack_bfd(lengths: Sequence[int], capacity: int) -> list[list[int]]:
    """Best-fit-decreasing bin packing: indices grouped into bins whose total length is at most ``capacity``.

    Each item goes into the fullest bin it still fits in (else a new bin), longest items first.
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    bins: list[list[int]] = []
    # sorted (remaining capacity, bin index) pairs
    free: list[tuple[int, int]] = []
    for i in order:
        n = lengths[i]
        if n > capacity:
            raise ValueError(f"sample {i} has {n} tokens > capacity {capacity}")
        k = bisect.bisect_left(free, (n, -1))
        if k < len(free):
            room, b = free.pop(k)
            bins[b].append(i)
            bisect.insort(free, (room - n, b))
        else:
            bins.append([i])
            bisect.insort(free, (capacity - n, len(bins) - 1))
    return bins


def packing_efficiency(lengths: Sequence[int], bins: Sequence[Sequence[int]], capacity: int) -> float:
    """Real tokens / (bins x capacity)."""
    return float(sum(lengths)) / float(max(1, len(bins)) * capacity)


def shift_labels(labels: Sequence[int]) -> list[int]:
    """Labels for next-token prediction inside one sample: position i is scored on token i+1."""
    return [*labels[1:], IGNORE]


@dataclass
class Samples:
    """Tokenized samples held as Python lists (``input_ids[i]``, ``labels[i]``)."""

    input_ids: list[list[int]]
    labels: list[list[int]]

    def __len__(self) -> int:
        return len(self.input_ids)

    def lengths(self) -> list[int]:
        return [len(x) for x in self.input_ids]


class BinDataset:
    """A map-style dataset whose items are groups of sample indices (a packed bin, or one sample)."""

    def __init__(self, samples: Samples, groups: list[list[int]]) -> None:
        self.samples = samples
        self.groups = groups

    def __len__(self) -> int:
        return len(self.groups)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"group": self.groups[i]}

    def tokens(self) -> int:
        return sum(len(self.samples.input_ids[j]) for g in self.groups for j in g)


class FlatCollator:
    """Lays the samples of a batch of groups end to end in one row (no padding at all)."""

    def __init__(self, samples: Samples, with_cu_seqlens: bool = True) -> None:
        self.samples = samples
        self.with_cu_seqlens = with_cu_seqlens

    def __call__(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        ids: list[int] = []
        pos: list[int] = []
        labels: list[int] = []
        shifted: list[int] = []
        cu = [0]
        bins = [0]
        for item in items:
            bins.append(bins[-1] + sum(len(self.samples.input_ids[j]) for j in item["group"]))
            for j in item["group"]:
                x, y = self.samples.input_ids[j], self.samples.labels[j]
                ids += x
                labels += y
                shifted += shift_labels(y)
                pos += range(len(x))
                cu.append(cu[-1] + len(x))
        batch: dict[str, Any] = {
            "input_ids": torch.tensor([ids], dtype=torch.long),
            "position_ids": torch.tensor([pos], dtype=torch.long),
            "labels": torch.tensor([labels], dtype=torch.long),
            "shift_labels": torch.tensor([shifted], dtype=torch.long),
            "bin_bounds": bins,  # token offsets of each group, so a step can run group by group
        }
        if self.with_cu_seqlens:
            cu_t = torch.tensor(cu, dtype=torch.int32)
            longest = int(max(b - a for a, b in itertools.pairwise(cu)))
            batch.update(cu_seq_lens_q=cu_t, cu_seq_lens_k=cu_t, max_length_q=longest, max_length_k=longest)
        return batch


class PadCollator:
    """One sample per row, right-padded to the longest in the batch (or to ``pad_to``) with an attention mask."""

    def __init__(self, samples: Samples, pad_id: int, pad_to: int | None = None) -> None:
        self.samples = samples
        self.pad_id = pad_id
        self.pad_to = pad_to

    def __call__(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        rows = [j for item in items for j in item["group"]]
        width = self.pad_to or max(len(self.samples.input_ids[j]) for j in rows)
        ids, mask, labels, shifted = [], [], [], []
        for j in rows:
            x, y = self.samples.input_ids[j], self.samples.labels[j]
            pad = width - len(x)
            ids.append(x + [self.pad_id] * pad)
            mask.append([1] * len(x) + [0] * pad)
            labels.append(y + [IGNORE] * pad)
            shifted.append(shift_labels(y) + [IGNORE] * pad)
        return {
            "input_ids": torch.tensor(ids, dtype=torch.long),
            "attention_mask": torch.tensor(mask, dtype=torch.long),
            "labels": torch.tensor(labels, dtype=torch.long),
            "shift_labels": torch.tensor(shifted, dtype=torch.long),
        }
