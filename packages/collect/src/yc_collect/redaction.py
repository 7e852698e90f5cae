"""Credentials inside URLs never leave the request: redact them before a URL is stored, logged or shown.

A source such as ``http://user:PASS@host/feed.rss?api_key=KEY&sig=SIG`` is what yt-dlp must request, but
everything kept or printed gets ``http://***@host/feed.rss?api_key=***&sig=***``::

    from yc_collect.redaction import redact_url, redact_urls

    redact_url("https://u:p@example.com/a?token=t&page=2")   # 'https://***@example.com/a?token=***&page=2'
    redact_urls("HTTP Error 403 for https://x.test/f?X-Amz-Signature=abc")  # every URL inside a text

The userinfo (user and password) goes whole; a query parameter goes when its name looks secret (key,
token, secret, sig, signature, password, auth, credential, session, X-Amz-*, X-Goog-*, ...). Both functions
are idempotent, keep everything else byte for byte, and never raise.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MASK = "***"

# words that make a query parameter's name secret; a name is split into words at non-alphanumerics
_SECRET_WORDS = frozenset(
    {
        "key", "apikey", "token", "secret", "sig", "signature", "password", "passwd", "pwd", "pass",
        "auth", "authorization", "credential", "credentials", "session", "sessionid", "jwt", "hmac",
        "sas", "code", "ticket", "private",
    }
)  # fmt: skip
# substrings that make a name secret even when joined to another word (apiKey, accessToken, clientSecret)
_SECRET_PARTS = (
    "apikey", "accesskey", "secretkey", "privatekey", "token", "secret", "passw", "signature", "credential",
)  # fmt: skip
_SECRET_PREFIXES = ("x-amz-", "x-goog-", "x-ms-")

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>`]+")


def secret_param(name: str) -> bool:
    """True when a query parameter called ``name`` probably carries a credential."""
    low = name.strip().lower()
    if low.startswith(_SECRET_PREFIXES):
        return True
    words = [w for w in re.split(r"[^a-z0-9]+", low) if w]
    return any(w in _SECRET_WORDS for w in words) or any(p in low for p in _SECRET_PARTS)


def _redact_query(query: str) -> str:
    parts = []
    for part in query.split("&"):
        name, eq, value = part.partition("=")
        parts.append(f"{name}={MASK}" if eq and value and secret_param(name) else part)
    return "&".join(parts)


def redact_url(url: str) -> str:
    """``url`` without its userinfo and with the values of secret-looking query parameters masked.

    Text that is not a URL comes back unchanged.
    """
    if not isinstance(url, str) or "://" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an invalid IPv6 host: mask everything between scheme and host by hand
        return re.sub(r"(://)[^/?#]*@", rf"\g<1>{MASK}@", url)
    scheme_end = url.index("://") + 3
    rest = url[scheme_end:]
    if "@" in parts.netloc:
        netloc = f"{MASK}@{parts.netloc.rpartition('@')[2]}"
        rest = netloc + rest[len(parts.netloc) :]
    if parts.query:
        start = rest.find("?")
        end = rest.find("#", start)
        end = len(rest) if end < 0 else end
        rest = rest[: start + 1] + _redact_query(rest[start + 1 : end]) + rest[end:]
    return url[:scheme_end] + rest


def redact_urls(text: str) -> str:
    """``text`` with every URL in it passed through :func:`redact_url` (messages, errors, logs)."""
    if not isinstance(text, str) or "://" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        url = m.group(0)
        tail = len(url) - len(url.rstrip(".,;:!?)]}"))  # sentence punctuation after a URL is not part of it
        return redact_url(url[: len(url) - tail]) + url[len(url) - tail :]

    return _URL.sub(one, text)
