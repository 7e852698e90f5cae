"""faster-whisper with the real tiny.en model on espeak-ng speech; bad and empty inputs."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest

from tests.support.speech import PARAGRAPH, duration_s, silence
from yc_curate.transcribe import AudioItem, ModelNotAvailableError, get_transcriber, transcribe_files


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9' ]", " ", text.lower())).strip()


@pytest.fixture(scope="module")
def tiny(whisper_tiny_dir: Path):
    return get_transcriber("faster-whisper", model=str(whisper_tiny_dir), threads=1)


@pytest.mark.slow
def test_paragraph_wer_and_segments(tiny, make_speech) -> None:
    import jiwer

    audio = make_speech(PARAGRAPH, "paragraph.wav")
    (row,) = transcribe_files([AudioItem("p", audio)], tiny)
    assert row["status"] == "ok" and row["language"] == "en" and not row["flags"]
    wer = jiwer.wer(_norm(PARAGRAPH), _norm(row["text"]))
    assert wer <= 0.25, (wer, row["text"])
    total = duration_s(audio)
    assert row["audio_s"] == pytest.approx(total, abs=0.1)
    segs = row["segments"]
    assert len(segs) >= 2
    assert all(s["end"] >= s["start"] for s in segs)
    assert all(a["start"] <= b["start"] and a["end"] <= b["start"] + 0.05 for a, b in pairwise(segs))
    assert segs[0]["start"] < 1.5 and segs[-1]["end"] > total - 2.5  # the speech is covered end to end
    assert " ".join(s["text"] for s in segs) == row["text"]


def test_corrupt_zero_length_and_silent_audio(tiny, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"\x00\xffnot audio at all" * 300)
    empty = tmp_path / "empty.m4a"
    empty.write_bytes(b"")
    silent = silence(tmp_path / "silent.wav", 4)
    items = [AudioItem("corrupt", corrupt), AudioItem("empty", empty), AudioItem("silent", silent)]
    rows = {r["video_id"]: r for r in transcribe_files(items, tiny)}
    assert rows["corrupt"]["status"] == "failed" and "corrupt" in rows["corrupt"]["error"]
    assert rows["empty"]["status"] == "empty" and rows["empty"]["flags"] == ["zero-length"]
    assert rows["empty"]["audio_s"] == 0.0
    assert rows["silent"]["status"] == "empty" and "no-speech" in rows["silent"]["flags"]
    assert rows["silent"]["audio_s"] == pytest.approx(4.0, abs=0.05) and rows["silent"]["text"] == ""


def test_named_model_not_cached_offline_is_one_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotAvailableError) as info:
        get_transcriber("faster-whisper", model="small", download_root=str(tmp_path))
    assert "'small' is not cached and cannot be downloaded" in str(info.value)
    assert "\n" not in str(info.value) and "--model PATH" in info.value.hint
    with pytest.raises(ModelNotAvailableError, match="downloading is off"):
        get_transcriber("faster-whisper", model="base.en", download=False, download_root=str(tmp_path))


def test_unknown_model_and_backend_get_did_you_mean() -> None:
    from yc_curate.errors import CurateError

    with pytest.raises(CurateError) as info:
        get_transcriber("faster-whisper", model="smal")
    assert "did you mean 'small'" in info.value.hint
    with pytest.raises(CurateError) as info:
        get_transcriber("faster_whisper")
    assert "did you mean 'faster-whisper'" in info.value.hint


def test_default_model_is_the_bundled_tiny_en(whisper_tiny_dir: Path) -> None:
    tr = get_transcriber("faster-whisper")
    assert tr.model == "tiny.en" and tr.path == whisper_tiny_dir


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["sequential", "batched"])
def test_faster_whisper_modes(whisper_tiny_dir: Path, make_speech, mode: str) -> None:
    import jiwer

    tr = get_transcriber("faster-whisper", model=str(whisper_tiny_dir), threads=1, mode=mode)
    audio = make_speech(PARAGRAPH, "paragraph.wav")
    (row,) = transcribe_files([AudioItem("p", audio)], tr)
    assert jiwer.wer(_norm(PARAGRAPH), _norm(row["text"])) <= 0.35
    starts = [s["start"] for s in row["segments"]]
    assert len(starts) >= 4 and starts == sorted(starts)  # Whisper's own sentence-level timestamps
    assert row["segments"][-1]["end"] > duration_s(audio) - 2.5


def test_mode_is_checked_and_part_of_the_params(whisper_tiny_dir: Path) -> None:
    from yc_curate.errors import CurateError
    from yc_curate.transcribe import params_hash

    chunked = get_transcriber("faster-whisper", model=str(whisper_tiny_dir))
    sequential = get_transcriber("faster-whisper", model=str(whisper_tiny_dir), mode="sequential")
    assert chunked.mode == "chunked" and params_hash(chunked) != params_hash(sequential)
    with pytest.raises(CurateError, match="unknown faster-whisper mode 'fast'"):
        get_transcriber("faster-whisper", model=str(whisper_tiny_dir), mode="fast")
    with pytest.raises(CurateError, match="cuts audio with VAD"):
        get_transcriber("faster-whisper", model=str(whisper_tiny_dir), vad=False)
