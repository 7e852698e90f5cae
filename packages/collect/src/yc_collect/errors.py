"""Errors raised by yc_collect. Each carries a one-line ``hint`` naming the fix."""

from __future__ import annotations

import re


class CollectError(Exception):
    """A collection problem the user can fix; ``hint`` says how."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class OptionsError(CollectError):
    """One or more invalid options; ``problems`` lists every one (they are reported together)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            "invalid options: " + "; ".join(self.problems), "fix the options named above and rerun"
        )


class SourceError(CollectError):
    """The source cannot be listed (unknown form, unreachable, not a feed/channel/folder)."""


# --- why a source could not be listed -----------------------------------------------------------

_STATUS_HINTS = {
    401: "the feed needs a login: use its private URL (or --cookies)",
    403: "the server refuses this client: use the feed's private URL (or --cookies)",
    404: "check the URL (the feed may have moved)",
    410: "the feed is gone: ask its publisher for the new address",
    429: "the server is rate limiting: try again later",
}


def http_error(raw: str, status: int, reason: str) -> SourceError:
    """A listing the server refused: name its status (never "could not be reached")."""
    hint = _STATUS_HINTS.get(status) or (
        "the server failed: try again later" if status >= 500 else "check the URL"
    )
    return SourceError(
        f"cannot list {raw}: the server answered {status}{f' ({reason})' if reason else ''}", hint
    )


def http_status(err: BaseException) -> tuple[int, str] | None:
    """(status, reason) of an HTTP error response (yt-dlp's or urllib's), else None."""
    status = getattr(err, "status", None)
    return (status, str(getattr(err, "reason", "") or "")) if isinstance(status, int) else None


def unreachable(raw: str, message: str) -> SourceError:
    """A source whose site could not be reached (resolver, refused, timed out)."""
    return SourceError(
        f"cannot list {raw}: the site could not be reached ({_short(message)})",
        "check the network connection (or proxy); offline, collect a folder or a local feed instead",
    )


def _short(message: str) -> str:
    """The most telling clause of a yt-dlp network error (e.g. the resolver's words), not the whole chain."""
    match = re.search(
        r"(Failed to resolve '[^']+'|Connection refused|timed? ?out|Network is unreachable)", message, re.I
    )
    return match.group(1) if match else message.split(":")[-1].strip()[:120]
