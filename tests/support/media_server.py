"""A loopback HTTP server for tests and benchmarks: serves files from a folder like a CDN would.

Correct Content-Type (by extension), Content-Length, HEAD, single-range ``Range`` requests (206),
plus knobs a test needs: per-path status overrides (404, 500 ...), per-path delays, a per-connection
byte-rate throttle, and a log of the requests received.
"""

from __future__ import annotations

import mimetypes
import re
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tests.support.loopback import origin, serve, shutdown

mimetypes.add_type("audio/ogg", ".opus")
mimetypes.add_type("audio/mp4", ".m4a")
mimetypes.add_type("application/rss+xml", ".rss")
mimetypes.add_type("text/vtt", ".vtt")
mimetypes.add_type("application/x-subrip", ".srt")
mimetypes.add_type("application/atom+xml", ".atom")
mimetypes.add_type("application/xml", ".xml")
mimetypes.add_type("application/json", ".json")
mimetypes.add_type("text/plain", ".txt")


@dataclass
class MediaServer:
    root: Path
    status: dict[str, int] = field(default_factory=dict)  # path -> forced status code
    delay_s: dict[str, float] = field(default_factory=dict)  # path -> seconds before answering
    throttle_bps: int | None = None  # bytes per second per connection
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        return origin(self._server)

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def get_count(self, path: str) -> int:
        return sum(1 for m, p in self.requests if m == "GET" and p == "/" + path.lstrip("/"))

    def start(self) -> MediaServer:
        self._server = serve(_handler(self))
        return self

    def stop(self) -> None:
        shutdown(self._server)


def _handler(srv: MediaServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def do_HEAD(self) -> None:
            self._serve(body=False)

        def do_GET(self) -> None:
            self._serve(body=True)

        def _serve(self, body: bool) -> None:
            path = unquote(urlsplit(self.path).path)
            srv.requests.append((self.command, path))
            rel = path.lstrip("/")
            if rel in srv.delay_s:
                time.sleep(srv.delay_s[rel])
            forced = srv.status.get(rel)
            file = (srv.root / rel).resolve()
            if forced or not file.is_file() or srv.root.resolve() not in file.parents:
                code = forced or 404
                msg = f"{code}\n".encode()
                self.send_response(code)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(msg)))
                self.end_headers()
                if body:
                    self.wfile.write(msg)
                return
            data = file.read_bytes()
            ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            start, end = 0, len(data) - 1
            match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
            if match and (match.group(1) or match.group(2)):
                if match.group(1):
                    start = int(match.group(1))
                    end = int(match.group(2)) if match.group(2) else end
                else:
                    start = max(0, len(data) - int(match.group(2)))
                end = min(end, len(data) - 1)
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
            else:
                self.send_response(200)
            chunk = data[start : end + 1]
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(chunk)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            if not body:
                return
            step = 16384
            for i in range(0, len(chunk), step):
                try:
                    self.wfile.write(chunk[i : i + step])
                except (BrokenPipeError, ConnectionResetError):
                    return
                if srv.throttle_bps:
                    time.sleep(step / srv.throttle_bps)

    return Handler
