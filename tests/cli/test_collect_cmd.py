"""``yc collect`` through the real CLI entry point, into a workspace's ``videos`` table and ``audio/``."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.feeds import episodes_feed
from tests.support.media_server import MediaServer
from tests.support.speech import SHORT
from yc_cli.app import main
from yc_cli.store import Store

ROOT = Path(__file__).resolve().parents[2]


def _media_gets(server: MediaServer) -> int:
    return sum(1 for m, p in server.requests if m == "GET" and p.endswith(".mp3"))


def _videos(ws: Path):
    return Store(ws).read("videos")


@pytest.mark.slow
def test_collect_feed_then_rerun_downloads_nothing(
    media_server: MediaServer, make_speech, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = make_speech(SHORT, "short.mp3")
    feed = episodes_feed(media_server, clip, ["a.mp3", "b.mp3", "c.mp3", "gone.mp3"], missing=("gone.mp3",))
    assert main(["-w", str(workspace), "collect", feed, "--workers", "3", "--retries", "0"]) == 0
    err = capsys.readouterr().err
    assert "collected now" in err and "not_found" in err and "CLI Show" in err
    videos = _videos(workspace)
    assert sorted(videos["video_id"]) == ["ep-1", "ep-2", "ep-3", "ep-4"]
    ok = videos.filter(videos["status"] == "ok")
    assert ok.height == 3
    for row in ok.iter_rows(named=True):
        path = workspace / row["audio_path"]
        assert row["audio_path"] == f"audio/{row['video_id']}.opus"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row["audio_sha256"]
        assert row["title"].startswith("Episode") and row["channel"] == "CLI Show"
        assert row["collected_at"].tzinfo is not None
    history = Store(workspace).history("videos")
    assert history[0]["stage"] == "collect" and history[0]["params"]["source"] == feed

    gets = _media_gets(media_server)
    assert main(["-w", str(workspace), "collect", feed, "--workers", "3", "--retries", "0", "--json"]) == 0
    assert _media_gets(media_server) == gets + 1  # only the missing episode is tried again
    videos = _videos(workspace)
    assert videos.height == 4 and videos["video_id"].n_unique() == 4  # upserted, never duplicated
    assert '"known": 3' in capsys.readouterr().out

    # the failed episode appears: the next run collects it and replaces the failure
    shutil.copy(clip, media_server.root / "gone.mp3")
    assert main(["-w", str(workspace), "collect", feed]) == 0
    videos = _videos(workspace)
    assert videos.height == 4 and set(videos["status"]) == {"ok"}
    assert sorted(p.name for p in (workspace / "audio").glob("*.opus")) == [
        f"ep-{i}.opus" for i in range(1, 5)
    ]
    gets, version = _media_gets(media_server), Store(workspace).version("videos")
    assert main(["-w", str(workspace), "collect", feed]) == 0  # nothing new: no media request, no commit
    assert _media_gets(media_server) == gets and Store(workspace).version("videos") == version


def test_nothing_collected_exits_non_zero(
    media_server: MediaServer, make_speech, workspace: Path, capsys
) -> None:
    feed = episodes_feed(media_server, make_speech(SHORT, "short.mp3"), ["x.mp3"], missing=("x.mp3",))
    assert main(["-w", str(workspace), "collect", feed, "--retries", "0"]) == 1
    assert "nothing could be collected" in capsys.readouterr().err
    assert _videos(workspace)["error_kind"].to_list() == ["not_found"]


def test_option_problems_are_reported_together(workspace: Path, capsys) -> None:
    rc = main(
        [
            "-w",
            str(workspace),
            "collect",
            str(workspace),
            "--since",
            "someday",
            "--max-duration",
            "soon",
            "--workers",
            "0",
        ]
    )
    assert rc == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "--since" in err and "--max-duration" in err and "workers" in err
    assert main(["-w", str(workspace), "collect", "not-a-source-anywhere"]) == 1
    assert "not a URL" in " ".join(capsys.readouterr().err.split())


@pytest.mark.slow
def test_sigkill_mid_download_then_resume(media_server: MediaServer, make_speech, workspace: Path) -> None:
    clip = make_speech(SHORT, "short.mp3")
    names = [f"long{i}.mp3" for i in range(6)]
    feed = episodes_feed(media_server, clip, names)
    media_server.throttle_bps = clip.stat().st_size // 4  # ~4 s per file
    cmd = [
        sys.executable,
        "-m",
        "yc_cli.app",
        "-w",
        str(workspace),
        "collect",
        feed,
        "--workers",
        "2",
        "--every",
        "1",
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    audio, partial = workspace / "audio", workspace / "audio" / ".partial"
    deadline = time.monotonic() + 180
    try:
        # kill once a file is published and the next download is half way
        while not (any(audio.glob("*.opus")) and any(partial.glob("*.part"))):
            assert proc.poll() is None, "the run finished before it could be killed"
            assert time.monotonic() < deadline, "no published file with a download in flight within 180 s"
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    killed = _videos(workspace) if Store(workspace).exists("videos") else None
    assert killed is None or killed.height < 6
    assert any(partial.glob("*.part"))  # a download cut in the middle

    media_server.throttle_bps = None
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    videos = _videos(workspace)
    assert sorted(videos["video_id"]) == [f"ep-{i}" for i in range(1, 7)] and set(videos["status"]) == {"ok"}
    for row in videos.iter_rows(named=True):
        assert hashlib.sha256((workspace / row["audio_path"]).read_bytes()).hexdigest() == row["audio_sha256"]
        assert row["audio_s"] == pytest.approx(
            videos["audio_s"][0], abs=0.05
        )  # all the same clip, all complete
    assert sorted(p.name for p in audio.iterdir()) == [".partial", *[f"ep-{i}.opus" for i in range(1, 7)]]
    assert list(partial.iterdir()) == []


def test_yc_collect_stands_alone() -> None:
    code = "import sys, yc_collect; from yc_collect import collect, list_source; assert 'yc_cli' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
