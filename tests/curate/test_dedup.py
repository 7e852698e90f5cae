"""Dedup: exact after normalisation, near duplicates by MinHash (numpy) with LSH bands."""

from __future__ import annotations

import random

from yc_curate.dedup import MinHasher, deduplicate, exact_duplicates, lsh_bands, near_duplicates, normalize


def _text(seed: int, n: int = 300) -> str:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(2000)]
    return " ".join(rng.choice(vocab) for _ in range(n))


def _edit(text: str, every: int) -> str:
    words = text.split()
    return " ".join("CHANGED" if i % every == 0 else w for i, w in enumerate(words))


def test_exact_duplicates_ignore_case_punctuation_and_spacing() -> None:
    assert normalize("Hello,   World!  It's  RUST.") == "hello world it s rust"
    dups = exact_duplicates(["a", "b", "c"], ["Hello, world.", "hello world", "goodbye"])
    assert dups == {"b": "a"}


def test_minhash_estimates_jaccard() -> None:
    h = MinHasher(num_perm=256, shingle=3)
    a = _text(1)
    b = _edit(a, 40)  # few edits -> high similarity
    c = _text(2)
    sa, sb, sc = h.signature(a), h.signature(b), h.signature(c)
    est_ab = float((sa == sb).mean())
    set_a, set_b = set(h.shingles(a).tolist()), set(h.shingles(b).tolist())
    true_ab = len(set_a & set_b) / len(set_a | set_b)
    assert abs(est_ab - true_ab) < 0.12
    assert float((sa == sc).mean()) < 0.1


def test_near_duplicates_are_found_across_videos_and_the_first_is_kept() -> None:
    base = [_text(i) for i in range(30)]
    ids = [f"v{i}" for i in range(30)]
    texts = list(base)
    ids += ["reupload", "cut", "other"]
    texts += [_edit(base[3], 50), _edit(base[7], 30), _edit(base[9], 2)]  # 'other' shares half its words only
    dups = near_duplicates(ids, texts, threshold=0.7, shingle=3)
    assert set(dups) == {"reupload", "cut"}
    assert dups["reupload"][0] == "v3" and dups["cut"][0] == "v7"
    keep, dropped = deduplicate([*ids, "exact"], [*texts, base[0].upper()], threshold=0.7)
    assert dropped["exact"] == ("duplicate", "v0")
    assert dropped["reupload"][0] == "near_duplicate"
    assert "other" in keep and "v3" in keep and len(keep) == 31


def test_lsh_bands_put_the_threshold_below_the_target() -> None:
    bands, rows = lsh_bands(128, 0.8)
    assert bands * rows == 128
    assert (1 / bands) ** (1 / rows) <= 0.8
