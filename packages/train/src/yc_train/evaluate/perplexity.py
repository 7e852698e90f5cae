"""Perplexity of the creator's real transcripts given the prompt: completion tokens only."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

IGNORE = -100


def completion_nll(model: Any, samples: Sequence[tuple[Sequence[int], Sequence[int]]]) -> tuple[float, int]:
    """Summed negative log-likelihood (nats) and token count over the labelled tokens of ``samples``.

    ``samples`` are ``(input_ids, labels)`` as training builds them (prompt labels are -100), one
    forward pass each (no padding, so no attention-mask subtleties), in float32 for the loss.
    """
    import torch

    device = next(model.parameters()).device
    total, count = 0.0, 0
    with torch.inference_mode():
        for ids, labels in samples:
            x = torch.tensor([list(ids)], device=device)
            y = torch.tensor(list(labels)[1:], device=device)
            keep = y != IGNORE
            if not bool(keep.any()):
                continue
            logits = model(input_ids=x, use_cache=False).logits[0, :-1][keep].float()
            total += float(torch.nn.functional.cross_entropy(logits, y[keep], reduction="sum"))
            count += int(keep.sum())
    return total, count


def perplexity(nll: float, tokens: int) -> float:
    """``exp(nll / tokens)`` (nan without tokens)."""
    return math.exp(nll / tokens) if tokens else math.nan
