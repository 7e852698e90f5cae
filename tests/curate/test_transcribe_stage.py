"""The transcribe stage on a workspace: captions + fallback, incremental reruns, kill and resume, the CLI."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.speech import SHORT
from yc_cli.stages.transcribe import run
from yc_cli.store import Store

CAPTIONS = {
    "lang": "en",
    "kind": "manual",
    "text": "[Music] Welcome back.  Today: Rust!",
    "segments": [
        {"start": 0.0, "end": 1.0, "text": "[Music]"},
        {"start": 1.0, "end": 3.0, "text": "Welcome back."},
        {"start": 3.0, "end": 5.0, "text": "Today: Rust!"},
    ],
}


def _videos(store: Store, speech: Path, n_audio: int, captions: dict[str, dict] | None = None) -> list[str]:
    (store.root / "audio").mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n_audio):
        shutil.copy(speech, store.root / "audio" / f"a{i}.wav")
        rows.append({"video_id": f"a{i}", "status": "ok", "audio_path": f"audio/a{i}.wav"})
    for vid, caps in (captions or {}).items():
        rows.append({"video_id": vid, "status": "ok", "captions": caps, "audio_s": 5.0})
    rows.append({"video_id": "gone", "status": "failed", "error": "404"})  # never transcribed
    store.append("videos", rows, stage="collect")
    return [r["video_id"] for r in rows if r["status"] == "ok"]


def test_captions_with_asr_fallback(workspace: Path, make_speech, whisper_tiny_dir: Path) -> None:
    store = Store(workspace)
    _videos(store, make_speech(SHORT, "short.wav"), 1, {"c1": CAPTIONS})
    no_fallback = run(store, backend="captions")
    assert (no_fallback["ok"], no_fallback["failed"]) == (1, 1)
    rows = {r["video_id"]: r for r in store.current("transcripts").to_dicts()}
    assert "no captions" in rows["a0"]["error"]
    c1 = rows["c1"]
    assert (c1["backend"], c1["model"], c1["text"]) == (
        "captions",
        "youtube-manual",
        "Welcome back. Today: Rust!",
    )
    assert [s["text"] for s in c1["segments"]] == ["Welcome back.", "Today: Rust!"] and c1["audio_s"] == 5.0

    s = run(store, backend="captions", fallback="faster-whisper", model=str(whisper_tiny_dir), threads=1)
    assert (s["ok"], s["failed"]) == (2, 0)  # a new params hash: both redone, a0 now by ASR
    a0 = store.current("transcripts").filter(store.current("transcripts")["video_id"] == "a0").to_dicts()[0]
    assert a0["backend"] == "faster-whisper" and "welcome back to the channel" in a0["text"].lower()


def test_incremental_rerun_skips_and_force_redoes(workspace: Path) -> None:
    store = Store(workspace)
    _videos(store, Path("/dev/null"), 0, {"c1": CAPTIONS, "c2": {**CAPTIONS, "kind": "auto"}})
    first = run(store, backend="captions")
    assert first["ok"] == 2 and first["skipped"] == 0
    again = run(store, backend="captions")
    assert again["ok"] == 0 and again["skipped"] == 2 and store.read("transcripts").height == 2
    forced = run(store, backend="captions", force=True)
    assert forced["ok"] == 2 and store.read("transcripts").height == 2  # the redo replaced the rows
    assert store.read("transcripts", version=store.version("transcripts") - 1).height == 2


@pytest.mark.slow
def test_killed_run_resumes_without_duplicates(workspace: Path, make_speech, whisper_tiny_dir: Path) -> None:
    store = Store(workspace)
    ids = _videos(store, make_speech(SHORT, "short.wav"), 6)
    cmd = [
        sys.executable,
        "-m",
        "yc_cli.app",
        "-w",
        str(workspace),
        "transcribe",
        "--model",
        str(whisper_tiny_dir),
        "--threads",
        "1",
        "--every",
        "2",
        "--batch-size",
        "2",  # groups of 2 files: rows arrive in pairs and work is left after the first commit
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while not store.exists("transcripts") and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    survived = store.read("transcripts")["video_id"].to_list()
    assert 2 <= len(survived) < len(ids), "the run should be killed after its first commit"
    assert len(survived) % 2 == 0  # whole batches only

    resumed = run(store, model=str(whisper_tiny_dir), threads=1, every_rows=2)
    assert resumed["skipped"] == len(survived) and resumed["ok"] == len(ids) - len(survived)
    final = store.read("transcripts")["video_id"].to_list()
    assert sorted(final) == sorted(ids)  # every video exactly once


def test_cli_transcribe_and_offline_model_error(workspace: Path, capsys, monkeypatch) -> None:
    from yc_cli.app import main

    _videos(Store(workspace), Path("/dev/null"), 0, {"c1": CAPTIONS})
    assert main(["-w", str(workspace), "transcribe", "--backend", "captions"]) == 0
    err = capsys.readouterr().err
    assert "ok / empty / failed" in err and "1 / 0 / 0" in err
    code = main(["-w", str(workspace), "transcribe", "--model", "large-v3", "--no-download"])
    err = capsys.readouterr().err
    assert code == 1 and "large-v3" in err and "--model" in err  # the one-line error with its fix
