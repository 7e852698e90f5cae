"""Filters count every reason; over-long transcripts are cut at sentence boundaries within the budget."""

from __future__ import annotations

from yc_curate.filters import FilterConfig, approx_tokens, filter_transcripts, split_text

WORDS = " ".join(f"word{i}" for i in range(40))


def test_filters_count_each_reason() -> None:
    rows = [
        {"video_id": "ok1", "status": "ok", "text": WORDS, "language": "en", "flags": []},
        {"video_id": "ok2", "status": "ok", "text": WORDS, "language": "en-US", "flags": None},
        {"video_id": "empty", "status": "empty", "text": "", "language": "en", "flags": []},
        {"video_id": "blank", "status": "ok", "text": "   ", "language": "en", "flags": []},
        {"video_id": "short", "status": "ok", "text": "too short", "language": "en", "flags": []},
        {"video_id": "hallu", "status": "ok", "text": WORDS, "language": "en", "flags": ["hallucination"]},
        {"video_id": "french", "status": "ok", "text": WORDS, "language": "fr", "flags": []},
        {"video_id": "failed", "status": "failed", "text": None, "language": None, "flags": []},
    ]
    res = filter_transcripts(rows, FilterConfig(min_words=20, language="en"))
    assert [r["video_id"] for r in res.kept] == ["ok1", "ok2"]
    assert dict(res.counts) == {"empty": 2, "too_short": 1, "hallucination": 1, "language": 1, "failed": 1}
    assert res.dropped["french"] == "language"
    # no target language, hallucinations kept on request
    res = filter_transcripts(rows, FilterConfig(min_words=20, language=None, drop_flags=()))
    assert {r["video_id"] for r in res.kept} == {"ok1", "ok2", "hallu", "french"}


def test_split_text_respects_the_budget_and_keeps_every_word() -> None:
    text = " ".join(f"Sentence number {i} says something about Rust and memory safety." for i in range(60))
    chunks = split_text(text, 100, approx_tokens)
    assert len(chunks) > 3
    assert all(approx_tokens([c])[0] <= 100 for c in chunks)
    assert " ".join(chunks).split() == text.split()
    assert all(c.endswith(".") for c in chunks)  # whole sentences
    # a single sentence longer than the budget is cut at words
    long = " ".join(["word"] * 500) + "."
    parts = split_text(long, 50, approx_tokens)
    assert len(parts) > 5 and all(approx_tokens([p])[0] <= 50 for p in parts)
    assert " ".join(parts).split() == long.split()
