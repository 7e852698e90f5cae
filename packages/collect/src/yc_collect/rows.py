"""Rows of the ``videos`` shape, built from yt-dlp info dicts (flat or full) and local files.

Metadata is normalised here: dates become ``datetime.date`` (from ``upload_date``, else ``timestamp``,
else ``release_date``), HTML descriptions (common in podcast feeds) become plain text, tags a list of str.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from typing import Any

from yc_collect.failures import Failure
from yc_collect.identity import unsmuggled

COLUMNS = (
    "video_id", "source", "source_url", "extractor", "channel", "title", "description", "upload_date",
    "duration_s", "view_count", "tags", "season", "episode", "episode_type", "explicit", "author", "image",
    "enclosures", "audio_path", "audio_sha256", "audio_s", "captions", "status", "error_kind", "error",
    "collected_at",
)  # fmt: skip


def upload_date(info: dict[str, Any]) -> date | None:
    """The upload date of an info dict, or None when it carries none."""
    for key in ("upload_date", "release_date"):
        value = info.get(key)
        if isinstance(value, str) and re.fullmatch(r"\d{8}", value):
            try:
                return datetime.strptime(value, "%Y%m%d").date()
            except ValueError:
                pass
    for key in ("timestamp", "release_timestamp"):
        value = info.get(key)
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, UTC).date()
    return None


def duration(info: dict[str, Any]) -> float | None:
    value = info.get("duration")
    return float(value) if isinstance(value, int | float) and value > 0 else None


_BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(text: str | None) -> str | None:
    """Plain text from a description that may be HTML (podcast feeds) or already plain (YouTube)."""
    if text is None:
        return None
    if re.search(r"<[a-zA-Z/][^>]*>", text):
        parser = _Text()
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
    else:
        text = html.unescape(text)
    lines = [" ".join(line.split()) for line in text.replace("\r", "").split("\n")]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return out or None


def _tags(info: dict[str, Any]) -> list[str] | None:
    tags = info.get("tags")
    if not isinstance(tags, list):
        return None
    return [str(t) for t in tags if t is not None and str(t).strip()]


def _view_count(info: dict[str, Any]) -> int | None:
    value = info.get("view_count")
    return int(value) if isinstance(value, int | float) else None


def source_url(info: dict[str, Any], fallback: str | None) -> str | None:
    """This video's own page or media URL, without yt-dlp's smuggled data."""
    url = info.get("webpage_url") or info.get("original_url") or fallback or info.get("url")
    return unsmuggled(url)[0] if isinstance(url, str) else None


def metadata_row(
    video_id: str, source: str, info: dict[str, Any], *, channel: str | None = None, url: str | None = None
) -> dict[str, Any]:
    """A row with the metadata columns filled from ``info``; the audio/caption/status columns empty."""
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(
        video_id=video_id,
        source=source,
        source_url=source_url(info, url),
        extractor=info.get("extractor_key") or info.get("extractor") or info.get("ie_key"),
        channel=info.get("channel") or info.get("uploader") or info.get("playlist_title") or channel,
        title=info.get("title") or info.get("fulltitle"),
        description=plain_text(info.get("description")),
        upload_date=upload_date(info),
        duration_s=duration(info),
        view_count=_view_count(info),
        tags=_tags(info),
        season=_count(info.get("season_number")),
        episode=_count(info.get("episode_number")),
        episode_type=info.get("yc_episode_type"),
        explicit=info.get("yc_explicit"),
        author=info.get("yc_author"),
        image=info.get("thumbnail"),
        enclosures=info.get("yc_enclosures") or None,
        collected_at=datetime.now(UTC),
    )
    return row


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def with_failure(row: dict[str, Any], failure: Failure) -> dict[str, Any]:
    row.update(status=failure.status, error_kind=failure.kind, error=failure.message)
    row.update(audio_path=None, audio_sha256=None, audio_s=None)
    return row
