"""``yc collect`` on podcast feeds: episode metadata in ``videos``, the trailer filter, publisher transcripts
used by ``yc transcribe --backend captions``, and odd sources explained (real ``yc`` subprocesses)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.support.media_server import MediaServer
from tests.support.speech import SHORT
from yc_cli.app import main
from yc_cli.store import Store

ROOT = Path(__file__).resolve().parents[2]

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Transcribed Show</title><language>en</language>
<itunes:author>The Host</itunes:author><itunes:image href="cover.jpg"/>
<item><title>Coming soon</title><guid>trailer</guid><itunes:episodeType>trailer</itunes:episodeType>
  <enclosure url="trailer.mp3" type="audio/mpeg"/></item>
<item><title>Episode one</title><guid>ep-1</guid><pubDate>Mon, 06 Jan 2025 10:00:00 +0000</pubDate>
  <itunes:duration>0:04</itunes:duration><itunes:season>1</itunes:season><itunes:episode>1</itunes:episode>
  <itunes:episodeType>full</itunes:episodeType><itunes:explicit>no</itunes:explicit>
  <enclosure url="cover.jpg" type="image/jpeg"/><enclosure url="one.mp3" type="audio/mpeg"/>
  <podcast:transcript url="one.srt" type="application/srt"/></item>
<item><title>Episode two</title><guid>ep-2</guid><enclosure url="two.mp3" type="audio/mpeg"/></item>
</channel></rss>
"""
SRT = "1\n00:00:00,000 --> 00:00:02,000\nThe publisher's own words.\n\n2\n00:00:02,000 --> 00:00:04,000\nExact and free.\n"


def _yc(*args: str) -> tuple[int, str]:
    """Exit code and stderr (whitespace collapsed) of a real ``yc`` process; wide, so no message is wrapped."""
    env = {**os.environ, "COLUMNS": "400"}
    res = subprocess.run(
        [sys.executable, "-m", "yc_cli.app", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert "Traceback" not in res.stderr, res.stderr[-2000:]
    return res.returncode, " ".join(res.stderr.split())


@pytest.fixture
def feed(media_server: MediaServer, make_speech) -> str:
    clip = make_speech(SHORT, "short.mp3")
    for name in ("trailer.mp3", "one.mp3", "two.mp3"):
        shutil.copy(clip, media_server.root / name)
    (media_server.root / "one.srt").write_text(SRT)
    (media_server.root / "feed.rss").write_text(FEED)  # itunes:/podcast: prefixes left undeclared
    return media_server.url("feed.rss")


def test_feed_metadata_trailers_and_publisher_transcripts(
    media_server: MediaServer, feed: str, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-w", str(workspace), "collect", feed, "--workers", "2", "--retries", "0"]) == 0
    assert "1 trailer episode (--episode-type)" in " ".join(capsys.readouterr().err.split())
    videos = Store(workspace).read("videos").sort("video_id")
    assert videos["video_id"].to_list() == ["ep-1", "ep-2"] and set(videos["status"]) == {"ok"}
    one = videos.row(0, named=True)
    assert (one["title"], one["channel"], one["upload_date"], one["duration_s"]) == (
        "Episode one", "Transcribed Show", date(2025, 1, 6), 4.0,
    )  # fmt: skip
    assert (one["season"], one["episode"], one["episode_type"], one["explicit"], one["author"]) == (
        1, 1, "full", False, "The Host",
    )  # fmt: skip
    assert one["image"] == media_server.url("cover.jpg") and one["extractor"] == "Feed"
    assert one["enclosures"] == [{"url": media_server.url("one.mp3"), "type": "audio/mpeg", "length": None}]
    assert one["captions"]["text"] == "The publisher's own words. Exact and free."
    assert videos.row(1, named=True)["captions"] is None
    assert media_server.get_count("cover.jpg") == 0 and media_server.get_count("trailer.mp3") == 0

    # the publisher's transcript is used like YouTube captions; the episode without one fails without a fallback
    assert main(["-w", str(workspace), "transcribe", "--backend", "captions"]) == 0
    transcripts = {r["video_id"]: r for r in Store(workspace).read("transcripts").iter_rows(named=True)}
    assert transcripts["ep-1"]["status"] == "ok"
    assert transcripts["ep-1"]["text"] == "The publisher's own words. Exact and free."
    assert [(s["start"], s["end"]) for s in transcripts["ep-1"]["segments"]] == [(0.0, 2.0), (2.0, 4.0)]
    assert transcripts.get("ep-2") is None or transcripts["ep-2"]["status"] == "failed"
    # with --fallback, the episode without a transcript is transcribed from its audio; ep-1 keeps the publisher's
    assert (
        main(["-w", str(workspace), "transcribe", "--backend", "captions", "--fallback", "faster-whisper"])
        == 0
    )
    transcripts = {r["video_id"]: r for r in Store(workspace).current("transcripts").iter_rows(named=True)}
    assert transcripts["ep-1"]["text"] == "The publisher's own words. Exact and free."
    assert transcripts["ep-2"]["status"] == "ok" and "web server" in transcripts["ep-2"]["text"].lower()

    # trailers on request
    assert main(["-w", str(workspace), "collect", feed, "--episode-type", "all"]) == 0
    trailer = Store(workspace).read("videos").filter(pl.col("video_id") == "trailer")
    assert trailer["episode_type"].to_list() == ["trailer"] and trailer["status"].to_list() == ["ok"]


def test_bad_episode_type_is_an_option_problem(workspace: Path) -> None:
    rc, err = _yc("-w", str(workspace), "collect", str(workspace), "--episode-type", "full,teaser")
    assert rc == 1 and "episode types must be some of full, trailer, bonus (got full, teaser)" in err


def test_odd_sources_explained(media_server: MediaServer, feed: str, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    empty = tmp_path / "empty"
    empty.mkdir()
    rc, err = _yc("-w", ws, "collect", str(empty))
    assert rc == 1 and f"no media files in {empty} (it is empty); looked for .aac .aif" in err
    (empty / "notes.txt").write_text("not media")
    rc, err = _yc("-w", ws, "collect", str(empty))
    assert rc == 1 and "(it holds 1 other file (notes.txt)); looked for" in err

    media_server.status["feed.rss"] = 500
    rc, err = _yc("-w", ws, "collect", feed, "--retries", "0")
    assert rc == 1 and "the server answered 500" in err and "could not be reached" not in err
    del media_server.status["feed.rss"]

    dup = FEED.replace("<guid>ep-2</guid>", "<guid>ep-1</guid>").replace(
        "<item><title>Coming soon",
        "<item><title>Show notes only</title><guid>post</guid></item><item><title>Coming soon",
    )
    (media_server.root / "dup.rss").write_text(dup)
    rc, err = _yc("-w", ws, "collect", media_server.url("dup.rss"), "--no-audio")
    assert rc == 0, err[-2000:]
    assert "item 'Episode two': its guid 'ep-1' repeats item 'Episode one' (skipped)" in err
    assert "item 'Show notes only': no audio or video enclosure (skipped)" in err
