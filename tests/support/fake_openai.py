"""A loopback fake of the OpenAI chat-completions API (``POST /v1/chat/completions``) for the real client.

Replies ``"A video about <title>."`` where ``<title>`` is the ``Title:`` line of the last user message.
Knobs: ``fail_first[title] = n`` answers that title's first n requests with 429 (``retry-after-ms``);
``delay_s`` sleeps before answering; ``requests`` logs (title, status, authorization present).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.loopback import origin, serve, shutdown


@dataclass
class FakeOpenAI:
    fail_first: dict[str, int] = field(default_factory=dict)
    delay_s: float = 0.0
    requests: list[tuple[str, int]] = field(default_factory=list)
    max_in_flight: int = 0
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        return f"{origin(self._server)}/v1"

    def start(self) -> FakeOpenAI:
        self._server = serve(_handler(self))
        return self

    def stop(self) -> None:
        shutdown(self._server)


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _send(self, code: int, body: dict, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, {"error": {"message": "not found"}})
                return
            with fake._lock:
                fake._in_flight += 1
                fake.max_in_flight = max(fake.max_in_flight, fake._in_flight)
            try:
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                user = body["messages"][-1]["content"]
                match = re.search(r"^Title: (.*)$", user, re.M)
                title = match.group(1).strip() if match else "?"
                with fake._lock:
                    left = fake.fail_first.get(title, 0)
                    if left:
                        fake.fail_first[title] = left - 1
                    fake.requests.append((title, 429 if left else 200))
                if left:
                    err = {"error": {"message": "Rate limit reached", "type": "rate_limit"}}
                    self._send(429, err, {"retry-after-ms": "20"})
                    return
                self._send(
                    200,
                    {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", "fake"),
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {
                                    "role": "assistant",
                                    "content": f"Summary: A video about {title}.",
                                },
                            }
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                    },
                )
            finally:
                with fake._lock:
                    fake._in_flight -= 1

    return Handler
