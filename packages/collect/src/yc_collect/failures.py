"""Why a video was not collected: error classification and availability checks.

Every per-video problem becomes a :class:`Failure` with a ``status`` (``failed`` or ``skipped``), an
``error_kind`` from :data:`ERROR_KINDS`, a one-line message, and whether retrying may help. Members-only,
premium, upcoming and live entries are *skipped* (a recorded reason, not an error); the rest *failed*.
yt-dlp reports most problems as a ``DownloadError`` wrapping an ``ExtractorError`` whose text is the
site's own message, so classification looks at exception types first and then at that text.
"""

from __future__ import annotations

import re
import socket
import ssl
import urllib.error
from dataclasses import dataclass
from typing import Any

ERROR_KINDS = {
    "private": "the video is private",
    "deleted": "the video was removed or its account terminated",
    "not_found": "the media URL answered 404/410",
    "members_only": "members-only (skipped; --cookies of a member account can collect it)",
    "premium_only": "premium-only (skipped)",
    "upcoming": "an upcoming premiere or live stream (skipped; collect it later)",
    "live": "a live stream in progress (skipped; collect it after it ends)",
    "geo_blocked": "not available in this country",
    "age_restricted": "age-restricted (needs --cookies of a signed-in account)",
    "login_required": "the site wants a signed-in account (--cookies)",
    "rate_limited": "the site is rate limiting (use --sleep, fewer --workers)",
    "forbidden": "the media URL answered 403",
    "network": "a network error (retried with backoff)",
    "no_audio": "no audio stream to download",
    "no_captions": "captions-only run and no captions in the requested languages",
    "drm": "DRM-protected",
    "unsupported": "no yt-dlp extractor for this URL",
    "convert": "ffmpeg could not convert the audio",
    "cancelled": "the run was stopped",
    "other": "anything else (see the message)",
}

SKIP_KINDS = frozenset({"members_only", "premium_only", "upcoming", "live"})
RETRYABLE_KINDS = frozenset({"network", "rate_limited", "forbidden"})


@dataclass(frozen=True)
class Failure:
    status: str  # failed | skipped
    kind: str
    message: str

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS


class VideoFailure(Exception):
    """Raised inside the pipeline for a problem already classified (no audio, conversion failed ...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def failure(kind: str, message: str) -> Failure:
    return Failure("skipped" if kind in SKIP_KINDS else "failed", kind, _one_line(message))


# (kind, pattern) in priority order: the first match wins. Patterns are matched on lower-cased text.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (k, re.compile(p))
    for k, p in [
        (
            "upcoming",
            r"live event will begin|premieres? in|premiere will begin|scheduled to start|upcoming (?:live|premiere)",
        ),
        ("live", r"is (?:currently )?live|live stream (?:is )?in progress|post-live|still being processed"),
        (
            "members_only",
            r"members[- ]only|join this channel|available to this channel'?s members|channel'?s members on level",
        ),
        ("premium_only", r"premium members|youtube premium|music premium|premium[- ]only"),
        ("private", r"private video|video is private|this video has been made private"),
        ("age_restricted", r"confirm your age|age[- ]restricted|inappropriate for some users|age[- ]gate"),
        (
            "geo_blocked",
            r"not (?:made this video )?available in your country|geo[- ]?restrict|blocked it in your country"
            r"|not available (?:from|in) your (?:location|region)",
        ),
        (
            "deleted",
            r"has been removed|no longer available|video unavailable|has been terminated|does not exist"
            r"|video (?:has been|was) deleted|removed for violating",
        ),
        ("rate_limited", r"not a bot|http error 429|too many requests|rate[- ]limit"),
        ("drm", r"\bdrm\b"),
        ("not_found", r"http error 40[4]|http error 410|\b404\b: not found|not found \(404\)"),
        ("forbidden", r"http error 403"),
        ("login_required", r"sign in|log ?in required|login required|use --cookies|authentication"),
        (
            "network",
            r"http error 5\d\d|timed? ?out|connection (?:reset|refused|aborted)|urlopen error|name resolution"
            r"|name or service not known|remote end closed|incompleteread|incomplete read|content too short"
            r"|unable to download|network is unreachable|errno 10[134]|ssl|transport|did not get any data"
            r"|giving up after",
        ),
        (
            "no_audio",
            r"requested format (?:is )?not available|no audio|does not contain any stream|no video formats found"
            r"|no formats found|matches no streams",
        ),
        ("unsupported", r"unsupported url"),
    ]
]


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, what it wraps (yt-dlp's exc_info / cause / __cause__ / __context__), deepest last."""
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen and len(seen) < 8:
        seen.append(cur)
        inner = getattr(cur, "exc_info", None)
        nxt = inner[1] if isinstance(inner, tuple) and len(inner) > 1 else None
        nxt = nxt or getattr(cur, "cause", None) or cur.__cause__ or cur.__context__
        cur = nxt if isinstance(nxt, BaseException) else None
    return seen


def _status_of(exc: BaseException) -> int | None:
    for attr in ("status", "code"):
        value = getattr(exc, attr, None)
        if isinstance(value, int) and 100 <= value < 600:
            return value
    response = getattr(exc, "response", None)
    value = getattr(response, "status", None)
    return value if isinstance(value, int) else None


def classify_message(text: str) -> str:
    """The error kind for a site's message (``other`` if nothing matches)."""
    low = text.lower()
    for kind, pattern in _PATTERNS:
        if pattern.search(low):
            return kind
    return "other"


def classify_error(exc: BaseException) -> Failure:
    """Classify any exception raised while resolving, downloading or converting one video."""
    from yt_dlp.utils import ContentTooShortError, GeoRestrictedError

    chain = _chain(exc)
    message = _clean_message(str(exc) or type(exc).__name__)
    for e in chain:
        if isinstance(e, VideoFailure):
            return failure(e.kind, str(e))
        if isinstance(e, GeoRestrictedError):
            return failure("geo_blocked", message)
    # the site's own words are more specific than a transport-level type (e.g. a 403 saying "private")
    by_text = classify_message(" ".join(str(e) for e in chain))
    if by_text != "other":
        return failure(by_text, message)
    for e in chain:
        status = _status_of(e)
        if status in (404, 410):
            return failure("not_found", message)
        if status == 429:
            return failure("rate_limited", message)
        if status == 403:
            return failure("forbidden", message)
        if status is not None and status >= 500:
            return failure("network", message)
        if isinstance(
            e,
            ContentTooShortError
            | TimeoutError
            | socket.timeout
            | ConnectionError
            | urllib.error.URLError
            | ssl.SSLError,
        ):
            return failure("network", message)
    return failure("other", message)


def availability_failure(info: dict[str, Any], *, has_cookies: bool = False) -> Failure | None:
    """A skip/failure decided from yt-dlp's availability fields alone (flat or full info), else None."""
    live = info.get("live_status")
    if live == "is_upcoming":
        when = info.get("release_timestamp") or info.get("release_date")
        return failure(
            "upcoming", f"upcoming premiere/stream{f' (starts {when})' if when else ''}: collect it later"
        )
    if live == "is_live":
        return failure("live", "live now: collect it after the stream ends")
    if live == "post_live":
        return failure(
            "live", "the stream just ended and its recording is still processing: collect it later"
        )
    availability = info.get("availability")
    if availability == "private":
        return failure("private", "private video")
    if availability == "subscriber_only" and not has_cookies:
        return failure("members_only", "members-only video: pass --cookies of a member account to collect it")
    if availability == "premium_only" and not has_cookies:
        return failure(
            "premium_only", "premium-only video: pass --cookies of a premium account to collect it"
        )
    return None


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _clean_message(text: str) -> str:
    """Without yt-dlp's decorations: ``ERROR:``, ``[extractor] id:`` and ``(caused by <...>)``."""
    text = _ANSI.sub("", text).strip()
    text = re.sub(r"^ERROR:\s*", "", text)
    text = re.sub(r"^\[[\w:]+\]\s+(?:[^\s:]+(?::[^\s:]+)*:\s+)?", "", text)
    return re.sub(r"\s*\(caused by <[^>]*>\)\.?\s*$", "", text, flags=re.S)


def _one_line(text: str) -> str:
    line = " ".join(_clean_message(text).split())
    return line if len(line) <= 500 else line[:497] + "..."
