"""Short items are transcribed in groups (their chunks share decoding batches); long ones alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.speech import SHORT, silence
from yc_curate.transcribe import AudioItem, get_transcriber, transcribe_files
from yc_curate.transcribe.pipeline import GROUP_MAX_S, groups


@pytest.fixture(scope="module")
def chunked(whisper_tiny_dir: Path):
    return get_transcriber("faster-whisper", model=str(whisper_tiny_dir), threads=1, workers=2, batch_size=8)


def _ids(jobs) -> list[list[str]]:
    return [[item.id for item in job] for job in jobs]


def test_groups_share_items_evenly_between_workers(chunked) -> None:
    assert chunked.group_size == 8
    ten = [AudioItem(f"c{i}", duration_s=58.0) for i in range(10)]
    assert _ids(groups(ten, chunked, workers=2)) == [
        [f"c{i}" for i in range(5)],
        [f"c{i}" for i in range(5, 10)],
    ]
    many = [AudioItem(f"s{i}", duration_s=40.0) for i in range(40)]
    assert [len(g) for g in groups(many, chunked, workers=2)] == [8] * 5  # group_size caps them
    assert _ids(groups(ten[:1], chunked, workers=2)) == [["c0"]]


def test_long_and_unreadable_items_go_alone(chunked, tmp_path: Path) -> None:
    long = GROUP_MAX_S - 100
    items = [
        AudioItem("a", duration_s=long),
        AudioItem("b", duration_s=150.0),  # a + b would pass GROUP_MAX_S
        AudioItem("c", duration_s=30.0),
        AudioItem("missing", tmp_path / "missing.wav"),  # no duration and cannot be probed
        AudioItem("d", duration_s=30.0),
        AudioItem("e", duration_s=30.0),
    ]
    assert _ids(groups(items, chunked, workers=1)) == [["a"], ["b", "c"], ["missing"], ["d", "e"]]


def test_other_transcribers_and_modes_take_one_item_at_a_time(whisper_tiny_dir: Path) -> None:
    items = [AudioItem(f"c{i}", duration_s=10.0) for i in range(4)]
    sequential = get_transcriber("faster-whisper", model=str(whisper_tiny_dir), mode="sequential")
    assert sequential.group_size == 1
    assert _ids(groups(items, sequential, workers=2)) == [["c0"], ["c1"], ["c2"], ["c3"]]
    captions = get_transcriber("captions")
    assert _ids(groups(items, captions, workers=1)) == [["c0"], ["c1"], ["c2"], ["c3"]]


@pytest.mark.slow
def test_a_group_with_speech_silence_and_broken_files(chunked, make_speech, tmp_path: Path) -> None:
    speech = make_speech(SHORT, "short.wav")
    silent = silence(tmp_path / "silent.wav", 3)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    items = [
        AudioItem("speech", speech),
        AudioItem("empty", empty, duration_s=0.0),
        AudioItem("silent", silent),
        AudioItem("again", speech),
    ]
    assert _ids(groups(items, chunked, workers=2)) == [["speech", "empty"], ["silent", "again"]]
    rows = {r["video_id"]: r for r in transcribe_files(items, chunked)}
    assert rows["speech"]["status"] == rows["again"]["status"] == "ok"
    assert rows["speech"]["text"] == rows["again"]["text"] and "welcome" in rows["speech"]["text"].lower()
    assert rows["empty"]["status"] == "empty" and rows["empty"]["flags"] == ["zero-length"]
    assert rows["silent"]["status"] == "empty" and "no-speech" in rows["silent"]["flags"]
    assert all(r["wall_s"] >= 0 for r in rows.values()) and rows["empty"]["wall_s"] == 0.0
    assert rows["speech"]["wall_s"] > 0 and rows["silent"]["wall_s"] > 0
