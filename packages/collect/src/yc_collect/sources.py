"""What the user asked for: classify a source string and turn YouTube channel forms into tab URLs.

Forms understood:

- YouTube channels: ``@handle``, ``https://www.youtube.com/@handle``, ``/channel/UC…``, ``/c/name``,
  ``/user/name``, each with or without a tab (``/videos``, ``/shorts``, ``/streams``, ``/featured`` …).
  A bare channel URL makes yt-dlp return a playlist of tab playlists, so channels are listed tab by
  tab: the tab in the URL if it is a video tab, else ``videos``; ``shorts`` / ``streams`` are added
  by :attr:`CollectOptions.tabs`.
- YouTube playlists (``/playlist?list=…``) and single videos (``watch?v=``, ``youtu.be/``, ``/shorts/ID``,
  ``/live/ID``, ``/embed/ID``); a watch URL that also names a list is the single video.
- Any other http(s) URL (a yt-dlp site, an RSS/podcast feed, a page with ``<audio>`` tags, a media file).
- A local folder of media files, or one local media file (a path or ``file://`` URL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from yc_collect.errors import SourceError
from yc_collect.options import TABS

MEDIA_EXTENSIONS = frozenset(
    [
        ".mp3",
        ".m4a",
        ".aac",
        ".opus",
        ".ogg",
        ".oga",
        ".wav",
        ".flac",
        ".wma",
        ".aiff",
        ".aif",
        ".mka",
        ".webm",
        ".mp4",
        ".m4v",
        ".mkv",
        ".mov",
        ".avi",
        ".mpg",
        ".mpeg",
        ".ts",
    ]
)

_YT_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com"}
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_HANDLE = re.compile(r"^@[\w.\-·]{1,100}$")


@dataclass(frozen=True)
class Source:
    """A classified source. ``urls`` are what to list, in order (one per channel tab)."""

    raw: str
    kind: str  # youtube_channel | youtube_playlist | youtube_video | url | folder | file
    urls: tuple[str, ...] = ()
    path: Path | None = None

    @property
    def is_youtube(self) -> bool:
        return self.kind.startswith("youtube_")


def youtube_video_url(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


def _channel_tabs(base: str, url_tab: str | None, tabs: tuple[str, ...]) -> tuple[str, ...]:
    """The tab URLs to list: the URL's own video tab first (if any), then the requested extra tabs."""
    chosen: list[str] = []
    if url_tab in TABS:
        chosen.append(url_tab)
        chosen += [t for t in tabs if t != "videos" and t != url_tab]
    else:
        chosen += list(tabs)
    return tuple(f"{base}/{t}" for t in dict.fromkeys(chosen))


def classify(raw: str, tabs: tuple[str, ...] = ("videos",)) -> Source:
    """Classify ``raw`` (URL, ``@handle``, folder or file) into a :class:`Source`; raise SourceError if unknown."""
    text = raw.strip()
    if not text:
        raise SourceError("empty source", "give a channel URL, @handle, playlist, feed URL or folder")
    if _HANDLE.match(text):
        return Source(raw, "youtube_channel", _channel_tabs(f"https://www.youtube.com/{text}", None, tabs))
    if _CHANNEL_ID.match(text):
        return Source(
            raw, "youtube_channel", _channel_tabs(f"https://www.youtube.com/channel/{text}", None, tabs)
        )
    if text.startswith("file://"):
        return _local(raw, Path(unquote(urlsplit(text).path)))
    if "://" not in text:
        path = Path(text).expanduser()
        if path.exists():
            return _local(raw, path)
        if re.match(r"^(www\.|m\.)?youtube\.com/|^youtu\.be/", text):
            return classify("https://" + text, tabs)
        raise SourceError(
            f"not a URL, @handle or existing path: {raw!r}",
            "give a channel/playlist/video/feed URL, a YouTube @handle, or a folder of media files",
        )
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise SourceError(
            f"unsupported URL scheme {parts.scheme!r} in {raw!r}", "use an http(s) URL or a local path"
        )
    host = (parts.hostname or "").lower()
    if host == "youtu.be":
        vid = parts.path.strip("/").split("/")[0]
        if _VIDEO_ID.match(vid):
            return Source(raw, "youtube_video", (youtube_video_url(vid),))
    if host in _YT_HOSTS:
        yt = _youtube(raw, parts.path, parse_qs(parts.query), tabs)
        if yt is not None:
            return yt
    return Source(raw, "url", (text,))


def _youtube(raw: str, path: str, query: dict[str, list[str]], tabs: tuple[str, ...]) -> Source | None:
    segs = [s for s in path.split("/") if s]
    if segs[:1] == ["watch"] and _VIDEO_ID.match((query.get("v") or [""])[0]):
        return Source(raw, "youtube_video", (youtube_video_url(query["v"][0]),))
    if segs[:1] == ["playlist"] and query.get("list"):
        return Source(raw, "youtube_playlist", (f"https://www.youtube.com/playlist?list={query['list'][0]}",))
    if len(segs) >= 2 and segs[0] in ("shorts", "live", "embed", "v") and _VIDEO_ID.match(segs[1]):
        return Source(raw, "youtube_video", (youtube_video_url(segs[1]),))
    if segs and segs[0].startswith("@"):
        base, rest = f"https://www.youtube.com/{segs[0]}", segs[1:]
    elif len(segs) >= 2 and segs[0] in ("channel", "c", "user"):
        base, rest = f"https://www.youtube.com/{segs[0]}/{segs[1]}", segs[2:]
    else:
        return None
    tab = rest[0].lower() if rest else None
    if tab == "playlists":  # a playlist of playlists: listed and flattened like any nested playlist
        return Source(raw, "youtube_playlist", (f"{base}/playlists",))
    return Source(raw, "youtube_channel", _channel_tabs(base, tab, tabs))


def _local(raw: str, path: Path) -> Source:
    path = path.expanduser()
    if path.is_dir():
        return Source(raw, "folder", (), path.resolve())
    if path.is_file():
        if path.suffix.lower() not in MEDIA_EXTENSIONS:
            raise SourceError(
                f"not a media file: {path}",
                f"use a folder or a file ending in one of {' '.join(sorted(MEDIA_EXTENSIONS))}",
            )
        return Source(raw, "file", (), path.resolve())
    raise SourceError(f"no such file or folder: {path}", "check the path")


_FEEDISH = re.compile(r"(?i)(\.(rss|xml|atom)$|/(feed|rss|podcast)s?/?$)")


def extractor_hint(url: str) -> str | None:
    """The yt-dlp extractor key for URLs whose extractor is obvious, else None.

    Matching a URL against all ~1900 extractors compiles every pattern once per process (seconds on
    a small CPU); feeds and direct media links always end in the generic extractor, so name it.
    """
    from yt_dlp.utils import unsmuggle_url

    plain = unsmuggle_url(url, {})[0]
    parts = urlsplit(plain)
    host = (parts.hostname or "").lower()
    if host in _YT_HOSTS:
        first = next((x for x in parts.path.split("/") if x), "")
        if first in ("watch", "shorts", "live", "embed"):
            return "Youtube"
        if first.startswith("@") or first in ("channel", "c", "user", "playlist"):
            return "YoutubeTab"
        return None
    if host == "youtu.be":
        return "Youtube"
    if host == "localhost" or _is_ip(host):  # site extractors match domain names, never bare addresses
        return "Generic"
    path = parts.path.lower()
    if any(path.endswith(ext) for ext in MEDIA_EXTENSIONS) or _FEEDISH.search(path):
        return "Generic"
    return None


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
