"""Summarizers: the real SmolLM2-135M-Instruct (batched greedy, map-reduce) and the real openai client
against a loopback fake chat-completions server (concurrency, 429 retry)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_openai import FakeOpenAI
from tests.support.speech import PARAGRAPH, SHORT
from yc_curate.errors import CurateError
from yc_curate.summarize import (
    DEFAULT_PROMPT,
    SummaryInput,
    clean_summary,
    get_summarizer,
    load_prompt,
    prompt_hash,
)

ITEMS = [
    SummaryInput("rust", "Rust in one minute", PARAGRAPH),
    SummaryInput("server", "A tiny web server", SHORT),
]


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.mark.slow
def test_local_summaries_with_smollm2(smollm2_dir: Path) -> None:
    summ = get_summarizer("local", model=str(smollm2_dir), max_new_tokens=24, batch_size=2, threads=1)
    out = summ.summarize(ITEMS)
    assert len(out) == 2 and all(out)
    assert summ.calls == 2  # one batched generation per transcript, no map-reduce needed
    assert out[0] != out[1]
    for s in out:
        assert len(s.split()) <= 60
        assert not s.lower().startswith("summary")
    # a context smaller than the transcript: map (several chunks) then reduce
    summ.context_tokens = 240
    calls = summ.calls
    long = summ.summarize(ITEMS[:1])
    assert long[0]
    assert summ.calls - calls >= 3  # >= 2 chunk summaries + 1 reduce


def test_local_model_missing_offline_names_the_fix(tmp_path: Path) -> None:
    summ = get_summarizer("local", model=str(tmp_path / "no-such-model"))
    with pytest.raises(CurateError) as err:
        summ.summarize(ITEMS[:1])
    assert "--summary-model" in (err.value.hint or "")


def test_openai_backend_concurrent_with_429_retry(fake_openai: FakeOpenAI, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-123456")
    fake_openai.fail_first["Video 3"] = 2  # rate limited twice, then answered
    fake_openai.delay_s = 0.05
    summ = get_summarizer("openai", model="fake-model", base_url=fake_openai.base_url, concurrency=4)
    items = [SummaryInput(f"v{i}", f"Video {i}", f"Transcript number {i}.") for i in range(8)]
    out = summ.summarize(items)
    assert out == [f"A video about Video {i}." for i in range(8)]  # "Summary:" prefix stripped, order kept
    statuses = [s for t, s in fake_openai.requests if t == "Video 3"]
    assert statuses == [429, 429, 200]
    assert len(fake_openai.requests) == 10
    assert fake_openai.max_in_flight > 1


def test_openai_gives_up_with_a_clear_error_and_no_secret(fake_openai: FakeOpenAI, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-123456")
    fake_openai.fail_first["Video 0"] = 10
    summ = get_summarizer("openai", base_url=fake_openai.base_url, max_retries=1)
    with pytest.raises(CurateError) as err:
        summ.summarize([SummaryInput("v0", "Video 0", "x")])
    assert "429" in str(err.value) and "sk-test" not in str(err.value)


def test_openai_needs_a_key_or_a_local_url(monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(CurateError) as err:
        get_summarizer("openai")
    assert "OPENAI_API_KEY" in str(err.value)


def test_stored_none_and_registry() -> None:
    dg = get_summarizer("deepgram")
    assert dg.summarize(
        [SummaryInput("a", "t", "x", {"summary": "Summary: A talk about Rust. More. Even more."})]
    ) == ["A talk about Rust. More."]
    assert dg.summarize([SummaryInput("b", "t", "x", {})]) == [""]
    assert get_summarizer("none").summarize(ITEMS) == ["", ""]
    with pytest.raises(CurateError) as err:
        get_summarizer("locl")
    assert "local" in (err.value.hint or "")


def test_prompt_is_user_editable(tmp_path: Path) -> None:
    assert load_prompt(None) == DEFAULT_PROMPT
    p = tmp_path / "prompt.txt"
    p.write_text("One sentence about {title}: {transcript}")
    assert load_prompt(str(p)) == "One sentence about {title}: {transcript}"
    with pytest.raises(CurateError):
        load_prompt("no placeholder here")
    assert prompt_hash("a {transcript}", "local", "m") != prompt_hash("b {transcript}", "local", "m")
    assert clean_summary('"A 100 second video on Rust not a code report."') == (
        "A 100 second video on Rust not a code report."
    )
