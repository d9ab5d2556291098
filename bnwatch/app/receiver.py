"""A local webhook subscriber: receives signed alerts, verifies them, remembers each POST.

The demo uses it to show alerts as a subscriber gets them; the end-to-end tests count its POSTs to prove that
every story arrives exactly once.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


class WebhookReceiver:
    def __init__(self, secret: str, on_alert: Callable[[dict], None] | None = None, port: int = 0):
        self.secret = secret
        self.on_alert = on_alert
        self.received: list[dict] = []
        self.rejected = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                from consumers.notify.channels.webhook import verify

                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    verify(receiver.secret, headers, body)
                except Exception:
                    with receiver._lock:
                        receiver.rejected += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                payload = json.loads(body)
                with receiver._lock:
                    receiver.received.append({"headers": headers, "payload": payload})
                self.send_response(204)
                self.end_headers()
                if receiver.on_alert:
                    receiver.on_alert(payload)

        return Handler

    def start(self) -> "WebhookReceiver":
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="webhook-receiver")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def payloads(self) -> list[dict]:
        with self._lock:
            return [r["payload"] for r in self.received]
