"""Podcast feeds read the way podcast apps read them: RSS 0.9x/2.0 and Atom through ``feedparser``.

Lenient where apps are lenient: undeclared ``itunes:``/``podcast:``/``media:`` prefixes (feedparser falls back
to its loose parser), HTML in descriptions, spaces around URLs, relative URLs (resolved against the feed's
final URL), repeated enclosures, items without a guid (keyed by their media URL), paged feeds
(``<atom:link rel="next">``, followed until enough items pass the filters).

Each item becomes a yt-dlp-shaped info dict (so yt-dlp downloads it as a direct link): the media to download is
chosen audio before video, never an image, from ``<enclosure>``, Atom ``<link rel="enclosure">`` and
``<media:content>`` (also inside ``<media:group>``); the other media stay in ``yc_enclosures`` for a retry.
Publisher transcripts (``<podcast:transcript>``, SRT/VTT/JSON/HTML/plain text) become ``subtitles`` tracks,
so :mod:`yc_collect.captions` fetches them like YouTube captions. Episode metadata (itunes duration, season,
episode number, episode type, explicit, author, image) go into the dict under yt-dlp's names where yt-dlp has
one (``duration``, ``season_number``, ``episode_number``, ``thumbnail``) and ``yc_*`` keys otherwise.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from yc_collect.identity import safe_id, url_id
from yc_collect.options import EPISODE_TYPES

Open = Callable[[str], Any]  # url -> a response with .read(), .headers, .url (yt-dlp's urlopen)

MAX_PAGES = 100
_FEED_TYPES = re.compile(r"(?i)\b(rss|atom|xml|rdf)\b")
_FEED_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<(?:rss|feed|rdf:RDF)\b",
    re.S | re.I,
)
_TRANSCRIPT_TAG = re.compile(rb"<(/?)([A-Za-z_][\w.-]*):transcript\b")
_EXPLICIT_TAG = re.compile(rb"<(/?)([A-Za-z_][\w.-]*):explicit>")
_IMAGE_EXT = frozenset(
    {"jpg", "jpeg", "png", "gif", "webp", "svg", "bmp", "avif", "heic", "ico", "tif", "tiff"}
)
_AUDIO_EXT = frozenset(
    {"mp3", "m4a", "aac", "opus", "ogg", "oga", "wav", "flac", "wma", "aiff", "aif", "mka"}
)
_VIDEO_EXT = frozenset({"mp4", "m4v", "mov", "webm", "mkv", "avi", "mpg", "mpeg", "ts"})
_TRANSCRIPT_EXT = {
    "text/vtt": "vtt",
    "application/srt": "srt",
    "application/x-subrip": "srt",
    "text/srt": "srt",
    "application/json": "json",
    "text/json": "json",
    "text/html": "html",
    "text/plain": "txt",
}


class NotAFeed(Exception):
    """The URL answered something that is not a feed (a web page, a media file)."""


class FeedParseError(ValueError):
    """The document claims to be a feed but the parser cannot read it; the message is the parser's reason."""


@dataclass
class Page:
    """One parsed feed document: its channel fields, item infos, the next page, and items left out (why)."""

    title: str | None
    infos: list[dict[str, Any]]
    next_url: str | None = None
    skipped: list[str] = field(default_factory=list)
    error: str | None = None  # why the next page could not be read (the listing stops there)


# --- fetching and sniffing ----------------------------------------------------------------------


def looks_like_feed(content_type: str | None, head: bytes) -> bool:
    """A feed by its Content-Type (rss/atom/xml) or by its first element (``<rss``, ``<feed``, ``<rdf:RDF``)."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if _FEED_START.match(head):
        return True
    return bool(kind) and "html" not in kind and bool(_FEED_TYPES.search(kind))


def fetch(url: str, urlopen: Open) -> tuple[str, bytes]:
    """The feed's final URL (after redirects) and its bytes; :class:`NotAFeed` when it is something else.

    Only the first 4 KiB are read before deciding, so a media file or a web page is not downloaded here.
    """
    with urlopen(url) as resp:
        head = resp.read(4096)
        if not looks_like_feed(resp.headers.get("Content-Type"), head):
            raise NotAFeed(url)
        return str(getattr(resp, "url", None) or url), head + resp.read()


# --- parsing ------------------------------------------------------------------------------------


def _prepare(body: bytes) -> bytes:
    """Tags renamed so feedparser keeps what it would lose: it keeps only the last of several
    ``<podcast:transcript>`` of an item (each gets its own numbered tag), and it reads ``itunes:explicit``
    ``true``/``false``/``no`` as unknown (the raw text is kept under ``explicit_text``)."""
    body = _EXPLICIT_TAG.sub(rb"<\1\2:explicit_text>", body)
    count = 0

    def rename(m: re.Match[bytes]) -> bytes:
        nonlocal count
        if not m.group(1):
            count += 1
        return b"<%s%s:transcript%d" % (m.group(1), m.group(2), count)

    return _TRANSCRIPT_TAG.sub(rename, body)


def parse(body: bytes, url: str) -> Page:
    """Parse one feed document fetched from ``url`` (relative URLs resolve against it)."""
    import feedparser

    doc = feedparser.parse(_prepare(body), resolve_relative_uris=False, sanitize_html=False)
    if not doc.get("version") and not doc.entries:
        reason = doc.get("bozo_exception") or "no <rss>, <feed> or <rdf:RDF> element"
        raise FeedParseError(f"not a readable feed ({reason})")
    channel = doc.feed
    page = Page(_text(channel.get("title")), [])
    page.next_url = next(
        (_url(link.get("href"), url) for link in channel.get("links") or [] if link.get("rel") == "next"),
        None,
    )
    defaults = {
        "language": _text(channel.get("language")),
        "author": _text(channel.get("itunes_author") or channel.get("author")),
        "image": _url(
            (channel.get("image") or {}).get("href") or (channel.get("image") or {}).get("url"), url
        ),
        "explicit": _explicit(channel.get("itunes_explicit_text")),
    }
    for n, entry in enumerate(doc.entries, 1):
        info = item_info(entry, url, defaults)
        if isinstance(info, str):
            page.skipped.append(f"item {_text(entry.get('title')) or n!r}: {info}")
        else:
            page.infos.append(info)
    return page


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _url(value: Any, base: str) -> str | None:
    text = (value or "").strip() if isinstance(value, str) else ""
    return urljoin(base, text) if text else None


def _ext(url: str) -> str:
    path = urlsplit(url).path
    return path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""


def _kind(mime: str | None, medium: str | None, url: str) -> int | None:
    """Preference rank of a media candidate: 0 audio, 1 video, 2 unknown; None for images and documents."""
    mime = (mime or "").split(";")[0].strip().lower()
    ext = _ext(url)
    if mime.startswith("image/") or medium == "image" or ext in _IMAGE_EXT:
        return None
    if mime.startswith("audio/") or medium == "audio" or ext in _AUDIO_EXT:
        return 0
    if mime.startswith("video/") or medium == "video" or ext in _VIDEO_EXT:
        return 1
    if mime.startswith(("text/", "application/pdf", "application/epub")) or medium == "document":
        return None
    return 2


def media(entry: Any, base: str) -> list[dict[str, Any]]:
    """The item's playable media, best first (audio, video, unknown; feed order within each), no duplicates."""
    found: list[tuple[int, int, dict[str, Any]]] = []
    seen: set[str] = set()
    candidates = [
        (link.get("href"), link.get("type"), None, link.get("length"))
        for link in entry.get("links") or []
        if link.get("rel") == "enclosure"
    ] + [
        (m.get("url"), m.get("type"), m.get("medium"), m.get("filesize") or m.get("fileSize"))
        for m in entry.get("media_content") or []
    ]
    for order, (href, mime, medium, length) in enumerate(candidates):
        url = _url(href, base)
        if not url or url in seen or urlsplit(url).scheme not in ("http", "https"):
            continue
        rank = _kind(mime, medium, url)
        if rank is None:
            continue
        seen.add(url)
        size = int(length) if str(length or "").strip().isdigit() and int(length) > 0 else None
        found.append((rank, order, {"url": url, "type": (mime or None), "length": size}))
    return [m for _, _, m in sorted(found, key=lambda x: x[:2])]


def parse_duration(text: Any) -> float | None:
    """itunes:duration in its forms: ``3723``, ``3723.5``, ``62:03``, ``1:02:03``; None when unreadable."""
    raw = str(text or "").strip()
    if not raw:
        return None
    parts = raw.split(":")
    if len(parts) > 3:
        return None
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return None
    if any(v < 0 for v in values):
        return None
    secs = 0.0
    for v in values:
        secs = secs * 60 + v
    return secs if secs > 0 else None


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if re.fullmatch(r"\d{1,9}", text) else None


def _explicit(value: Any, default: bool | None = None) -> bool | None:
    text = str(value or "").strip().lower()
    if text in ("yes", "true", "explicit"):
        return True
    if text in ("no", "false", "clean"):
        return False
    return default


def transcripts(entry: Any, base: str, language: str | None) -> dict[str, list[dict[str, Any]]]:
    """``<podcast:transcript>`` tracks in yt-dlp's ``subtitles`` shape: ``{lang: [{url, ext, name}]}``."""
    tracks: dict[str, list[dict[str, Any]]] = {}
    numbered = sorted(
        (int(k.rsplit("transcript", 1)[1]), v)
        for k, v in entry.items()
        if re.fullmatch(r"\w+_transcript\d+", k) and isinstance(v, dict)
    )
    for _, attrs in numbered:
        url = _url(attrs.get("url"), base)
        if not url or urlsplit(url).scheme not in ("http", "https"):
            continue
        mime = (attrs.get("type") or "").split(";")[0].strip().lower()
        ext = _TRANSCRIPT_EXT.get(mime) or {"vtt": "vtt", "srt": "srt", "json": "json", "txt": "txt"}.get(
            _ext(url)
        )
        if not ext:
            continue
        lang = _text(attrs.get("language")) or language or "und"
        tracks.setdefault(lang, []).append({"url": url, "ext": ext, "name": "podcast:transcript"})
    return tracks


def _timestamp(entry: Any) -> int | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return calendar.timegm(value)
    return None


def _description(entry: Any) -> str | None:
    for content in entry.get("content") or []:
        if content.get("value"):
            return str(content["value"])
    return entry.get("summary") or entry.get("subtitle")


def item_info(entry: Any, base: str, defaults: dict[str, Any]) -> dict[str, Any] | str:
    """The yt-dlp-shaped info dict of one feed item, or why the item is left out."""
    found = media(entry, base)
    if not found:
        return "no audio or video enclosure"
    first = found[0]
    guid = _text(entry.get("id"))
    video_id = safe_id(guid) if guid else url_id(first["url"])
    episode_type = (_text(entry.get("itunes_episodetype")) or "").lower() or None
    image = entry.get("image") or {}
    language = defaults["language"]
    subtitles = transcripts(entry, base, language)
    info = {
        "id": video_id,
        "title": _text(entry.get("title")) or _text(entry.get("itunes_title")) or video_id,
        "extractor": "feed",
        "extractor_key": "Feed",
        "description": _description(entry),
        "timestamp": _timestamp(entry),
        "duration": parse_duration(entry.get("itunes_duration")),
        "season_number": _int(entry.get("itunes_season")),
        "episode_number": _int(entry.get("itunes_episode")),
        "thumbnail": _url(image.get("href") if isinstance(image, dict) else None, base) or defaults["image"],
        "language": language or next(iter(subtitles), None),
        "subtitles": subtitles,
        "yc_guid": guid,
        "yc_episode_type": episode_type if episode_type in EPISODE_TYPES else None,
        "yc_explicit": _explicit(entry.get("itunes_explicit_text"), defaults["explicit"]),
        "yc_author": _text(entry.get("itunes_author") or entry.get("author")) or defaults["author"],
        "yc_enclosures": found,
    }
    return use_media(info, first)


def use_media(info: dict[str, Any], chosen: dict[str, Any]) -> dict[str, Any]:
    """``info`` set to download ``chosen`` (one of its ``yc_enclosures``) as a direct link."""
    from yt_dlp.utils import mimetype2ext

    ext = _ext(chosen["url"])
    if ext not in _AUDIO_EXT | _VIDEO_EXT:
        ext = mimetype2ext(chosen["type"], default=None) or ext or "mp3"
    return {**info, "url": chosen["url"], "ext": ext, "webpage_url": chosen["url"]}


# --- paging -------------------------------------------------------------------------------------


def read(url: str, urlopen: Open, enough: Callable[[list[dict[str, Any]]], bool]) -> Iterator[Page]:
    """The feed's pages, first to last, following ``rel="next"`` until ``enough(infos so far)`` says stop.

    Raises :class:`NotAFeed` when ``url`` is not a feed, :class:`FeedParseError` when it cannot be read;
    a later page that fails ends the listing, its reason in the previous page's ``error``.
    """
    seen = {url}
    final, body = fetch(url, urlopen)
    page = parse(body, final)
    yield page
    infos = list(page.infos)
    while page.next_url and page.next_url not in seen and len(seen) < MAX_PAGES and not enough(infos):
        seen.add(page.next_url)
        try:
            final, body = fetch(page.next_url, urlopen)
            following = parse(body, final)
        except Exception as err:
            page.error = f"{page.next_url}: {err}"
            return
        page = following
        infos += page.infos
        yield page
