"""Publish the bundled sample channel (``data/samples/<name>/channel.json`` + audio) as a podcast RSS feed."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape


def write_feed(sample_dir: Path, www: Path, base_url: str) -> Path:
    """Copy the sample's audio into ``www`` and write ``www/feed.rss`` pointing at ``base_url``."""
    meta = json.loads((sample_dir / "channel.json").read_text())
    www.mkdir(parents=True, exist_ok=True)
    items = []
    for video in meta["videos"]:
        audio = sample_dir / f"{video['id']}.opus"
        shutil.copy(audio, www / audio.name)
        published = datetime.fromisoformat(video["date"]).replace(hour=12, tzinfo=UTC)
        items.append(
            f"""    <item>
      <title>{escape(video["title"])}</title>
      <description>{escape(video.get("description", video["title"]))}</description>
      <guid isPermaLink="false">{escape(video["id"])}</guid>
      <pubDate>{format_datetime(published)}</pubDate>
      <enclosure url="{base_url}/{audio.name}" length="{audio.stat().st_size}" type="audio/ogg"/>
    </item>"""
        )
    feed = www / "feed.rss"
    feed.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>{escape(meta["channel"])}</title>
    <link>{base_url}/</link>
    <description>{escape(meta["description"])}</description>
{chr(10).join(items)}
  </channel>
</rss>
""",
        encoding="utf-8",
    )
    return feed
