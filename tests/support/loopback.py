"""Start, address and stop the loopback HTTP servers the test fakes are built on."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _QuietServer(ThreadingHTTPServer):
    """Clients that drop a kept-alive connection are normal: no traceback for them."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """A threaded server for ``handler`` on 127.0.0.1 (a free port), already serving."""
    server = _QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def origin(server: ThreadingHTTPServer | None) -> str:
    """``http://127.0.0.1:PORT`` of a started server."""
    assert server is not None, "start() the server first"
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def shutdown(server: ThreadingHTTPServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()
