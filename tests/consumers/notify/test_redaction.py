"""No secret of a channel reaches any output (issue #16): an endpoint that echoes the request it got (URL, headers,
body) in a 500 must not make `bnwatch subscribers test`, the notifier's retry log, the metrics exposition or the
outbox's stored error text show the webhook URL's secret path and token, its Authorization value, a Slack hooks
path or a Telegram bot token. The redaction itself (bnwatch/redaction.py) is tested by shape too, and a
literal secret in the subscribers file next to a non-loopback URL gets a warning at load."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from prometheus_client import REGISTRY, generate_latest

from bnwatch.redaction import channel_secrets, redact_text, redact_url
from consumers.notify.stage import NotifyStage
from consumers.notify.store import PARKED, DeliveryStore
from consumers.notify.subscriptions import ChannelConfig, Subscriptions, parse_subscribers

ROOT = Path(__file__).resolve().parents[3]
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PATH_SECRET = "p4th-S3cr3t-9f8e7d6c"
QUERY_TOKEN = "qtok-8c7b6a5d4e3f"
BEARER = "bearer-Zx9Yw8Vu7Ts6Rq5"
SLACK_SECRET = "sl4ckS3cr3tV4lu3xyz"
SLACK_PATH = f"/services/T0ABCDEF1/B0GHIJKL2/{SLACK_SECRET}"
BOT_TOKEN = "987654321:AAH-tg_S3cr3t_t0k3n"
SECRETS = (WEBHOOK_SECRET, WEBHOOK_SECRET[len("whsec_"):], PATH_SECRET, QUERY_TOKEN, BEARER, SLACK_SECRET,
           BOT_TOKEN, BOT_TOKEN.split(":")[1])


class EchoServer:
    """Answers every POST with a 500 whose body is the request as received: request line, headers, body."""

    def __init__(self):
        self.requests: list[bytes] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                echo = (f"{self.requestline}\n{self.headers}".encode("latin-1") + body)
                server.requests.append(echo)
                self.send_response(500)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(echo)))
                self.end_headers()
                self.wfile.write(echo)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def echo():
    server = EchoServer()
    yield server
    server.stop()


def subscribers_file(tmp_path: Path, base: str) -> Path:
    path = tmp_path / "subscribers.yaml"
    path.write_text(f"""
subscribers:
  - name: desk
    channels:
      - type: webhook
        url: {base}/hooks/{PATH_SECRET}?token={QUERY_TOKEN}
        secret: {WEBHOOK_SECRET}
        headers:
          Authorization: Bearer {BEARER}
      - type: slack
        url: {base}{SLACK_PATH}
      - type: telegram
        token: "{BOT_TOKEN}"
        chat_id: "-100123"
        base_url: {base}
""", encoding="utf-8")
    return path


def leaked(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def _echoed_everything(echo: EchoServer) -> None:
    """The test means something: the endpoint did get (and echo) each secret that travels on the wire."""
    wire = b"\n".join(echo.requests).decode("latin-1")
    for secret in (PATH_SECRET, QUERY_TOKEN, BEARER, SLACK_SECRET, BOT_TOKEN):
        assert secret in wire, secret


@pytest.mark.integration
def test_subscribers_test_shows_no_secret_from_an_echoing_endpoint(echo, tmp_path):
    path = subscribers_file(tmp_path, echo.base)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BNWATCH_")}
    env["BNWATCH_DATA_DIR"] = str(tmp_path / "data")
    proc = subprocess.run([sys.executable, "-m", "bnwatch.cli", "subscribers", "test", "desk", "--file", str(path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    _echoed_everything(echo)
    assert proc.returncode == 1, proc.stderr[-2000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith(("webhook", "slack", "telegram"))]
    assert len(rows) == 3 and all(" retry " in r and " 500 " in r and "HTTP 500" in r for r in rows), proc.stdout
    assert "POST /hooks/***" in proc.stdout or "POST ***" in proc.stdout, proc.stdout
    assert leaked(proc.stdout) == [] and leaked(proc.stderr) == [], (leaked(proc.stdout + proc.stderr), proc.stdout)


@pytest.mark.integration
def test_the_notifier_retry_path_logs_stores_and_counts_no_secret(echo, tmp_path, caplog, alert_factory):
    path = subscribers_file(tmp_path, echo.base)
    now = [1_800_000_000.0]
    stage = NotifyStage.with_delivery(Subscriptions(path), DeliveryStore(tmp_path / "outbox.sqlite3"),
                                      clock=lambda: now[0], max_attempts=2,
                                      outlet_names={"prothomalo": "প্রথম আলো", "jugantor": "যুগান্তর"})
    alert = alert_factory()
    try:
        with caplog.at_level(logging.INFO):
            stage.process(alert)
            pending = stage.store.pending()
            assert len(pending) == 3 and all(d.last_status == 500 for d in pending)
            now[0] += 3600
            stage.delivery.dispatch_due()  # the second attempt gives up: parked with the error text
        parked = stage.store.by_status(PARKED)
        assert len(parked) == 3
        stored = "\n".join(f"{d.last_error}\n" + "\n".join(str(a["error"]) for a in stage.store.attempts(d.id))
                           for d in parked)
    finally:
        stage.close()
    _echoed_everything(echo)
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert logs.count("retry in") == 3 and logs.count("parked: gave up after 2 attempt(s)") == 3, logs
    assert "HTTP 500" in stored
    exposition = generate_latest(REGISTRY).decode()
    assert 'bnwatch_deliveries_total{channel="telegram",outcome="parked"}' in exposition
    assert leaked(logs) == [], leaked(logs)
    assert leaked(stored) == [], leaked(stored)
    assert leaked(exposition) == [], leaked(exposition)
    assert all("\n" not in r.getMessage() for r in caplog.records if "retry in" in r.getMessage())


# -- the redaction, by shape and by configuration ----------------------------------------------------------------


def test_secrets_are_masked_by_shape():
    text = ("POST /services/T0AB/B0CD/abcdef123 HTTP/1.1 hooks.slack.com/services/T1/B2/xyz "
            "https://api.telegram.org/bot123456:ABC-def_ghi/sendMessage Authorization: Bearer abc.def-ghi "
            '{"api_key": "k-1234567", "note": "kept"} https://bob:hunter2@db.example/x?token=t0k3n&page=2&sig=s1g')
    out = redact_text(text)
    for secret in ("abcdef123", "xyz", "ABC-def_ghi", "abc.def-ghi", "k-1234567", "hunter2", "t0k3n", "s1g"):
        assert secret not in out, (secret, out)
    for kept in ("kept", "page=2", "db.example", "/sendMessage", "HTTP/1.1"):
        assert kept in out, (kept, out)


def test_redact_url_keeps_what_is_not_secret():
    assert redact_url("postgresql://bn:hunter2@db:5432/x?sslmode=require&password=p") == \
        "postgresql://bn:***@db:5432/x?sslmode=require&password=***"
    assert redact_url("https://hooks.slack.com/services/T0/B0/XXXX") == "https://hooks.slack.com/services/***"
    assert redact_url("https://example.org/feed?page=2") == "https://example.org/feed?page=2"


def test_a_channels_configured_secrets_are_masked_literally_even_when_cut_off():
    channel = ChannelConfig(id="w", type="webhook", url=f"https://desk.example/hooks/{PATH_SECRET}",
                            secret=WEBHOOK_SECRET, headers={"X-Desk-Key": "desk-key-123456", "X-Team": "desk"})
    secrets = channel_secrets(channel)
    assert WEBHOOK_SECRET in secrets and "desk-key-123456" in secrets and "desk" not in secrets
    body = f"error at /hooks/{PATH_SECRET} for key desk-key-123456 (x-team desk) signed with {WEBHOOK_SECRET[6:]}"
    out = redact_text(body, secrets)
    assert leaked(out) == [] and "desk-key-123456" not in out and "x-team desk" in out
    cut = redact_text(f"HTTP 500: POST /hooks/{PATH_SECRET[:11]}", secrets)  # a snippet ending inside the path
    assert PATH_SECRET[:8] not in cut and cut.endswith("***"), cut


def test_a_literal_secret_next_to_a_remote_url_is_warned_about(caplog):
    data = {"subscribers": [{"name": "desk", "channels": [
        {"type": "webhook", "url": "https://desk.example/hooks/x", "secret": WEBHOOK_SECRET,
         "headers": {"Authorization": f"Bearer {BEARER}", "X-Team": "desk"}},
        {"type": "slack", "url": f"https://hooks.slack.com{SLACK_PATH}"},
        {"type": "telegram", "token": "${TG_TOKEN}", "chat_id": "-100123"},
        {"type": "webhook", "id": "local", "url": "http://127.0.0.1:8765/hooks/x", "secret": WEBHOOK_SECRET},
    ]}]}
    with caplog.at_level(logging.WARNING, logger="consumers.notify.subscriptions"):
        parse_subscribers(data, "subscribers.yaml", {"TG_TOKEN": BOT_TOKEN})
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("channels[0].secret: a literal secret next to desk.example" in w for w in warnings), warnings
    assert any("channels[0].headers.Authorization" in w for w in warnings), warnings
    assert any("channels[1].url: a literal secret next to hooks.slack.com" in w for w in warnings), warnings
    assert not any("channels[2]" in w or "channels[3]" in w or "X-Team" in w for w in warnings), warnings
    assert len(warnings) == 3 and leaked("\n".join(warnings)) == [] and all("${NAME}" in w for w in warnings)


def test_the_stored_and_logged_error_is_one_line():
    from consumers.notify.channels import RETRY, SendResult
    from bnwatch.redaction import redact_result

    channel = ChannelConfig(id="s", type="slack", url=f"https://hooks.slack.com{SLACK_PATH}")
    res = redact_result(SendResult(RETRY, 500, f"HTTP 500: POST {SLACK_PATH} HTTP/1.1\nHost: x\n\n{{}}"), channel)
    assert "\n" not in res.error and SLACK_SECRET not in res.error and res.error.startswith("HTTP 500: POST ")
    assert json.loads(json.dumps(res.error))  # plain text, stored as is
