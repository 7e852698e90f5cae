"""Builders for what a loopback media server serves to yt-dlp: RSS/podcast feeds and pages with <audio>."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr


@dataclass
class FeedItem:
    title: str
    url: str  # enclosure URL
    guid: str | None = None
    published: datetime | None = None
    description: str | None = None
    duration_s: float | None = None
    mime: str = "audio/mpeg"
    length: int = 0


def rss_feed(
    items: list[FeedItem], *, title: str = "Test Podcast", description: str = "A test feed", link: str = ""
) -> str:
    """An RSS 2.0 podcast feed (with the iTunes namespace) listing ``items`` as enclosures."""
    body = []
    for it in items:
        parts = [f"<title>{escape(it.title)}</title>"]
        if it.description is not None:
            parts.append(f"<description><![CDATA[{it.description}]]></description>")
        if it.guid is not None:
            parts.append(f'<guid isPermaLink="false">{escape(it.guid)}</guid>')
        if it.published is not None:
            parts.append(f"<pubDate>{format_datetime(it.published)}</pubDate>")
        if it.duration_s is not None:
            secs = int(it.duration_s)
            parts.append(
                f"<itunes:duration>{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}</itunes:duration>"
            )
        parts.append(f'<enclosure url={quoteattr(it.url)} type={quoteattr(it.mime)} length="{it.length}"/>')
        body.append("    <item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">\n  <channel>\n'
        f"    <title>{escape(title)}</title>\n    <link>{escape(link)}</link>\n"
        f"    <description>{escape(description)}</description>\n"
        + "\n".join(body)
        + "\n  </channel>\n</rss>\n"
    )


def write_feed(www: Path, name: str, items: list[FeedItem], **kwargs: str) -> Path:
    path = www / name
    path.write_text(rss_feed(items, **kwargs), encoding="utf-8")
    return path


def episodes_feed(
    server,
    clip: Path,
    names: list[str],
    *,
    suffix: str = "",
    missing: tuple[str, ...] = (),
    title: str = "CLI Show",
) -> str:
    """``feed.rss`` on a :class:`~tests.support.media_server.MediaServer`: one dated episode per name (a copy of
    ``clip``, except the names in ``missing``: their URLs answer 404), enclosure URLs ending in ``suffix``.
    Returns the feed's URL."""
    items = []
    for i, name in enumerate(names):
        if name not in missing:
            shutil.copy(clip, server.root / name)
        published = datetime(2025, 1, 1 + i, 12, tzinfo=UTC)
        items.append(
            FeedItem(
                f"Episode {i + 1}", server.url(name) + suffix, f"ep-{i + 1}", published, f"Notes {i + 1}"
            )
        )
    write_feed(server.root, "feed.rss", items, title=title)
    return server.url("feed.rss")


def audio_page(sources: list[str], *, title: str = "Episodes") -> str:
    """An HTML page with one ``<audio>`` element per source (what yt-dlp's HTML5 extractor detects)."""
    tags = "\n".join(f'<audio controls src="{escape(src)}"></audio>' for src in sources)
    return f"<!doctype html><html><head><title>{escape(title)}</title></head><body>\n{tags}\n</body></html>\n"
