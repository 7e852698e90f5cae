"""Error classification against the messages yt-dlp produces (as real yt-dlp exception objects)."""

import io

import pytest
from yt_dlp.networking import Response
from yt_dlp.networking.exceptions import HTTPError, TransportError
from yt_dlp.utils import DownloadError, ExtractorError, GeoRestrictedError

from yc_collect import availability_failure, classify_error
from yc_collect.failures import VideoFailure, classify_message

COOKIES = (
    "Use --cookies-from-browser or --cookies for the authentication. See  https://github.com/yt-dlp/yt-dlp/wiki/FAQ"
    "#how-do-i-pass-cookies-to-yt-dlp  for how to manually pass cookies"
)

MESSAGES = [
    (f"Private video. Sign in if you've been granted access to this video. {COOKIES}", "failed", "private"),
    ("Video unavailable. This video has been removed by the uploader", "failed", "deleted"),
    (
        "Video unavailable. This video is no longer available because the YouTube account associated with this "
        "video has been terminated.",
        "failed",
        "deleted",
    ),
    (
        "Join this channel to get access to members-only content like this video, and other exclusive perks.",
        "skipped",
        "members_only",
    ),
    (
        "This video is available to this channel's members on level: Tier 1 (or any higher level). Join this "
        "channel to get access to members-only content and other exclusive perks.",
        "skipped",
        "members_only",
    ),
    ("This video is only available to Music Premium members", "skipped", "premium_only"),
    ("This live event will begin in 3 hours.", "skipped", "upcoming"),
    ("Premieres in 2 hours", "skipped", "upcoming"),
    (
        f"Sign in to confirm your age. This video may be inappropriate for some users. {COOKIES}",
        "failed",
        "age_restricted",
    ),
    (f"Sign in to confirm you’re not a bot. {COOKIES}", "failed", "rate_limited"),
    (
        "Video unavailable. The uploader has not made this video available in your country",
        "failed",
        "geo_blocked",
    ),
    ("This video is DRM protected", "failed", "drm"),
    (
        "Requested format is not available. Use --list-formats for a list of available formats",
        "failed",
        "no_audio",
    ),
    ("Unsupported URL: https://example.com/", "failed", "unsupported"),
    ("The following content is not available on this app.", "failed", "other"),
]


def _yt_error(message: str, video_id: str = "vidAAAAAAA1") -> DownloadError:
    """What YoutubeDL raises with ignoreerrors off: a DownloadError wrapping the extractor's error."""
    inner = ExtractorError(message, expected=True, video_id=video_id, ie="youtube")
    return DownloadError(f"ERROR: {inner.msg}", exc_info=(ExtractorError, inner, None))


@pytest.mark.parametrize(("message", "status", "kind"), MESSAGES)
def test_youtube_messages(message: str, status: str, kind: str) -> None:
    failure = classify_error(_yt_error(message))
    assert (failure.status, failure.kind) == (status, kind)
    assert not failure.message.startswith(("ERROR", "[youtube]"))
    assert "\n" not in failure.message


def _http_error(status: int) -> HTTPError:
    return HTTPError(Response(io.BytesIO(b""), "http://127.0.0.1/x.mp3", {}, status=status, reason="x"))


@pytest.mark.parametrize(
    ("status", "kind", "retryable"),
    [
        (404, "not_found", False),
        (410, "not_found", False),
        (403, "forbidden", True),
        (429, "rate_limited", True),
        (503, "network", True),
    ],
)
def test_http_status_codes(status: int, kind: str, retryable: bool) -> None:
    inner = ExtractorError("Unable to download webpage", cause=_http_error(status), expected=False)
    failure = classify_error(
        DownloadError("ERROR: Unable to download webpage", exc_info=(ExtractorError, inner, None))
    )
    assert (failure.kind, failure.retryable) == (kind, retryable)


def test_network_transport_and_types() -> None:
    refused = TransportError("<urlopen error [Errno 111] Connection refused>")
    assert (
        classify_error(DownloadError("ERROR: x", exc_info=(TransportError, refused, None))).kind == "network"
    )
    assert classify_error(TimeoutError("boom")).kind == "network"
    assert classify_error(ConnectionResetError("peer")).retryable
    geo = GeoRestrictedError("blocked", countries=["US"])
    assert (
        classify_error(DownloadError("ERROR: blocked", exc_info=(GeoRestrictedError, geo, None))).kind
        == "geo_blocked"
    )
    assert classify_error(VideoFailure("no_audio", "video.mp4 has no audio stream")).kind == "no_audio"
    assert classify_error(ValueError("weird")).kind == "other"
    assert classify_message("HTTP Error 500: Internal Server Error") == "network"


def test_availability_fields() -> None:
    assert (
        availability_failure({"live_status": "is_upcoming", "release_timestamp": 1893456000}).kind
        == "upcoming"
    )
    assert availability_failure({"live_status": "is_live"}).kind == "live"
    assert availability_failure({"live_status": "post_live"}).status == "skipped"
    assert availability_failure({"availability": "subscriber_only"}).kind == "members_only"
    assert availability_failure({"availability": "subscriber_only"}, has_cookies=True) is None
    assert availability_failure({"availability": "premium_only"}).kind == "premium_only"
    assert availability_failure({"availability": "private"}).status == "failed"
    for fine in ({"live_status": "was_live"}, {"availability": "public"}, {"availability": "needs_auth"}, {}):
        assert availability_failure(fine) is None
