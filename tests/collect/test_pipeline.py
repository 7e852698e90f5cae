"""Real yt-dlp + ffmpeg against the loopback media server: feeds, pages, direct links, folders, YouTube-shaped info."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.support.feeds import FeedItem, audio_page, write_feed
from tests.support.media_server import MediaServer
from tests.support.speech import duration_s
from yc_collect import CollectOptions, Entry, collect, list_source

FIXTURES = Path(__file__).parent / "fixtures"
FAST = {"workers": 3, "retries": 1, "backoff_s": 0.1, "socket_timeout_s": 10}


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Short spoken clips in several containers (espeak-ng + ffmpeg)."""
    from tests.support.speech import speak

    out = tmp_path_factory.mktemp("clips")
    clips = {
        "one.mp3": speak("Episode one. Hello and welcome to the show.", out / "one.mp3"),
        "two.mp3": speak("Episode two. Today we talk about testing.", out / "two.mp3"),
        "three.m4a": speak("Episode three. Thanks for listening.", out / "three.m4a"),
        "four.wav": speak("A local recording in a folder.", out / "four.wav"),
    }
    clips["best.webm"] = _ffmpeg(
        clips["one.mp3"], out / "best.webm", "-c:a", "libopus", "-b:a", "96k", "-ac", "2", "-ar", "48000"
    )
    clips["low.m4a"] = _ffmpeg(clips["one.mp3"], out / "low.m4a", "-c:a", "aac", "-b:a", "32k")
    silent = out / "video_only.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=2",
         "-an", "-pix_fmt", "yuv420p", str(silent)],
        check=True,
    )  # fmt: skip
    clips["video_only.mp4"] = silent
    return clips


def _ffmpeg(src: Path, dst: Path, *args: str) -> Path:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(src), *args, str(dst)], check=True
    )
    return dst


def _serve(server: MediaServer, clips: dict[str, Path], *names: str, under: str = "") -> None:
    for name in names:
        dest = server.root / under / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(clips[name], dest)


def _stream(path: Path) -> dict:
    res = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,channels,sample_rate", "-of", "json", str(path)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(res.stdout)["streams"][0]


def _check_audio(row: dict, root: Path, source: Path) -> None:
    """The row's audio file exists, is named by id, decodes as Opus mono 16 kHz, has the source's duration."""
    path = root / row["audio_path"]
    assert path.name == f"{row['video_id']}.opus"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == row["audio_sha256"]
    stream = _stream(path)
    assert (stream["codec_name"], stream["channels"]) == ("opus", 1)
    decoded = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "s16le", "-ar", "16000", "-"],
        capture_output=True,
        check=True,
    ).stdout
    assert len(decoded) / 2 / 16000 == pytest.approx(duration_s(source), abs=0.1)
    assert row["audio_s"] == pytest.approx(duration_s(source), abs=0.1)


@pytest.mark.slow
def test_rss_feed_with_a_404_and_a_slow_enclosure(
    media_server: MediaServer, clips: dict[str, Path], tmp_path: Path
) -> None:
    _serve(media_server, clips, "one.mp3", "two.mp3", "three.m4a")
    media_server.delay_s["three.m4a"] = 1.0
    items = [
        FeedItem("Episode 1: Hello", media_server.url("one.mp3"), "ep-1", datetime(2025, 1, 6, 10, tzinfo=UTC),
                 "<p>Show notes with <a href='x'>a link</a> &amp; more.</p>", 3.0),
        FeedItem("Episode 2: Testing", media_server.url("two.mp3"), "https://pod.example/?p=2", datetime(2025, 1, 13, tzinfo=UTC), "Plain notes"),
        FeedItem("Episode 3: Gone", media_server.url("missing.mp3"), "ep-3", datetime(2025, 1, 20, tzinfo=UTC)),
        FeedItem("Episode 4: Slow", media_server.url("three.m4a"), "ep-4", datetime(2025, 1, 27, tzinfo=UTC), mime="audio/mp4"),
    ]  # fmt: skip
    write_feed(media_server.root, "feed.rss", items, title="The Test Show")
    feed = media_server.url("feed.rss")
    options = CollectOptions(**FAST)
    listing = list_source(feed, options)
    assert listing.title == "The Test Show"
    assert listing.entries[0].video_id == "ep-1" and listing.entries[1].video_id.startswith(
        "https_pod.example_p_2-"
    )

    rows = {r["video_id"]: r for r in collect(listing.entries, tmp_path / "ws" / "audio", options)}
    assert {r["status"] for r in rows.values()} == {"ok", "failed"}
    gone = rows["ep-3"]
    assert (gone["status"], gone["error_kind"], gone["audio_path"]) == ("failed", "not_found", None)
    assert "404" in gone["error"] and gone["title"] == "Episode 3: Gone"
    one = rows["ep-1"]
    assert (one["title"], one["channel"], one["upload_date"]) == (
        "Episode 1: Hello",
        "The Test Show",
        date(2025, 1, 6),
    )
    assert one["description"] == "Show notes with a link & more."
    assert one["source"] == feed and one["source_url"] == media_server.url("one.mp3")
    assert one["audio_path"] == "audio/ep-1.opus" and one["captions"] is None
    _check_audio(one, tmp_path / "ws", clips["one.mp3"])
    _check_audio(rows["ep-4"], tmp_path / "ws", clips["three.m4a"])
    assert rows[listing.entries[1].video_id]["upload_date"] == date(2025, 1, 13)
    assert not [p for p in (tmp_path / "ws" / "audio" / ".partial").iterdir()]

    # incremental: the collected ids are skipped before any request; only the failure is tried again
    ok = {k for k, r in rows.items() if r["status"] == "ok"}
    before = list(media_server.requests)
    again = list_source(feed, options, skip_ids=ok)
    assert [e.video_id for e in again] == ["ep-3"] and sorted(again.known) == sorted(ok)
    second = list(collect(again.entries, tmp_path / "ws" / "audio", options))
    assert [r["error_kind"] for r in second] == ["not_found"]
    new = [p for _, p in media_server.requests[len(before) :]]
    assert new == ["/feed.rss", "/missing.mp3"]


@pytest.mark.slow
def test_html_page_with_audio_tags_and_a_direct_link(
    media_server: MediaServer, clips: dict[str, Path], tmp_path: Path
) -> None:
    _serve(media_server, clips, "one.mp3", "two.mp3", under="media")
    (media_server.root / "episodes.html").write_text(
        audio_page(["media/one.mp3", "media/two.mp3"], title="Our Episodes")
    )
    options = CollectOptions(**FAST)
    page = list_source(media_server.url("episodes.html"), options)
    assert len(page) == 2
    rows = list(collect(page.entries, tmp_path / "audio", options))
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert {r["title"] for r in rows} == {"Our Episodes (1)", "Our Episodes (2)"}
    for row in rows:
        _check_audio(row, tmp_path, clips["one.mp3" if row["title"].endswith("(1)") else "two.mp3"])

    direct = list_source(media_server.url("media/two.mp3"), options)
    [row] = list(collect(direct.entries, tmp_path / "audio", options))
    assert (row["video_id"], row["status"], row["extractor"]) == ("two", "ok", "Generic")
    _check_audio(row, tmp_path, clips["two.mp3"])


def test_local_folder(clips: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "recordings"
    (folder / "2024").mkdir(parents=True)
    shutil.copy(clips["four.wav"], folder / "my_first_talk.wav")
    shutil.copy(clips["two.mp3"], folder / "2024" / "second talk.mp3")
    (folder / "notes.txt").write_text("not media")
    (folder / ".hidden").mkdir()
    shutil.copy(clips["one.mp3"], folder / ".hidden" / "skip.mp3")
    listing = list_source(str(folder))
    assert [e.info["title"] for e in listing] == ["second talk", "my first talk"]
    rows = list(collect(listing.entries, tmp_path / "ws" / "audio", CollectOptions(workers=2)))
    by_title = {r["title"]: r for r in rows}
    assert all(
        r["status"] == "ok" and r["extractor"] == "local" and r["channel"] == "recordings" for r in rows
    )
    _check_audio(by_title["my first talk"], tmp_path / "ws", clips["four.wav"])
    _check_audio(by_title["second talk"], tmp_path / "ws", clips["two.mp3"])
    assert {r["video_id"] for r in rows} == {e.video_id for e in list_source(str(folder))}  # stable ids
    assert by_title["my first talk"]["source_url"].startswith("file://")


def _youtube_entry(server: MediaServer, **changes: object) -> Entry:
    text = (FIXTURES / "youtube_video_full.json").read_text().replace("{BASE}", server.base_url)
    info = {**json.loads(text), **changes}
    return Entry(info["id"], "@testchannel", info, info["webpage_url"], "Test Channel", resolved=True)


def test_youtube_shaped_info_best_audio_and_captions(
    media_server: MediaServer, clips: dict[str, Path], tmp_path: Path
) -> None:
    """A recorded YouTube info dict through real yt-dlp format selection; media and captions on loopback."""
    (media_server.root / "media").mkdir()
    shutil.copy(clips["best.webm"], media_server.root / "media" / "yt_best.webm")
    shutil.copy(clips["low.m4a"], media_server.root / "media" / "yt_low.m4a")
    (media_server.root / "captions").mkdir()
    for name in ("manual_en.json3", "auto_en.json3", "auto_en.vtt"):
        shutil.copy(FIXTURES / name, media_server.root / "captions" / name)
    [row] = list(collect([_youtube_entry(media_server)], tmp_path / "audio", CollectOptions(**FAST)))
    assert row["status"] == "ok", row["error"]
    assert (
        media_server.get_count("media/yt_best.webm") == 1 and media_server.get_count("media/yt_low.m4a") == 0
    )
    assert (row["video_id"], row["extractor"], row["channel"]) == ("vidAAAAAAA1", "Youtube", "Test Channel")
    assert (
        row["upload_date"] == date(2025, 3, 14)
        and row["tags"] == ["testing", "cli", "python"]
        and row["view_count"] == 4321
    )
    assert (
        row["captions"]["kind"] == "manual"
        and row["captions"]["text"] == "Hello and welcome back. Today we test a CLI."
    )
    _check_audio(row, tmp_path, clips["one.mp3"])

    # captions only, no manual track: the automatic original-language track, no audio download
    auto = _youtube_entry(media_server, id="vidAAAAAAA2", subtitles={})
    auto.video_id = "vidAAAAAAA2"
    [row] = list(collect([auto], tmp_path / "audio", CollectOptions(audio=False, **FAST)))
    assert (row["status"], row["audio_path"]) == ("ok", None)
    assert row["captions"]["lang"] == "en" and row["captions"]["kind"] == "auto"
    assert row["captions"]["text"] == "hello and welcome back today we test a cli"
    assert media_server.get_count("media/yt_best.webm") == 1


def test_skipped_entries_are_recorded_without_requests(media_server: MediaServer, tmp_path: Path) -> None:
    flat = json.loads((FIXTURES / "youtube_channel_flat.json").read_text())
    entries = flat["https://www.youtube.com/@testchannel/videos"]["entries"][1:3]
    entries += [flat["https://www.youtube.com/@testchannel/streams"]["entries"][0]]
    todo = [Entry(e["id"], "@testchannel", e, e["url"], "Test Channel") for e in entries]
    rows = {r["video_id"]: r for r in collect(todo, tmp_path / "audio", CollectOptions(**FAST))}
    assert {k: (r["status"], r["error_kind"]) for k, r in rows.items()} == {
        "vidAAAAAAA2": ("skipped", "members_only"),
        "vidAAAAAAA3": ("skipped", "upcoming"),
        "strmAAAAAA1": ("skipped", "live"),
    }
    assert "--cookies" in rows["vidAAAAAAA2"]["error"]
    assert rows["vidAAAAAAA3"]["title"] == "Live Q&A next week"


def test_retry_with_backoff_then_success(
    media_server: MediaServer, clips: dict[str, Path], tmp_path: Path
) -> None:
    _serve(media_server, clips, "one.mp3")
    media_server.status["one.mp3"] = 503
    threading.Timer(0.3, lambda: media_server.status.pop("one.mp3")).start()
    options = CollectOptions(workers=1, retries=3, backoff_s=0.4)
    [row] = list(
        collect(list_source(media_server.url("one.mp3"), options).entries, tmp_path / "audio", options)
    )
    assert row["status"] == "ok"
    assert media_server.get_count("one.mp3") >= 2


def test_no_audio_stream_and_retry_exhaustion(
    media_server: MediaServer, clips: dict[str, Path], tmp_path: Path
) -> None:
    _serve(media_server, clips, "video_only.mp4", "one.mp3")
    options = CollectOptions(workers=2, retries=1, backoff_s=0.05)
    [row] = list(
        collect(list_source(media_server.url("video_only.mp4"), options).entries, tmp_path / "audio", options)
    )
    assert (row["status"], row["error_kind"]) == ("failed", "no_audio")
    listing = list_source(media_server.url("one.mp3"), options)
    media_server.status["one.mp3"] = 500
    [row] = list(collect(listing.entries, tmp_path / "audio", options))
    assert (row["status"], row["error_kind"]) == ("failed", "network")
    assert media_server.get_count("one.mp3") == 1 + 2  # listing, then the first try and one retry


def test_a_published_file_from_a_killed_run_is_reused(
    media_server: MediaServer, clips: dict[str, Path], tmp_path: Path
) -> None:
    _serve(media_server, clips, "one.mp3")
    options = CollectOptions(workers=1, **{k: v for k, v in FAST.items() if k != "workers"})
    entries = list_source(media_server.url("one.mp3"), options).entries
    [first] = list(collect(entries, tmp_path / "audio", options))
    gets = media_server.get_count("one.mp3")
    (tmp_path / "audio" / ".partial" / "one.opus.tmp").write_bytes(b"half-written")  # a conversion cut short
    entries = list_source(media_server.url("one.mp3"), options).entries
    [again] = list(collect(entries, tmp_path / "audio", options))
    assert again["audio_sha256"] == first["audio_sha256"] and again["status"] == "ok"
    assert media_server.get_count("one.mp3") == gets + 1  # listed again, not downloaded again
    assert not (tmp_path / "audio" / ".partial" / "one.opus.tmp").exists()
    forced = CollectOptions(reuse_audio=False, **{**FAST, "workers": 1})
    [redone] = list(
        collect(list_source(media_server.url("one.mp3"), forced).entries, tmp_path / "audio", forced)
    )
    assert (
        redone["status"] == "ok" and media_server.get_count("one.mp3") == gets + 3
    )  # listed, then downloaded again
