"""yc_collect.redaction: credentials inside URLs are masked, everything else is kept byte for byte."""

from __future__ import annotations

import pytest

from yc_collect.redaction import redact_url, redact_urls, secret_param


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "http://user:PASS@host/feed.rss?api_key=KEY&sig=SIG",
            "http://***@host/feed.rss?api_key=***&sig=***",
        ),
        ("https://token@host:8443/a", "https://***@host:8443/a"),
        (
            "https://b.s3.amazonaws.com/f.mp3?X-Amz-Credential=C&X-Amz-Signature=S&v=2#t=1",
            "https://b.s3.amazonaws.com/f.mp3?X-Amz-Credential=***&X-Amz-Signature=***&v=2#t=1",
        ),
        (
            "https://cdn.test/x?Signature=s&Key-Pair-Id=k&Policy=p&accessToken=a&client_secret=c&password=p",
            "https://cdn.test/x?Signature=***&Key-Pair-Id=***&Policy=p&accessToken=***&client_secret=***&password=***",
        ),
        # nothing secret: unchanged, including names that merely contain "key" or "auth"
        (
            "https://www.youtube.com/watch?v=abc&list=PL1&t=10",
            "https://www.youtube.com/watch?v=abc&list=PL1&t=10",
        ),
        ("https://x.test/?monkey=1&author=bob&keyword=go", "https://x.test/?monkey=1&author=bob&keyword=go"),
        ("/home/me/videos", "/home/me/videos"),
        ("@handle", "@handle"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert redact_url(shown) == shown  # idempotent


def test_redact_urls_in_text_keeps_the_sentence() -> None:
    text = "HTTP Error 403 for http://u:p@h:8080/a?token=T, see (https://x/y?sig=S)."
    assert redact_urls(text) == "HTTP Error 403 for http://***@h:8080/a?token=***, see (https://x/y?sig=***)."
    assert redact_urls("no url here: token") == "no url here: token"


def test_secret_param_names() -> None:
    assert all(
        map(secret_param, ["key", "API_KEY", "apiKey", "auth", "X-Goog-Signature", "session_id", "jwt"])
    )
    assert not any(map(secret_param, ["v", "page", "list", "format", "author", "monkey"]))
