"""Deterministic train / validation / test split by video id.

Each video's split is a function of (seed, video_id) only, so chunks of one video always share a split,
a rerun gives the same assignment, and adding videos never moves an existing one to another split.
"""

from __future__ import annotations

import hashlib

SPLITS = ("train", "validation", "test")


def split_of(video_id: str, validation: float = 0.1, test: float = 0.0, seed: str = "yc") -> str:
    """``train``, ``validation`` or ``test`` for ``video_id`` (fractions are expected shares)."""
    if validation < 0 or test < 0 or validation + test >= 1:
        raise ValueError("validation and test fractions must be >= 0 and sum to less than 1")
    u = int.from_bytes(hashlib.sha256(f"{seed}\0{video_id}".encode()).digest()[:8], "big") / 2**64
    if u < test:
        return "test"
    if u < test + validation:
        return "validation"
    return "train"
