"""A real HTTP receiver on 127.0.0.1 (a thread): it checks each call's signature, answers 500 while told to
fail, and keeps the events it accepted (a 2xx) in arrival order. `stop()` takes it down; `start()` brings
it back on the same port."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app.hotline import signing


class Receiver:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.fail_next = 0  # answer 500 to this many calls
        self.always_fail = False
        self.calls = 0
        self.accepted: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self.on_call: Callable[[], None] | None = None  # runs first in each call (in the server's thread)
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/callback"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if receiver.on_call is not None:
                    receiver.on_call()
                receiver.calls += 1
                expected = signing.sign(receiver.secret, self.headers.get("X-Hotline-Timestamp", ""), body)
                if self.headers.get("X-Hotline-Signature") != expected:
                    receiver.bad_signatures += 1
                    self.send_response(401)
                elif receiver.always_fail or receiver.fail_next > 0:
                    receiver.fail_next = max(0, receiver.fail_next - 1)
                    self.send_response(500)
                else:
                    receiver.accepted.append(json.loads(body))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def events(self) -> list[tuple[str, str]]:
        return [(e["event_id"], e["status"]) for e in self.accepted]
