"""List a source: flat yt-dlp extraction (or a folder walk), flattening, filters and ``limit``.

Flat listings are cheap (one request per page) but lack exact dates on YouTube; when a date or
duration filter needs a field an entry lacks, that entry is resolved to full info (one extraction per
video, in parallel) and the full info is kept on the entry so collecting it does not extract again.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from yc_collect import errors, feeds, folders, rows
from yc_collect.errors import SourceError
from yc_collect.failures import classify_error, classify_message
from yc_collect.identity import flat_entry_id, local_id
from yc_collect.options import CollectOptions
from yc_collect.sources import MEDIA_EXTENSIONS, Source, classify, extractor_hint

log = logging.getLogger(__name__)

Extract = Callable[[str], dict[str, Any]]
MAX_DEPTH = 3
MAX_SKIPPED_SHOWN = 10


@dataclass
class Entry:
    """One video/episode/file to collect. ``info`` is yt-dlp's flat entry, or full info once resolved."""

    video_id: str
    source: str
    info: dict[str, Any]
    url: str | None = None  # what yt-dlp resolves (None for a local file)
    channel: str | None = None  # the listing's title (feed, channel) when the entry names none
    path: Path | None = None  # local file
    resolved: bool = False
    flat: dict[str, Any] = field(default_factory=dict)  # the listing's entry as listed (kept when resolved)

    def __post_init__(self) -> None:
        if not self.flat:
            self.flat = dict(self.info)

    @property
    def is_local(self) -> bool:
        return self.path is not None

    @property
    def title(self) -> str | None:
        return self.info.get("title")


@dataclass
class Listing:
    """The result of :func:`list_source`: what to collect, and what was left out and why."""

    source: Source
    title: str | None
    entries: list[Entry]
    known: list[str] = field(default_factory=list)  # ids the caller already has (they count toward limit)
    filtered: Counter[str] = field(default_factory=Counter)  # reason -> entries left out by the filters
    warnings: list[str] = field(default_factory=list)
    total: int = 0  # entries the source listed (after de-duplication)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


# --- flattening ---------------------------------------------------------------------------------


def _is_nested(entry: dict[str, Any]) -> bool:
    """A flat entry that is itself a playlist (a channel tab, a playlist in a /playlists tab)."""
    if entry.get("_type") == "playlist":
        return True
    if entry.get("_type") in ("url", "url_transparent"):
        if entry.get("ie_key") == "YoutubeTab":
            return True
        url = entry.get("url") or ""
        return bool(re.search(r"youtube\.com/(playlist\?|@[^/]+/?$|@[^/]+/\w+$|channel/|c/|user/)", url))
    return False


def flatten(
    info: dict[str, Any], extract: Extract, depth: int = 0
) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Video entries of a (possibly nested) flat listing, each with the title of the playlist holding it."""
    if "entries" not in info and info.get("_type") not in ("playlist", "multi_video"):
        yield info, None
        return
    title = info.get("channel") or info.get("uploader") or info.get("title")
    for entry in info.get("entries") or []:
        if not entry:
            continue
        if _is_nested(entry):
            if depth >= MAX_DEPTH:
                log.warning("playlist nested too deep, skipped: %s", entry.get("url"))
                continue
            nested = entry if "entries" in entry else extract(entry["url"])
            yield from flatten(nested, extract, depth + 1)
        else:
            yield entry, title


# --- listing ------------------------------------------------------------------------------------


def _list_folder(source: Source) -> tuple[str | None, list[Entry]]:
    assert source.path is not None
    base, files = folders.media_files(source.path, single=source.kind == "file")
    out = [
        Entry(local_id(rel), source.raw, info, channel=base.name, path=path, resolved=True)
        for rel, path, info in files
    ]
    return base.name, out


def _with_retries(extract: Extract, url: str, options: CollectOptions) -> dict[str, Any]:
    """``extract(url)``, retried with exponential backoff on network errors and rate limiting."""
    for attempt in range(options.retries + 1):
        try:
            return extract(url)
        except Exception as err:
            if attempt == options.retries or not classify_error(err).retryable:
                raise
            time.sleep(options.backoff_s * 2**attempt)
    raise AssertionError("unreachable")


def _list_remote(
    source: Source,
    extract: Extract,
    options: CollectOptions,
    warnings: list[str],
    urlopen: Callable[[], feeds.Open] | None = None,
) -> tuple[str | None, list[Entry]]:
    title: str | None = None
    entries: list[Entry] = []
    problems: list[str] = []
    listed = 0
    for i, url in enumerate(source.urls):
        if source.kind == "url" and urlopen is not None and not _is_media_link(url):
            feed = _list_feed(source, url, urlopen, options, warnings)
            if feed is not None:
                listed += 1
                title = title or feed[0]
                entries += feed[1]
                continue
        try:
            info = _with_retries(extract, url, options)
        except Exception as err:
            failure = classify_error(err)
            if (source.kind == "youtube_channel" and i > 0) or "does not have a" in failure.message:
                warnings.append(f"{url}: {failure.message}")
                continue
            problems.append(f"{url}: {failure.message}")
            continue
        listed += 1
        title = title or info.get("channel") or info.get("uploader") or info.get("title")
        for entry, holder in flatten(info, extract):
            try:
                video_id = flat_entry_id(entry)
            except ValueError:
                continue
            url_ = entry.get("url") or entry.get("webpage_url")
            if url_ and entry.get("_type") in ("url", "url_transparent") and not entry.get("ie_key"):
                hint = extractor_hint(url_)
                if hint:
                    entry = {**entry, "ie_key": hint}
            resolved = entry.get("_type", "video") == "video" and bool(
                entry.get("formats") or entry.get("url")
            )
            entries.append(Entry(video_id, source.raw, entry, url_, holder or title, resolved=resolved))
    if not listed:
        first = (problems or warnings)[0]
        status = re.search(r"HTTP Error (\d{3})(?::\s*([^:(]+))?", first)
        if status:
            raise errors.http_error(source.raw, int(status.group(1)), (status.group(2) or "").strip())
        if classify_message(first) == "network":
            raise errors.unreachable(source.raw, first)
        raise SourceError(
            f"cannot list {source.raw}: {first}", "check the URL (and --cookies if the site needs a login)"
        )
    warnings.extend(problems)
    return title, entries


def _is_media_link(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return any(path.endswith(ext) for ext in MEDIA_EXTENSIONS)


def _list_feed(
    source: Source,
    url: str,
    urlopen: Callable[[], feeds.Open],
    options: CollectOptions,
    warnings: list[str],
) -> tuple[str | None, list[Entry]] | None:
    """The feed's items as entries, or None when ``url`` is not a feed (then yt-dlp lists it).

    An HTTP error names its status; for a URL that may belong to a yt-dlp site (not an obvious feed or a
    loopback address) it falls through to yt-dlp instead, which may reach the site another way.
    """

    def enough(infos: list[dict[str, Any]]) -> bool:
        if options.limit is None:
            return False
        passing = (filter_reason(Entry(i["id"], source.raw, i), options) is None for i in infos)
        return sum(passing) >= options.limit

    opener = urlopen()
    try:
        pages = _with_retries(lambda u: list(feeds.read(u, opener, enough)), url, options)
    except feeds.NotAFeed:
        return None
    except feeds.FeedParseError as err:
        raise SourceError(
            f"cannot read the feed at {source.raw}: {err}",
            "check that the URL is the feed's RSS or Atom address",
        ) from err
    except Exception as err:
        status = errors.http_status(err)
        network = status is None and classify_error(err).kind == "network"
        if (status or network) and extractor_hint(url) is None:
            return None
        if status:
            raise errors.http_error(source.raw, *status) from err
        if network:
            raise errors.unreachable(source.raw, str(err)) from err
        raise
    title = pages[0].title
    entries: list[Entry] = []
    first_title: dict[str, str] = {}
    skipped = [s for page in pages for s in page.skipped]
    for page in pages:
        for info in page.infos:
            vid = info["id"]
            if vid in first_title:
                skipped.append(
                    f"item {info['title']!r}: its guid {info['yc_guid'] or info['url']!r} repeats item {first_title[vid]!r}"
                )
                continue
            first_title[vid] = info["title"]
            entries.append(Entry(vid, source.raw, info, info["url"], title, resolved=True))
    warnings += [f"feed {s} (skipped)" for s in skipped[:MAX_SKIPPED_SHOWN]]
    if pages[-1].error:
        warnings.append(
            f"feed page {len(pages) + 1} could not be read ({pages[-1].error}); listed the first {len(pages)}"
        )
    if len(skipped) > MAX_SKIPPED_SHOWN:
        warnings.append(f"feed: {len(skipped) - MAX_SKIPPED_SHOWN} more items skipped")
    return title, entries


def list_source(
    source: str,
    options: CollectOptions | None = None,
    *,
    skip_ids: Collection[str] = (),
    extract: Extract | None = None,
    resolve: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Listing:
    """List ``source`` (URL, @handle, feed, folder) into entries to collect, applying filters and ``limit``.

    ``skip_ids`` are ids the caller already has: they are not returned and not resolved, but they count
    toward ``limit`` (so the same command run again collects only what is new in the first N).
    ``extract`` (url -> flat info) and ``resolve`` (flat entry -> full info) default to real yt-dlp;
    tests pass recorded info dicts through them.
    """
    from yc_collect.ytdl_session import CookieCopy, Opener, Sessions, flat_extractor

    options = (options or CollectOptions()).validate()
    src = classify(source, options.tabs)
    warnings: list[str] = []
    with CookieCopy(options.cookies) as cookiefile, Opener(options, cookiefile) as opener:
        if src.kind in ("folder", "file"):
            title, entries = _list_folder(src)
        else:
            title, entries = _list_remote(
                src, extract or flat_extractor(options, cookiefile), options, warnings, opener.get
            )
        seen: set[str] = set()
        unique = []
        for e in entries:
            if e.video_id not in seen:
                seen.add(e.video_id)
                unique.append(e)
        sessions = None
        if resolve is None and options.needs_full_info():
            sessions = Sessions(options, cookiefile=cookiefile)
            resolve = sessions.resolve
        try:
            listing = _select(src, title, unique, options, set(skip_ids), resolve, warnings)
        finally:
            if sessions:
                sessions.close()
    return listing


# --- filters ------------------------------------------------------------------------------------

UNKNOWN = "unknown"


def _meta(entry: Entry) -> dict[str, Any]:
    return {
        "title": entry.title,
        "upload_date": rows.upload_date(entry.info),
        "duration": rows.duration(entry.info),
    }


def filter_reason(entry: Entry, options: CollectOptions) -> str | None:
    """Why the filters leave ``entry`` out, None if it passes, or UNKNOWN if a needed field is missing."""
    meta = _meta(entry)
    episode_type = entry.info.get("yc_episode_type")
    if episode_type and episode_type not in options.episode_types:
        return f"{episode_type} episode (--episode-type)"
    if (
        options.match_title
        and meta["title"] is not None
        and not re.search(options.match_title, meta["title"], re.I)
    ):
        return "title does not match"
    unknown = False
    if options.since or options.until:
        day = meta["upload_date"]
        if day is None:
            unknown = True
        elif options.since and day < options.since:
            return "before --since"
        elif options.until and day > options.until:
            return "after --until"
    if options.min_duration_s is not None or options.max_duration_s is not None:
        secs = meta["duration"]
        if secs is None:
            unknown = True
        elif options.min_duration_s is not None and secs < options.min_duration_s:
            return "shorter than --min-duration"
        elif options.max_duration_s is not None and secs > options.max_duration_s:
            return "longer than --max-duration"
    if options.match_title and meta["title"] is None:
        unknown = True
    return UNKNOWN if unknown else None


def _fill(entry: Entry, resolve: Callable[[dict[str, Any]], dict[str, Any]] | None) -> None:
    """Resolve ``entry`` to full info (local files: probe the duration); failures leave it unresolved."""
    if entry.is_local:
        from yc_collect.audio import probe_duration

        try:
            entry.info["duration"] = probe_duration(entry.path)  # type: ignore[arg-type]
        except Exception:
            entry.info["duration"] = None
        return
    if resolve is None or entry.resolved:
        return
    try:
        entry.info = resolve(entry.info)
        entry.resolved = True
    except Exception as err:
        log.debug("could not resolve %s: %s", entry.video_id, err)


def _select(
    src: Source,
    title: str | None,
    entries: list[Entry],
    options: CollectOptions,
    skip: set[str],
    resolve: Callable[[dict[str, Any]], dict[str, Any]] | None,
    warnings: list[str],
) -> Listing:
    from yc_collect.failures import availability_failure

    listing = Listing(src, title, [], warnings=warnings, total=len(entries))
    window = max(1, options.workers)
    counted = 0
    i = 0
    with ThreadPoolExecutor(max_workers=window) as pool:
        while i < len(entries) and (options.limit is None or counted < options.limit):
            chunk = entries[i : i + window]
            todo = [
                e
                for e in chunk
                if e.video_id not in skip
                and not availability_failure(e.info)
                and filter_reason(e, options) == UNKNOWN
            ]
            list(pool.map(lambda e: _fill(e, resolve), todo))
            for e in chunk:
                i += 1
                if e.video_id in skip:
                    if filter_reason(e, options) in (None, UNKNOWN):
                        listing.known.append(e.video_id)
                        counted += 1
                else:
                    reason = filter_reason(e, options)
                    if reason not in (None, UNKNOWN):
                        listing.filtered[reason] += 1
                    elif availability_failure(e.info, has_cookies=options.cookies is not None):
                        listing.entries.append(e)  # recorded as skipped, with its reason; not counted
                    else:  # (unknown after a failed resolve: collect records why)
                        listing.entries.append(e)
                        counted += 1
                if options.limit is not None and counted >= options.limit:
                    break
    if options.limit is not None:
        left = len(entries) - i
        if left > 0:
            listing.filtered["beyond --limit"] += left
    return listing
