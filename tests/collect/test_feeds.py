"""Podcast feeds as podcast apps read them: hand-written feeds served on loopback, listed and collected.

Each feed below is small and written by hand for one case (RSS 0.92/2.0, Atom, undeclared namespaces, relative
URLs, image + audio, Media RSS, paging, duplicates, publisher transcripts in each format). Listing runs real
feedparser over real HTTP; collecting runs real yt-dlp + ffmpeg.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from tests.support.media_server import MediaServer
from yc_collect import CollectOptions, SourceError, collect, list_source
from yc_collect.feeds import parse_duration

FAST = {"workers": 2, "retries": 0, "backoff_s": 0.05, "socket_timeout_s": 10}
ITUNES = 'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
PODCAST = 'xmlns:podcast="https://podcastindex.org/namespace/1.0"'
MEDIA = 'xmlns:media="http://search.yahoo.com/mrss/"'
ATOM = 'xmlns:atom="http://www.w3.org/2005/Atom"'


def rss(items: str, *, ns: str = "", channel: str = "", version: str = "2.0") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="{version}" {ns}>\n<channel>\n'
        f"<title>Feed Show</title><link>http://example.invalid/</link><description>d</description>\n"
        f"{channel}\n{items}\n</channel>\n</rss>\n"
    )


def serve(server: MediaServer, name: str, text: str) -> str:
    path = server.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return server.url(name)


def listed(url: str, **options: object) -> dict[str, dict]:
    listing = list_source(url, CollectOptions(**{**FAST, **options}))
    return {e.video_id: e.info for e in listing.entries}


def media_requests(server: MediaServer) -> list[str]:
    return [p for m, p in server.requests if not p.endswith((".xml", ".rss", ".atom"))]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.support.speech import speak

    return speak("Hello from the feed.", tmp_path_factory.mktemp("feedclip") / "clip.mp3")


def test_itunes_metadata_and_the_trailer_filter(media_server: MediaServer) -> None:
    items = """
    <item><title>Trailer</title><guid isPermaLink="false">t-0</guid><enclosure url="t.mp3" type="audio/mpeg"/>
      <itunes:episodeType>trailer</itunes:episodeType><itunes:duration>95</itunes:duration></item>
    <item><title>One</title><guid isPermaLink="false">e-1</guid><enclosure url="1.mp3" type="audio/mpeg" length="1234"/>
      <pubDate>Mon, 06 Jan 2025 10:00:00 +0000</pubDate><itunes:duration>1:02:03</itunes:duration>
      <itunes:season>2</itunes:season><itunes:episode>5</itunes:episode><itunes:episodeType>full</itunes:episodeType>
      <itunes:explicit>yes</itunes:explicit><itunes:author>Guest Host</itunes:author>
      <itunes:image href="art/one.jpg"/></item>
    <item><title>Bonus</title><guid isPermaLink="false">b-1</guid><enclosure url="b.mp3" type="audio/mpeg"/>
      <itunes:episodeType>Bonus</itunes:episodeType><itunes:duration>62:03</itunes:duration>
      <pubDate>Sun, 01 Dec 2024 08:00:00 GMT</pubDate>
      <itunes:explicit>clean</itunes:explicit></item>
    """
    channel = (
        "<itunes:author>Main Host</itunes:author><itunes:explicit>false</itunes:explicit>"
        '<itunes:image href="https://cdn.example.invalid/cover.jpg"/>'
    )
    url = serve(media_server, "show/feed.xml", rss(items, ns=ITUNES, channel=channel))
    listing = list_source(url, CollectOptions(**FAST))
    assert listing.title == "Feed Show"
    assert [e.video_id for e in listing] == ["e-1", "b-1"]
    assert dict(listing.filtered) == {"trailer episode (--episode-type)": 1}
    one, bonus = (e.info for e in listing)
    assert one["url"] == media_server.url("show/1.mp3") and one["ext"] == "mp3"
    assert (one["duration"], one["season_number"], one["episode_number"]) == (3723.0, 2, 5)
    assert (one["yc_episode_type"], one["yc_explicit"], one["yc_author"]) == ("full", True, "Guest Host")
    assert one["thumbnail"] == media_server.url("show/art/one.jpg")
    assert one["yc_enclosures"] == [{"url": one["url"], "type": "audio/mpeg", "length": 1234}]
    assert (bonus["duration"], bonus["yc_episode_type"], bonus["yc_explicit"]) == (3723.0, "bonus", False)
    assert (bonus["yc_author"], bonus["thumbnail"]) == ("Main Host", "https://cdn.example.invalid/cover.jpg")
    with_trailers = listed(url, episode_types=("full", "trailer", "bonus"))
    assert list(with_trailers) == ["t-0", "e-1", "b-1"] and with_trailers["t-0"]["duration"] == 95.0
    assert with_trailers["t-0"]["yc_explicit"] is False  # the show's itunes:explicit
    assert list(listed(url, episode_types=("trailer",))) == ["t-0"]
    # feed metadata serve the filters without resolving anything
    assert list(listed(url, min_duration_s=3000, since=date(2025, 1, 1))) == ["e-1"]
    assert dict(list_source(url, CollectOptions(max_duration_s=100, **FAST)).filtered) == {
        "trailer episode (--episode-type)": 1,
        "longer than --max-duration": 2,
    }


def test_undeclared_namespace_prefixes_are_read(media_server: MediaServer) -> None:
    """Hand-made feeds often use itunes:/podcast: without declaring them; podcast apps accept them."""
    items = """
    <item><title>Loose</title><guid>loose-1</guid><enclosure url="a.mp3" type="audio/mpeg"/>
      <itunes:duration>10:00</itunes:duration><itunes:episode>7</itunes:episode>
      <podcast:transcript url="a.vtt" type="text/vtt" language="en"/></item>
    """
    info = listed(serve(media_server, "loose.rss", rss(items)))["loose-1"]
    assert (info["duration"], info["episode_number"]) == (600.0, 7)
    assert info["subtitles"] == {
        "en": [{"url": media_server.url("a.vtt"), "ext": "vtt", "name": "podcast:transcript"}]
    }


def test_rss_092_and_html_descriptions(media_server: MediaServer) -> None:
    items = """
    <item><title>Old school</title><description>&lt;p&gt;Escaped &lt;b&gt;HTML&lt;/b&gt; &amp;amp; notes&lt;/p&gt;</description>
      <enclosure url="http://cdn.example.invalid/old.mp3" length="10" type="audio/mpeg"/></item>
    <item><title>CDATA</title><description><![CDATA[<p>First</p><p>Second &amp; <a href="x">link</a></p>]]></description>
      <enclosure url="http://cdn.example.invalid/new.mp3" type="audio/mpeg"/></item>
    """
    listing = list_source(serve(media_server, "old.xml", rss(items, version="0.92")), CollectOptions(**FAST))
    from yc_collect.rows import metadata_row

    rows = [metadata_row(e.video_id, e.source, e.info, channel=e.channel) for e in listing]
    assert [r["description"] for r in rows] == ["Escaped HTML & notes", "First\n\nSecond & link"]
    assert all(r["extractor"] == "Feed" and r["channel"] == "Feed Show" for r in rows)


def test_atom_feed_with_enclosure_links(media_server: MediaServer) -> None:
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Cast</title><id>urn:cast</id><updated>2025-02-01T00:00:00Z</updated>
  <entry><title>Atom one</title><id>urn:cast:1</id><updated>2025-02-01T08:00:00Z</updated>
    <summary type="html">&lt;p&gt;An &lt;i&gt;atom&lt;/i&gt; episode&lt;/p&gt;</summary>
    <link rel="alternate" href="one.html"/><link rel="enclosure" href="media/one.m4a" type="audio/mp4" length="99"/></entry>
  <entry><title>Atom page only</title><id>urn:cast:2</id><updated>2025-01-01T00:00:00Z</updated>
    <link rel="alternate" href="two.html"/></entry>
</feed>"""
    listing = list_source(serve(media_server, "cast/feed.atom", atom), CollectOptions(**FAST))
    [entry] = listing.entries
    assert listing.title == "Atom Cast" and entry.video_id.startswith("urn_cast_1-")
    info = entry.info
    assert info["url"] == media_server.url("cast/media/one.m4a") and info["ext"] == "m4a"
    assert info["yc_guid"] == "urn:cast:1" and info["timestamp"] == 1738396800
    assert listing.warnings == ["feed item 'Atom page only': no audio or video enclosure (skipped)"]


def test_relative_and_spaced_urls_resolve_against_the_final_feed_url(media_server: MediaServer) -> None:
    items = """
    <item><title>Rel</title><guid>r-1</guid><enclosure url="  test.mp3 " type="audio/mpeg"/></item>
    <item><title>Up</title><guid>r-2</guid><enclosure url="../media/up.mp3" type="audio/mpeg"/></item>
    <item><title>Rooted</title><guid>r-3</guid><enclosure url="/root.mp3"/></item>
    """
    infos = listed(serve(media_server, "a/b/feed.rss", rss(items)))
    assert [i["url"] for i in infos.values()] == [
        media_server.url("a/b/test.mp3"),
        media_server.url("a/media/up.mp3"),
        media_server.url("root.mp3"),
    ]


def test_image_before_audio_takes_the_audio_and_keeps_alternatives(
    media_server: MediaServer, clip: Path, tmp_path: Path
) -> None:
    shutil.copy(clip, media_server.root / "ep.mp3")
    (media_server.root / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    items = """
    <item><title>Covered</title><guid>c-1</guid>
      <enclosure url="cover.jpg" type="image/jpeg" length="20"/>
      <enclosure url="ep.mp3" type="audio/mpeg" length="30"/>
      <enclosure url="ep.mp3" type="audio/mpeg" length="30"/>
      <enclosure url="ep.pdf" type="application/pdf"/>
      <media:content url="ep.mp4" type="video/mp4" medium="video"/></item>
    """
    url = serve(media_server, "covered.rss", rss(items, ns=MEDIA))
    listing = list_source(url, CollectOptions(**FAST))
    [entry] = listing.entries
    assert [m["url"] for m in entry.info["yc_enclosures"]] == [
        media_server.url("ep.mp3"),
        media_server.url("ep.mp4"),
    ]
    [row] = collect(listing.entries, tmp_path / "audio", CollectOptions(**FAST))
    assert (row["status"], row["source_url"]) == ("ok", media_server.url("ep.mp3")), row["error"]
    assert [e["type"] for e in row["enclosures"]] == ["audio/mpeg", "video/mp4"]
    assert media_server.get_count("cover.jpg") == 0 and media_server.get_count("ep.mp4") == 0


def test_media_rss_only_and_media_group(media_server: MediaServer) -> None:
    items = """
    <item><title>Media only</title><guid>m-1</guid><media:content url="m1.mp3" type="audio/mpeg" fileSize="77"/></item>
    <item><title>Grouped</title><guid>m-2</guid><media:group>
      <media:content url="m2.mp4" type="video/mp4" medium="video"/>
      <media:content url="m2.m4a" type="audio/mp4" medium="audio"/>
      <media:content url="m2.jpg" medium="image"/></media:group></item>
    """
    infos = listed(serve(media_server, "mrss.xml", rss(items, ns=MEDIA)))
    assert infos["m-1"]["url"] == media_server.url("m1.mp3")
    assert infos["m-1"]["yc_enclosures"][0]["length"] == 77
    assert [m["url"].rsplit("/", 1)[1] for m in infos["m-2"]["yc_enclosures"]] == ["m2.m4a", "m2.mp4"]


def test_items_without_guid_are_keyed_stably_and_duplicates_are_listed(media_server: MediaServer) -> None:
    items = """
    <item><title>No guid</title><enclosure url="n1.mp3" type="audio/mpeg"/></item>
    <item><title>Twice A</title><guid>dup</guid><enclosure url="d1.mp3" type="audio/mpeg"/></item>
    <item><title>Twice B</title><guid>dup</guid><enclosure url="d2.mp3" type="audio/mpeg"/></item>
    <item><title>Weird id</title><guid>../../etc/passwd</guid><enclosure url="w.mp3" type="audio/mpeg"/></item>
    """
    url = serve(media_server, "dups.rss", rss(items))
    first = list_source(url, CollectOptions(**FAST))
    again = list_source(url, CollectOptions(**FAST))
    ids = [e.video_id for e in first]
    assert ids == [e.video_id for e in again]
    assert ids[0].startswith("url-") and ids[1] == "dup"
    assert ids[2].startswith("etc_passwd-") and "/" not in ids[2]  # a file-safe id, never a path
    assert first.warnings == ["feed item 'Twice B': its guid 'dup' repeats item 'Twice A' (skipped)"]


def test_paged_feed_is_followed_and_limit_stops_paging(media_server: MediaServer) -> None:
    for n in (1, 2, 3):
        nxt = f'<atom:link rel="next" href="page{n + 1}.xml"/>' if n < 3 else ""
        items = "".join(
            f'<item><title>P{n} E{i}</title><guid>p{n}-{i}</guid><enclosure url="p{n}-{i}.mp3" type="audio/mpeg"/></item>'
            for i in (1, 2)
        )
        serve(media_server, f"paged/page{n}.xml", rss(items, ns=ATOM, channel=nxt))
    url = media_server.url("paged/page1.xml")
    assert list(listed(url)) == ["p1-1", "p1-2", "p2-1", "p2-2", "p3-1", "p3-2"]
    media_server.requests.clear()
    assert list(listed(url, limit=3)) == ["p1-1", "p1-2", "p2-1"]
    assert [p for _, p in media_server.requests] == ["/paged/page1.xml", "/paged/page2.xml"]
    # a later page that fails ends the listing with what came before, and says so
    media_server.status["paged/page3.xml"] = 500
    listing = list_source(url, CollectOptions(**FAST))
    assert len(listing) == 4 and len(listing.warnings) == 1
    assert (
        listing.warnings[0].startswith("feed page 3 could not be read (")
        and "HTTP Error 500" in listing.warnings[0]
    )
    del media_server.status["paged/page3.xml"]
    # a page that points back to an earlier one ends the listing (no loop)
    serve(
        media_server, "paged/page3.xml", rss("", ns=ATOM, channel='<atom:link rel="next" href="page1.xml"/>')
    )
    assert len(listed(url)) == 4


def test_transcripts_in_each_format_become_captions(media_server: MediaServer, tmp_path: Path) -> None:
    files = {
        "t.vtt": "WEBVTT\n\n00:00:00.000 --> 00:00:02.500\n<v Host>Hello from VTT.\n\n00:00:02.500 --> 00:00:04.000\nSecond cue.\n",
        "t.srt": "1\n00:00:00,000 --> 00:00:01,500\nHello from SRT.\n\n2\n00:00:01,500 --> 00:00:03,000\nBye.\n",
        "t.json": '{"version": "1.0.0", "segments": [{"speaker": "A", "startTime": 0.5, "endTime": 1.25, "body": "Hello"},'
        ' {"startTime": 1.25, "endTime": 2.0, "body": " from JSON. "}]}',
        "t.txt": "Hello from plain text.\nA <second> line & more.",
        "t.html": "<html><body><p><cite>Host:</cite> Hello from HTML.</p><p>Bye &amp; thanks.</p></body></html>",
    }
    for name, text in files.items():
        (media_server.root / name).write_text(text, encoding="utf-8")
    items = "".join(
        f'<item><title>{fmt}</title><guid>tr-{fmt}</guid><enclosure url="x.mp3" type="audio/mpeg"/>'
        f'<podcast:transcript url="t.{fmt}" type="{mime}"/></item>'
        for fmt, mime in (("vtt", "text/vtt"), ("srt", "application/x-subrip"), ("json", "application/json"),
                          ("txt", "text/plain"), ("html", "text/html"))
    )  # fmt: skip
    # several transcripts for one item: the timed one in the item's language is preferred
    items += (
        '<item><title>many</title><guid>tr-many</guid><enclosure url="x.mp3" type="audio/mpeg"/>'
        '<podcast:transcript url="t.txt" type="text/plain" language="en"/>'
        '<podcast:transcript url="t.srt" type="application/srt" language="de"/>'
        '<podcast:transcript url="t.json" type="application/json" language="en"/></item>'
    )
    url = serve(media_server, "tr.rss", rss(items, ns=PODCAST, channel="<language>en-us</language>"))
    options = CollectOptions(audio=False, **FAST)
    rows = {r["video_id"]: r for r in collect(list_source(url, options).entries, tmp_path / "audio", options)}
    caps = {k.removeprefix("tr-"): r["captions"] for k, r in rows.items()}
    assert {k: r["status"] for k, r in rows.items()} == dict.fromkeys(rows, "ok")
    assert caps["vtt"]["segments"] == [
        {"start": 0.0, "end": 2.5, "text": "Hello from VTT."},
        {"start": 2.5, "end": 4.0, "text": "Second cue."},
    ]
    assert (caps["vtt"]["lang"], caps["vtt"]["kind"]) == ("en-us", "manual")
    assert caps["srt"]["text"] == "Hello from SRT. Bye."
    assert caps["json"]["segments"] == [
        {"start": 0.5, "end": 1.25, "text": "Hello"},
        {"start": 1.25, "end": 2.0, "text": "from JSON."},
    ]
    assert (caps["txt"]["text"], caps["txt"]["segments"]) == (
        "Hello from plain text.\nA <second> line & more.",
        [],
    )
    assert caps["html"]["text"] == "Host: Hello from HTML.\n\nBye & thanks."
    assert caps["many"]["text"] == "Hello from JSON." and caps["many"]["lang"] == "en"
    assert media_server.get_count("x.mp3") == 0  # captions only: no media request


def test_a_missing_enclosure_falls_back_to_the_next_media(
    media_server: MediaServer, clip: Path, tmp_path: Path
) -> None:
    shutil.copy(clip, media_server.root / "backup.mp3")
    items = """
    <item><title>Moved</title><guid>mv-1</guid><enclosure url="gone.m4a" type="audio/mp4"/>
      <media:content url="backup.mp3" type="audio/mpeg"/></item>
    """
    options = CollectOptions(**FAST)
    listing = list_source(serve(media_server, "moved.rss", rss(items, ns=MEDIA)), options)
    [row] = collect(listing.entries, tmp_path / "audio", options)
    assert (row["status"], row["source_url"]) == ("ok", media_server.url("backup.mp3")), row["error"]
    assert media_server.get_count("gone.m4a") == 1 and row["audio_s"] > 0.5


def test_unreadable_feed_names_the_parsers_reason(media_server: MediaServer) -> None:
    url = serve(media_server, "broken.xml", '{"this": "is json, not a feed"}')
    with pytest.raises(
        SourceError, match=r"cannot read the feed at .*broken\.xml: not a readable feed \("
    ) as err:
        list_source(url, CollectOptions(**FAST))
    assert "RSS or Atom" in (err.value.hint or "")


@pytest.mark.parametrize(
    ("status", "words"), [(500, "the server answered 500"), (404, "the server answered 404")]
)
def test_http_errors_name_the_status(media_server: MediaServer, status: int, words: str) -> None:
    url = serve(media_server, "feed.rss", rss(""))
    media_server.status["feed.rss"] = status
    with pytest.raises(SourceError) as err:
        list_source(url, CollectOptions(**FAST))
    assert words in str(err.value) and "could not be reached" not in str(err.value)


def test_http_errors_from_yt_dlp_name_the_status_too() -> None:
    """A site URL that is not a feed is listed by yt-dlp; its HTTP errors are reported by status as well."""
    from yt_dlp.utils import DownloadError

    from yc_collect.listing import _list_remote
    from yc_collect.sources import classify

    def extract(url: str) -> dict:
        raise DownloadError(
            "ERROR: [generic] Unable to download webpage: HTTP Error 503: Service Unavailable"
        )

    with pytest.raises(SourceError, match=r"the server answered 503 \(Service Unavailable\)") as err:
        _list_remote(classify("https://podcasts.example.invalid/show"), extract, CollectOptions(**FAST), [])
    assert err.value.hint == "the server failed: try again later"


def test_a_web_page_still_goes_to_yt_dlp(media_server: MediaServer) -> None:
    serve(media_server, "page.html", '<html><body><audio src="a.mp3"></audio></body></html>')
    listing = list_source(media_server.url("page.html"), CollectOptions(**FAST))
    assert [e.url for e in listing] == [media_server.url("a.mp3")]


def test_feeds_are_recognised_by_type_or_first_element() -> None:
    from yc_collect.feeds import looks_like_feed

    styled = b'\xef\xbb\xbf<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="s.xsl"?><!-- hi -->\n<rss>'
    assert looks_like_feed("text/html; charset=utf-8", styled)
    assert looks_like_feed(
        "text/plain", b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN">\n<rss>'
    )
    assert looks_like_feed("application/atom+xml", b"garbage") and looks_like_feed(None, b"<feed xmlns='x'>")
    assert not looks_like_feed("text/html", b"<!doctype html><html><body><rss>")
    assert not looks_like_feed("audio/mpeg", b"ID3\x03") and not looks_like_feed(
        "application/xhtml+xml", b"<html"
    )


def test_parse_duration_forms() -> None:
    assert [parse_duration(x) for x in ("3723", "3723.5", "62:03", "1:02:03", " 0:45 ")] == [
        3723.0, 3723.5, 3723.0, 3723.0, 45.0,
    ]  # fmt: skip
    assert [parse_duration(x) for x in ("", "abc", "1:2:3:4", "-5", "0", None)] == [None] * 6


def test_empty_folder_and_folder_without_media_say_what_was_looked_for(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match=r"no media files in .*empty \(it is empty\); looked for .*\.mp3"):
        list_source(str(empty))
    notes = tmp_path / "notes"
    (notes / "sub").mkdir(parents=True)
    (notes / "a.txt").write_text("x")
    (notes / "sub" / "b.pdf").write_text("x")
    with pytest.raises(SourceError, match=r"it holds 2 other files \(a\.txt, sub/b\.pdf\)"):
        list_source(str(notes))


def test_upload_date_comes_from_pubdate(media_server: MediaServer) -> None:
    items = '<item><title>D</title><guid>d</guid><pubDate>Tue, 31 Dec 2024 23:30:00 -0500</pubDate><enclosure url="d.mp3"/></item>'
    from yc_collect.rows import upload_date

    assert upload_date(listed(serve(media_server, "d.rss", rss(items)))["d"]) == date(2025, 1, 1)


def test_an_enclosure_without_extension_is_typed_by_its_mime_type(
    media_server: MediaServer, clip: Path, tmp_path: Path
) -> None:
    """``download?id=1`` served as audio/mpeg: downloaded as mp3, converted to Opus."""
    shutil.copy(clip, media_server.root / "download")
    items = '<item><title>Q</title><guid>q</guid><enclosure url="download?id=1" type="audio/mpeg"/></item>'
    options = CollectOptions(**FAST)
    listing = list_source(serve(media_server, "q.rss", rss(items)), options)
    assert listing.entries[0].info["ext"] == "mp3"
    [row] = collect(listing.entries, tmp_path / "audio", options)
    assert row["status"] == "ok", row["error"]
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", str(tmp_path / row["audio_path"])],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert probe.stdout.strip() == "opus"
