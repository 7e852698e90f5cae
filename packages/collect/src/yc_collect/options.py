"""Typed options for listing and collecting, and the parsers for their user-facing string forms.

:class:`CollectOptions` is plain data; :meth:`CollectOptions.validate` reports every problem at once
(as one :class:`~yc_collect.errors.OptionsError`). The ``parse_*`` helpers turn what a user types
(``2024-01-31``, ``30d``, ``1:30``, ``2M``) into values and raise ``ValueError`` with a readable message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from yc_collect.errors import OptionsError

TABS = ("videos", "shorts", "streams")
EPISODE_TYPES = ("full", "trailer", "bonus")  # itunes:episodeType

_REL_DATE = re.compile(r"(?i)^(\d+)\s*(d|day|days|w|week|weeks|m|month|months|y|year|years)$")
_UNITS_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def parse_date(text: str, *, today: date | None = None) -> date:
    """``YYYY-MM-DD``, ``YYYYMMDD``, ``today``, ``yesterday`` or a relative age (``30d``, ``2w``, ``6m``, ``1y``)."""
    raw = text.strip()
    today = today or datetime.now(UTC).date()
    low = raw.lower()
    if low == "today":
        return today
    if low == "yesterday":
        return today - timedelta(days=1)
    rel = _REL_DATE.match(raw)
    if rel:
        return today - timedelta(days=int(rel.group(1)) * _UNITS_DAYS[rel.group(2)[0].lower()])
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            pass
    raise ValueError(f"not a date: {text!r} (use YYYY-MM-DD, YYYYMMDD or an age like 30d, 2w, 6m, 1y)")


_DUR_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600}


def parse_duration(text: str | float | int) -> float:
    """Seconds from ``90``, ``90s``, ``10m``, ``1.5h``, ``1:30`` or ``1:02:03``."""
    if isinstance(text, int | float):
        return float(text)
    raw = text.strip().lower()
    try:
        if ":" in raw:
            parts = [float(p) for p in raw.split(":")]
            if len(parts) > 3:
                raise ValueError
            secs = 0.0
            for p in parts:
                secs = secs * 60 + p
            return secs
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-z]*)", raw)
        if m and m.group(2) in ("", *_DUR_UNITS):
            return float(m.group(1)) * _DUR_UNITS.get(m.group(2), 1)
    except ValueError:
        pass
    raise ValueError(f"not a duration: {text!r} (use seconds, 10m, 1.5h or 1:30)")


def parse_rate(text: str | int) -> int:
    """Bytes per second from ``500K``, ``2M``, ``1.5M`` or a plain number of bytes."""
    if isinstance(text, int):
        return text
    m = re.fullmatch(r"(?i)\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?(?:/s)?\s*", text)
    if not m:
        raise ValueError(f"not a rate: {text!r} (use bytes per second like 500K or 2M)")
    return int(float(m.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[m.group(2).lower()])


@dataclass
class CollectOptions:
    """Everything that shapes a listing and a collection run (all optional; defaults are sensible).

    Filters (``limit``, ``since``/``until``, ``min/max_duration_s``, ``match_title``, ``episode_types``) decide which entries
    of a listing are collected; ``limit`` keeps the first N entries of the listing that pass the filters
    (so a rerun with the same limit collects nothing new unless the source has new items).
    """

    # listing and filters
    limit: int | None = None
    since: date | None = None
    until: date | None = None
    min_duration_s: float | None = None
    max_duration_s: float | None = None
    match_title: str | None = None
    tabs: tuple[str, ...] = ("videos",)  # YouTube channel tabs to list (videos, shorts, streams)
    # podcast episode types to collect (itunes:episodeType); untyped episodes always pass
    episode_types: tuple[str, ...] = ("full", "bonus")
    # what to fetch
    audio: bool = True
    captions: bool = True
    languages: tuple[str, ...] = ("en", "orig")  # "orig" = the video's own language
    reuse_audio: bool = True  # an audio file already published under the id is kept (a killed run's work)
    # audio encoding (compact speech audio)
    audio_codec: str = "libopus"
    audio_ext: str = "opus"
    sample_rate: int = 16000
    channels: int = 1
    bitrate: str = "24k"
    # network behaviour
    workers: int = 4
    retries: int = 3
    backoff_s: float = 2.0
    sleep_s: float = 0.0
    rate_limit: int | None = None  # bytes per second per download
    socket_timeout_s: float = 30.0
    cookies: Path | None = None
    cookies_from_browser: str | None = None  # yt-dlp's BROWSER[+KEYRING][:PROFILE][::CONTAINER]
    extra_ytdlp: dict = field(default_factory=dict)  # passed to yt_dlp.YoutubeDL as-is (advanced)

    def problems(self) -> list[str]:
        """Every problem with these options (empty when valid)."""
        out: list[str] = []
        if self.limit is not None and self.limit < 1:
            out.append(f"limit must be at least 1 (got {self.limit})")
        if self.since and self.until and self.since > self.until:
            out.append(f"since ({self.since}) is after until ({self.until})")
        for name in ("min_duration_s", "max_duration_s"):
            value = getattr(self, name)
            if value is not None and value < 0:
                out.append(f"{name} must not be negative (got {value})")
        if (
            self.min_duration_s is not None
            and self.max_duration_s is not None
            and self.min_duration_s > self.max_duration_s
        ):
            out.append(
                f"min duration ({self.min_duration_s}s) is above max duration ({self.max_duration_s}s)"
            )
        if self.match_title is not None:
            try:
                re.compile(self.match_title)
            except re.error as err:
                out.append(f"match_title is not a valid regular expression: {err}")
        bad_tabs = [t for t in self.tabs if t not in TABS]
        if bad_tabs or not self.tabs:
            out.append(f"tabs must be some of {', '.join(TABS)} (got {', '.join(self.tabs) or 'none'})")
        bad_types = [t for t in self.episode_types if t not in EPISODE_TYPES]
        if bad_types or not self.episode_types:
            out.append(
                f"episode types must be some of {', '.join(EPISODE_TYPES)} (got {', '.join(self.episode_types) or 'none'})"
            )
        if not self.audio and not self.captions:
            out.append("nothing to fetch: both audio and captions are off")
        if not self.languages:
            out.append("languages must name at least one language (or 'orig')")
        if self.workers < 1 or self.workers > 64:
            out.append(f"workers must be between 1 and 64 (got {self.workers})")
        if self.retries < 0:
            out.append(f"retries must not be negative (got {self.retries})")
        if self.backoff_s < 0 or self.sleep_s < 0:
            out.append("backoff and sleep must not be negative")
        if self.rate_limit is not None and self.rate_limit <= 0:
            out.append(f"rate limit must be positive (got {self.rate_limit})")
        if self.socket_timeout_s <= 0:
            out.append("socket timeout must be positive")
        if self.sample_rate <= 0 or self.channels <= 0:
            out.append("sample rate and channels must be positive")
        if self.cookies is not None and not Path(self.cookies).is_file():
            out.append(f"cookies file not found: {self.cookies}")
        if self.cookies_from_browser is not None:
            from yc_collect.js_runtime import cookies_from_browser

            try:
                cookies_from_browser(self.cookies_from_browser)
            except ValueError as err:
                out.append(f"cookies from browser: {err}")
        return out

    def validate(self) -> CollectOptions:
        """Raise :class:`OptionsError` listing every problem; return ``self`` when valid."""
        problems = self.problems()
        if problems:
            raise OptionsError(problems)
        return self

    def needs_full_info(self) -> bool:
        """Whether the filters need fields a flat listing may lack (exact date, duration)."""
        return bool(
            self.since or self.until or self.min_duration_s is not None or self.max_duration_s is not None
        )
