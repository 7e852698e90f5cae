"""Deterministic split by video id: stable, sized as asked, never splitting one video across splits."""

from __future__ import annotations

from collections import Counter

import pytest

from yc_curate.split import split_of


def test_split_is_deterministic_sized_and_stable() -> None:
    ids = [f"video-{i}" for i in range(4000)]
    first = {v: split_of(v, validation=0.1, test=0.05) for v in ids}
    assert first == {v: split_of(v, validation=0.1, test=0.05) for v in ids}
    counts = Counter(first.values())
    assert abs(counts["validation"] / 4000 - 0.1) < 0.02
    assert abs(counts["test"] / 4000 - 0.05) < 0.015
    # adding videos never moves an existing one
    more = {v: split_of(v, 0.1, 0.05) for v in [*ids, *(f"new-{i}" for i in range(500))]}
    assert all(more[v] == first[v] for v in ids)
    # another seed gives another assignment
    assert sum(split_of(v, 0.1, 0.05, seed="other") != first[v] for v in ids) > 100
    assert set(Counter(split_of(v, 0.0, 0.0) for v in ids)) == {"train"}


def test_invalid_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        split_of("x", validation=0.6, test=0.5)
