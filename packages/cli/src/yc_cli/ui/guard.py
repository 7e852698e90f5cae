"""The access rules every request passes: loopback Host, the token, the token in a header to change files.

Like Jupyter: the URL printed at start carries ``?token=...``; the first visit trades it for a cookie
(HttpOnly, SameSite=Strict) and is redirected to the same page without the token in the address bar.
Reads accept the cookie, the query or the ``X-YC-Token`` header; any other method needs the header
(a cross-site form cannot set one), so a page on another site cannot make the UI write a file.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

HEADER = "x-yc-token"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
_READ = {"GET", "HEAD"}


class TokenGuard:
    """ASGI middleware enforcing the rules above; ``cookie`` names this server's cookie (one per port)."""

    def __init__(self, app: ASGIApp, token: str, cookie: str) -> None:
        self.app, self.token, self.cookie = app, token, cookie

    def _match(self, given: str | None) -> bool:
        return bool(given) and secrets.compare_digest(str(given).encode(), self.token.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        response = self.check(request)
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    def check(self, request: Request) -> Response | None:
        """A refusal (or the cookie-setting redirect), or None to let the request through."""
        host = request.headers.get("host", "").rsplit(":", 1)[0].strip("[]")
        if host not in LOCAL_HOSTS:  # a DNS-rebinding page reaches us under its own host name
            return PlainTextResponse("yc ui: unknown Host header", status_code=403)
        header = request.headers.get(HEADER)
        if request.method not in _READ:
            if self._match(header):
                return None
            return PlainTextResponse("yc ui: this request needs the token in the X-YC-Token header", 403)
        query = request.query_params.get("token")
        if self._match(query):
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = URL(path=request.url.path, query=urlencode(rest))
            redirect = RedirectResponse(str(target), status_code=303)
            redirect.set_cookie(self.cookie, self.token, httponly=True, samesite="strict", path="/")
            return redirect
        if self._match(header) or self._match(request.cookies.get(self.cookie)):
            return None
        return PlainTextResponse(
            "yc ui: open the URL with the token that `yc ui` printed (…/?token=…)", status_code=401
        )
