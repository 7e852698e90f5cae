"""Stable, filesystem-safe video ids: from yt-dlp ids, RSS guids, media URLs and local paths.

Audio files are named by these ids (never by title), so an id must be safe as a file name and the same
on every run over the same source.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX = 80


def _digest(text: str, n: int) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def safe_id(raw: str) -> str:
    """``raw`` itself when it is already a safe file name; otherwise a cleaned form plus a short hash of ``raw``
    (so two different raw ids never map to the same safe id)."""
    if (
        raw
        and len(raw) <= _MAX
        and not _UNSAFE.search(raw)
        and not raw.startswith(".")
        and raw not in ("..",)
    ):
        return raw
    cleaned = _UNSAFE.sub("_", raw).strip("._")[:60] or "item"
    return f"{cleaned}-{_digest(raw, 10)}"


def unsmuggled(url: str) -> tuple[str, dict[str, Any]]:
    """yt-dlp hides extra data in a URL fragment (an RSS item's guid, for one): the plain URL and that data."""
    from yt_dlp.utils import unsmuggle_url

    plain, data = unsmuggle_url(url, {})
    return plain, dict(data or {})


def flat_entry_id(entry: dict[str, Any]) -> str:
    """The id of a flat listing entry: the RSS guid if yt-dlp smuggled one, else yt-dlp's id, else a URL hash."""
    url = entry.get("url") or entry.get("webpage_url") or ""
    _, data = unsmuggled(url) if url else ("", {})
    guid = data.get("force_videoid")
    if guid:
        return safe_id(str(guid))
    if entry.get("id"):
        return safe_id(str(entry["id"]))
    if url:
        return url_id(unsmuggled(url)[0])
    raise ValueError("entry has neither id nor url")


def url_id(url: str) -> str:
    """A stable id for an item known only by its media URL (a feed item without a guid)."""
    return f"url-{_digest(url, 16)}"


def local_id(relative_path: str) -> str:
    """A stable id for a local file from its path relative to the folder (POSIX form)."""
    return f"local-{_digest(relative_path, 16)}"
