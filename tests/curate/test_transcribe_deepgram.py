"""Deepgram through the real deepgram-sdk against a loopback fake of /v1/listen."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from tests.support.fake_deepgram import SENTENCES, SUMMARY, FakeDeepgram
from yc_curate.transcribe import AudioItem, FatalTranscribeError, get_transcriber, transcribe_files

KEY = "dg-test-secret-0123456789abcdef"


@pytest.fixture
def fake():
    server = FakeDeepgram().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def audio(tmp_path: Path) -> Path:
    path = tmp_path / "clip.wav"
    path.write_bytes(b"RIFF" + bytes(2000))  # sent as-is; the fake does not decode it
    return path


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DEEPGRAM_API_KEY", KEY)
    return KEY


def _tr(fake: FakeDeepgram, **opts):
    return get_transcriber("deepgram", base_url=fake.base_url, backoff_s=0.01, **opts)


def test_request_parameters_and_parsing(fake: FakeDeepgram, audio: Path) -> None:
    summaries = {}
    rows = list(
        transcribe_files(
            [AudioItem("v1", audio)],
            _tr(fake, summarize=True),
            on_summary=lambda vid, t: summaries.update({vid: t.summary}),
        )
    )
    (req,) = fake.requests
    assert req["path"] == "/v1/listen"
    q = req["query"]
    assert q["model"] == ["nova-3"] and q["smart_format"] == ["true"] and q["paragraphs"] == ["true"]
    assert q["summarize"] == ["v2"] and q["detect_language"] == ["true"]
    assert req["headers"]["Authorization"] == f"Token {KEY}"
    assert req["body_len"] == audio.stat().st_size
    (row,) = rows
    assert row["status"] == "ok" and row["backend"] == "deepgram" and row["model"] == "nova-3"
    assert row["text"] == " ".join(s[2] for s in SENTENCES)
    assert [(s["start"], s["end"], s["text"]) for s in row["segments"]] == SENTENCES
    assert row["language"] == "en" and row["language_prob"] == pytest.approx(0.97)
    assert row["audio_s"] == pytest.approx(7.0)
    assert summaries == {"v1": SUMMARY}


def test_no_summary_unless_asked(fake: FakeDeepgram, audio: Path) -> None:
    got = []
    list(
        transcribe_files(
            [AudioItem("v1", audio)], _tr(fake, language="en"), on_summary=lambda *a: got.append(a)
        )
    )
    q = fake.requests[0]["query"]
    assert "summarize" not in q and q["language"] == ["en"] and "detect_language" not in q
    assert got == []


def test_bad_key_is_one_clear_error_without_the_key(fake: FakeDeepgram, audio: Path, caplog) -> None:
    fake.script = [401]
    caplog.set_level(logging.DEBUG)
    with pytest.raises(FatalTranscribeError) as info:
        list(transcribe_files([AudioItem("v1", audio)], _tr(fake)))
    assert "401" in str(info.value) and "DEEPGRAM_API_KEY" in info.value.hint
    assert len(fake.requests) == 1  # an auth error is not retried
    assert KEY not in str(info.value) + info.value.hint + caplog.text


def test_429_and_5xx_are_retried(fake: FakeDeepgram, audio: Path) -> None:
    fake.script = [429, 503, 500]
    (row,) = transcribe_files([AudioItem("v1", audio)], _tr(fake, retries=3))
    assert row["status"] == "ok" and len(fake.requests) == 4


def test_persistent_5xx_fails_the_item_not_the_run(fake: FakeDeepgram, audio: Path, caplog) -> None:
    fake.script = [502] * 3
    caplog.set_level(logging.DEBUG)
    rows = list(
        transcribe_files([AudioItem("bad", audio), AudioItem("good", audio)], _tr(fake, retries=2, workers=1))
    )
    by_id = {r["video_id"]: r for r in rows}
    assert by_id["bad"]["status"] == "failed" and "after 3 tries" in by_id["bad"]["error"]
    assert "502" in by_id["bad"]["error"] and by_id["good"]["status"] == "ok"
    assert KEY not in by_id["bad"]["error"] + caplog.text


def test_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEEPGRAM_API_KEY")
    with pytest.raises(FatalTranscribeError, match="DEEPGRAM_API_KEY is not set"):
        get_transcriber("deepgram")


def test_stage_stores_summaries_and_prints_cost(
    fake: FakeDeepgram, audio: Path, workspace: Path, monkeypatch
) -> None:
    from rich.console import Console

    from yc_cli.stages.transcribe import run
    from yc_cli.store import Store

    monkeypatch.setenv("YC_DEEPGRAM_BASE_URL", fake.base_url)
    store = Store(workspace)
    (workspace / "audio").mkdir()
    (workspace / "audio" / "v1.wav").write_bytes(audio.read_bytes())
    store.append(
        "videos",
        [{"video_id": "v1", "status": "ok", "audio_path": "audio/v1.wav", "audio_s": 120.0}],
        stage="collect",
    )
    buf = io.StringIO()
    summary = run(
        store, backend="deepgram", summarize=True, price_per_min=0.5, console=Console(file=buf, width=200)
    )
    assert summary["ok"] == 1 and summary["summaries"] == 1
    assert "$1.00" in buf.getvalue()  # 2 minutes at $0.5/min, printed before the run
    (s,) = store.current("summaries").to_dicts()
    assert (s["backend"], s["model"], s["summary"], s["prompt_hash"]) == (
        "deepgram",
        "nova-3",
        SUMMARY,
        "deepgram",
    )
    assert KEY not in buf.getvalue()


def test_cli_on_plain_files_prints_rows(fake: FakeDeepgram, audio: Path, monkeypatch, capsys) -> None:
    import json

    from yc_cli.app import main

    monkeypatch.setenv("YC_DEEPGRAM_BASE_URL", fake.base_url)
    assert main(["transcribe", "--backend", "deepgram", "--language", "en", str(audio)]) == 0
    (line,) = capsys.readouterr().out.strip().splitlines()
    row = json.loads(line)
    assert (
        row["video_id"] == str(audio)
        and row["status"] == "ok"
        and row["text"].startswith("Hello and welcome")
    )
    assert fake.requests[0]["query"]["language"] == ["en"]


def test_captions_fall_back_to_deepgram_with_summary(
    fake: FakeDeepgram, audio: Path, workspace: Path, monkeypatch
):
    from yc_cli.stages.transcribe import run
    from yc_cli.store import Store

    monkeypatch.setenv("YC_DEEPGRAM_BASE_URL", fake.base_url)
    store = Store(workspace)
    (workspace / "audio").mkdir()
    (workspace / "audio" / "v1.wav").write_bytes(audio.read_bytes())
    caps = {"lang": "en", "kind": "auto", "text": "captioned words", "segments": []}
    store.append(
        "videos",
        [
            {"video_id": "v1", "status": "ok", "audio_path": "audio/v1.wav"},
            {"video_id": "v2", "status": "ok", "audio_path": "audio/v1.wav", "captions": caps},
        ],
        stage="collect",
    )
    s = run(store, backend="captions", fallback="deepgram", summarize=True, threads=2)
    assert (s["ok"], s["summaries"]) == (2, 1) and len(fake.requests) == 1
    rows = {r["video_id"]: r for r in store.current("transcripts").to_dicts()}
    assert (rows["v1"]["backend"], rows["v1"]["model"]) == ("deepgram", "nova-3")
    assert (rows["v2"]["backend"], rows["v2"]["text"]) == ("captions", "captioned words")
    assert store.current("summaries").select("video_id", "backend").rows() == [("v1", "deepgram")]
