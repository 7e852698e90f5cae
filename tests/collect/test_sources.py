from pathlib import Path

import pytest

from yc_collect import SourceError, classify
from yc_collect.sources import extractor_hint

CHANNEL_FORMS = [
    ("@testchannel", "https://www.youtube.com/@testchannel"),
    ("https://www.youtube.com/@testchannel", "https://www.youtube.com/@testchannel"),
    ("https://youtube.com/@testchannel/featured", "https://www.youtube.com/@testchannel"),
    ("https://m.youtube.com/@testchannel/", "https://www.youtube.com/@testchannel"),
    ("www.youtube.com/@testchannel", "https://www.youtube.com/@testchannel"),
    ("UCabcdefghijklmnopqrstuv", "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv"),
    (
        "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv",
        "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv",
    ),
    ("https://www.youtube.com/c/TestChannel", "https://www.youtube.com/c/TestChannel"),
    ("https://www.youtube.com/user/testuser?sub_confirmation=1", "https://www.youtube.com/user/testuser"),
]


@pytest.mark.parametrize(("raw", "base"), CHANNEL_FORMS)
def test_channel_forms_list_the_videos_tab(raw: str, base: str) -> None:
    src = classify(raw)
    assert src.kind == "youtube_channel"
    assert src.urls == (f"{base}/videos",)


def test_extra_tabs_are_added_in_order() -> None:
    src = classify("@testchannel", tabs=("videos", "shorts", "streams"))
    assert [u.rsplit("/", 1)[1] for u in src.urls] == ["videos", "shorts", "streams"]


def test_a_tab_in_the_url_is_kept_and_flags_add_to_it() -> None:
    assert classify("https://www.youtube.com/@testchannel/shorts").urls == (
        "https://www.youtube.com/@testchannel/shorts",
    )
    src = classify("https://www.youtube.com/@testchannel/streams", tabs=("videos", "shorts"))
    assert src.urls == (
        "https://www.youtube.com/@testchannel/streams",
        "https://www.youtube.com/@testchannel/shorts",
    )
    assert classify("https://www.youtube.com/@testchannel/playlists").kind == "youtube_playlist"


@pytest.mark.parametrize(
    "raw",
    [
        "https://www.youtube.com/watch?v=vidAAAAAAA1",
        "https://www.youtube.com/watch?v=vidAAAAAAA1&list=PL123&index=2",
        "https://youtu.be/vidAAAAAAA1?t=30",
        "https://www.youtube.com/shorts/vidAAAAAAA1",
        "https://www.youtube.com/live/vidAAAAAAA1",
        "https://www.youtube.com/embed/vidAAAAAAA1",
    ],
)
def test_single_videos(raw: str) -> None:
    src = classify(raw)
    assert src.kind == "youtube_video"
    assert src.urls == ("https://www.youtube.com/watch?v=vidAAAAAAA1",)


def test_playlists_sites_folders_and_errors(tmp_path: Path) -> None:
    pl = classify("https://www.youtube.com/playlist?list=PLabc")
    assert (pl.kind, pl.urls) == ("youtube_playlist", ("https://www.youtube.com/playlist?list=PLabc",))
    assert classify("https://vimeo.com/123").kind == "url"
    assert classify("http://127.0.0.1:8000/feed.rss").urls == ("http://127.0.0.1:8000/feed.rss",)
    folder = classify(str(tmp_path))
    assert (folder.kind, folder.path) == ("folder", tmp_path.resolve())
    media = tmp_path / "a.mp3"
    media.write_bytes(b"x")
    assert classify(media.as_uri()).kind == "file"
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(SourceError, match="not a media file"):
        classify(str(tmp_path / "notes.txt"))
    with pytest.raises(SourceError, match="not a URL"):
        classify("no-such-thing")
    with pytest.raises(SourceError, match="scheme"):
        classify("ftp://example.com/a.mp3")


def test_extractor_hints_skip_matching_every_extractor() -> None:
    assert extractor_hint("https://www.youtube.com/@x/videos") == "YoutubeTab"
    assert extractor_hint("https://www.youtube.com/watch?v=vidAAAAAAA1") == "Youtube"
    assert extractor_hint("https://www.youtube.com/playlist?list=PL1") == "YoutubeTab"
    assert extractor_hint("https://www.youtube.com/LegacyName") is None
    assert extractor_hint("http://127.0.0.1:1/feed.rss") == "Generic"
    assert extractor_hint("http://127.0.0.1:1/podcast/feed/") == "Generic"
    assert extractor_hint("http://127.0.0.1:1/ep1.mp3#__youtubedl_smuggle=%7B%7D") == "Generic"
    assert extractor_hint("http://127.0.0.1:8000/episodes.html") == "Generic"
    assert extractor_hint("https://vimeo.com/123") is None
    assert extractor_hint("https://example.com/episodes.html") is None
