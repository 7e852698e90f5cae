"""A loopback fake of Deepgram's prerecorded ``POST /v1/listen`` for the real deepgram-sdk client.

``script`` is a list of HTTP statuses answered (in order) before the normal 200 response; every request
is logged (query, headers, body size). The transcript comes back as two paragraphs of sentences, with
a summary when the request asks for ``summarize=v2``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.loopback import origin, serve, shutdown

SENTENCES = [
    (0.2, 2.9, "Hello and welcome back to the channel."),
    (3.1, 6.8, "Today we build a tiny web server in ten lines of code."),
]
SUMMARY = "The host builds a tiny web server."


@dataclass
class FakeDeepgram:
    script: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    duration: float = 7.0
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        return origin(self._server)

    def response(self, query: dict[str, list[str]]) -> dict[str, Any]:
        text = " ".join(s[2] for s in SENTENCES)
        words = [
            {"word": w.strip(".").lower(), "start": 0.2, "end": 6.8, "confidence": 0.99} for w in text.split()
        ]
        results: dict[str, Any] = {
            "channels": [
                {
                    "detected_language": "en",
                    "language_confidence": 0.97,
                    "alternatives": [
                        {
                            "transcript": text,
                            "confidence": 0.98,
                            "words": words,
                            "paragraphs": {
                                "transcript": "\n" + text,
                                "paragraphs": [
                                    {
                                        "sentences": [{"text": t, "start": s, "end": e}],
                                        "start": s,
                                        "end": e,
                                        "num_words": len(t.split()),
                                    }
                                    for s, e, t in SENTENCES
                                ],
                            },
                        }
                    ],
                }
            ]
        }
        if query.get("summarize") == ["v2"]:
            results["summary"] = {"result": "success", "short": SUMMARY}
        return {
            "metadata": {
                "request_id": "fake-1",
                "sha256": "0",
                "created": "2026-11-28T00:00:00Z",
                "duration": self.duration,
                "channels": 1,
                "models": ["fake"],
                "model_info": {},
            },
            "results": results,
        }

    def start(self) -> FakeDeepgram:
        self._server = serve(_handler(self))
        return self

    def stop(self) -> None:
        shutdown(self._server)


def _handler(fake: FakeDeepgram) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            query = parse_qs(parts.query)
            with lock:
                fake.requests.append(
                    {"path": parts.path, "query": query, "headers": dict(self.headers), "body_len": len(body)}
                )
                status = fake.script.pop(0) if fake.script else 200
            if parts.path != "/v1/listen":
                status = 404
            if status == 200:
                payload = fake.response(query)
            else:
                payload = {"err_code": f"E{status}", "err_msg": "fake failure", "request_id": "fake"}
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
