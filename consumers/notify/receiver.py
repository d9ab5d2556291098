"""A development webhook receiver: verifies Standard Webhooks signatures, drops repeats by webhook-id (as every
receiver should), and prints each alert's Bengali text. It also takes Alertmanager's operational alerts on
/alertmanager/<receiver> and prints one line per alert (docker-compose runs it as the `receiver` service).

    python -m consumers.notify.receiver [--port 8765] [--secret whsec_...] [--subscribers deploy/subscribers.yaml]

The secret comes from --secret, else BNWATCH_LOCAL_WEBHOOK_SECRET, else the `local-dev` subscriber's first
webhook in the subscribers file. Answers 204 to a good request, 401 to a bad signature, 200 to a repeat.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from consumers.notify.channels.webhook import WebhookVerificationError, verify
from consumers.notify.subscriptions import load_subscribers


def make_server(secret: str, port: int = 8765, host: str = "127.0.0.1",
                on_alert: Callable[[dict[str, Any]], None] | None = None,
                on_alertmanager: Callable[[dict[str, Any]], None] | None = None) -> ThreadingHTTPServer:
    seen: set[str] = set()
    lock = threading.Lock()

    def default(payload: dict[str, Any]) -> None:
        print(f"--- {payload.get('type')} {payload.get('story_id')} v{payload.get('version')} "
              f"({payload.get('delivery_id')})\n{payload.get('text')}\n", flush=True)

    handle = on_alert or default

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/alertmanager/"):
                self._alertmanager(body)
                return
            try:
                payload = verify(secret, dict(self.headers.items()), body)
            except WebhookVerificationError as exc:
                self.send_error(401, str(exc))
                return
            msg_id = self.headers.get("webhook-id", "")
            with lock:
                repeat = msg_id in seen
                seen.add(msg_id)
            if not repeat:
                handle(payload)
            self.send_response(200 if repeat else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _alertmanager(self, body: bytes) -> None:
            """Alertmanager's operational alerts (webhook payload version 4, unsigned: keep this port off the
            host, as docker-compose does): one line per alert."""
            try:
                payload = json.loads(body)
                alerts = payload["alerts"]
            except (ValueError, KeyError, TypeError):
                self.send_error(400, "not an Alertmanager webhook payload")
                return
            for alert in alerts:
                labels, notes = alert.get("labels", {}), alert.get("annotations", {})
                line = (f"alertmanager {payload.get('receiver')} {alert.get('status')} {labels.get('alertname')} "
                        f"severity={labels.get('severity')} {notes.get('summary', '')}")
                print(" ".join(line.split()), flush=True)
            if on_alertmanager:
                on_alertmanager(payload)
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, fmt: str, *args: Any) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)


def _secret_from_file(path: Path) -> str | None:
    try:
        for sub in load_subscribers(path):
            if sub.name == "local-dev":
                return next((c.secret for c in sub.channels if c.type == "webhook"), None)
    except Exception as exc:  # noqa: BLE001 - a dev tool: say why and go on
        print(f"cannot read {path}: {exc}", file=sys.stderr)
    return None


def main(argv: list[str] | None = None) -> int:
    from bnwatch.config import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--secret")
    parser.add_argument("--subscribers", type=Path, default=Settings.from_env().subscribers_file)
    args = parser.parse_args(argv)
    secret = args.secret or os.environ.get("BNWATCH_LOCAL_WEBHOOK_SECRET") or _secret_from_file(args.subscribers)
    if not secret:
        parser.error("no secret: pass --secret or set BNWATCH_LOCAL_WEBHOOK_SECRET")
    server = make_server(secret, args.port, args.host)
    print(f"listening on http://{args.host}:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
