"""yc_collect: list a channel, playlist, feed or folder and download audio + captions with yt-dlp.

Usable alone: functions return plain rows (dicts) and never assume a yc workspace::

    from yc_collect import CollectOptions, collect, list_source, parse_date

    options = CollectOptions(limit=20, since=parse_date("2024-01-01"), workers=4)
    listing = list_source("https://www.youtube.com/@handle", options)       # or a feed URL, or a folder
    rows = list(collect(listing.entries, "out/audio", options))              # one dict per entry

Sources: YouTube channels (``@handle``, ``/channel/UC…``, ``/c/…``, ``/user/…``, with or without a tab;
tabs ``videos`` by default, ``shorts`` / ``streams`` via ``options.tabs``), playlists and single videos;
any other yt-dlp site; RSS/Atom podcast feeds (read with feedparser, see :mod:`yc_collect.feeds`: audio chosen
before video, never an image; publisher transcripts as captions); a local folder of media files.

Row shape (one per entry, the columns of yc's ``videos`` table):

============== ============================================================================
video_id       yt-dlp's id; a feed item's guid (else ``url-<hash of its media URL>``); ``local-<hash of relative path>``; file-safe
source         the source string that was listed
source_url     this video's page or media URL (``file://`` for local files)
extractor      yt-dlp extractor key (``Youtube``, ``Generic`` …), ``Feed`` or ``local``
channel        channel / uploader / feed title / folder name
title          str; description: plain text (HTML in feeds is stripped)
upload_date    ``datetime.date`` or None; duration_s: float seconds or None
view_count     int or None; tags: list[str] or None
season         podcast episodes: int or None; episode: int or None; episode_type: full | trailer | bonus | None
explicit       bool or None; author: str or None; image: artwork URL (YouTube: the thumbnail) or None
enclosures     feed items: [{url, type, length}] playable media, the one collected first; else None
audio_path     ``<audio_dir>/<video_id>.opus`` relative to ``relative_to`` (default audio_dir's parent)
audio_sha256   hex sha256 of that file; audio_s: its duration in seconds (ffprobe)
captions       None or {lang, kind: manual|auto, text, segments: [{start, end, text}]} (seconds); a podcast's
               own transcript is ``manual`` (HTML and plain-text transcripts have text and no segments)
status         ``ok`` | ``failed`` | ``skipped`` (members-only, premium, upcoming, live)
error_kind     one of :data:`yc_collect.failures.ERROR_KINDS` (None when ok); error: one-line message
collected_at   ``datetime`` (UTC) when the row was made
============== ============================================================================

Audio is Opus, mono, 16 kHz, 24 kbit/s by default (compact speech audio), written to a temporary name and
renamed only once complete and hashed. Errors that stop a whole run raise :class:`CollectError`
(:class:`OptionsError` lists every invalid option together; :class:`SourceError` for a source that
cannot be listed); per-video problems never raise, they become rows.
"""

from typing import TYPE_CHECKING

from yc_collect.errors import CollectError, OptionsError, SourceError

# Everything else loads on first use: importing yc_collect (e.g. for its errors) must not import yt-dlp.
_LAZY = {
    "COLUMNS": "rows",
    "ERROR_KINDS": "failures",
    "CollectOptions": "options",
    "Entry": "listing",
    "Failure": "failures",
    "Listing": "listing",
    "Source": "sources",
    "availability_failure": "failures",
    "choose_track": "captions",
    "classify": "sources",
    "classify_error": "failures",
    "collect": "pipeline",
    "flatten": "listing",
    "list_source": "listing",
    "parse_date": "options",
    "parse_duration": "options",
    "parse_json3": "captions",
    "parse_rate": "options",
    "parse_vtt": "captions",
}

if TYPE_CHECKING:
    from yc_collect.captions import choose_track, parse_json3, parse_vtt
    from yc_collect.failures import ERROR_KINDS, Failure, availability_failure, classify_error
    from yc_collect.listing import Entry, Listing, flatten, list_source
    from yc_collect.options import CollectOptions, parse_date, parse_duration, parse_rate
    from yc_collect.pipeline import collect
    from yc_collect.rows import COLUMNS
    from yc_collect.sources import Source, classify


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f"yc_collect.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'yc_collect' has no attribute {name!r}")


__all__ = [
    "COLUMNS",
    "ERROR_KINDS",
    "CollectError",
    "CollectOptions",
    "Entry",
    "Failure",
    "Listing",
    "OptionsError",
    "Source",
    "SourceError",
    "availability_failure",
    "choose_track",
    "classify",
    "classify_error",
    "collect",
    "flatten",
    "list_source",
    "parse_date",
    "parse_duration",
    "parse_json3",
    "parse_rate",
    "parse_vtt",
]
