"""Fixtures for the notify tests: a real signed-webhook receiver on 127.0.0.1, a hand-driven clock, alerts, and a
real PostgreSQL server for the outbox (postgres_support.py; this directory goes on sys.path so it imports under
--import-mode=importlib)."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bnwatch.records import Alert
from consumers.notify.channels.webhook import WebhookVerificationError, verify
from consumers.notify.subscriptions import ChannelConfig, Subscriber

sys.path.insert(0, str(Path(__file__).resolve().parent))

import postgres_support  # noqa: E402

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # the Standard Webhooks spec's example secret (24 bytes)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    payload: dict[str, Any] | None
    error: str | None  # why verification failed, None if the signature checked out

    @property
    def id(self) -> str:
        return self.headers.get("webhook-id", "")


@dataclass
class Receiver:
    """A webhook endpoint that verifies every POST and records it. `script` holds (status, headers, delay)
    answers used in order; when empty it answers `default_status`. stop()/start() keep the same port, so the
    subscriber's URL stays valid while the endpoint is "down" (connection refused)."""

    secret: str = SECRET
    port: int = 0
    default_status: int = 204
    received: list[Received] = field(default_factory=list)
    script: deque = field(default_factory=deque)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/bnwatch"

    def respond(self, status: int, headers: dict[str, str] | None = None, times: int = 1, delay: float = 0) -> None:
        for _ in range(times):
            self.script.append((status, headers or {}, delay))

    @property
    def verified(self) -> list[Received]:
        return [r for r in self.received if r.error is None]

    def ids(self) -> list[str]:
        return [r.id for r in self.verified]

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    payload, error = verify(receiver.secret, headers, body), None
                except WebhookVerificationError as exc:
                    payload, error = None, str(exc)
                with receiver._lock:
                    receiver.received.append(Received(self.path, headers, body, payload, error))
                    status, extra, delay = receiver.script.popleft() if receiver.script else (
                        receiver.default_status, {}, 0)
                if error is not None:
                    status = 401
                if delay:
                    threading.Event().wait(delay)
                reply = b"" if status == 204 else json.dumps({"status": status}).encode()
                try:
                    self.send_response(status)
                    for k, v in extra.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_alert(story_id: str = "story-1", version: int = 1, *, rule: str = "ru-nk", score: float = 0.9,
               outlets: tuple[str, ...] = ("prothomalo", "jugantor"), discovered_at: str | None = None) -> Alert:
    articles = [
        {
            "outlet": o,
            "url": f"https://{o}.example/world/{story_id}-{i}",
            "title": f"পুতিন ও কিম জং উনের বৈঠক ({o})",
            "published_at": "2026-01-04T10:15:00+06:00",
        }
        for i, o in enumerate(outlets[: max(1, version + 1)])
    ]
    return Alert(
        id=f"alert-{story_id}-v{version}",
        rule=rule,
        story_id=story_id,
        version=version,
        articles=articles,
        first_seen="2026-01-04T04:20:00+00:00",
        updated_at="2026-01-04T05:00:00+00:00",
        score=score,
        evidence=["রাশিয়া", "উত্তর কোরিয়া", "কিম জং উন"],
        title="পুতিন-কিম বৈঠকে সামরিক সহযোগিতার চুক্তি",
        discovered_at=discovered_at,
    )


def webhook_subscriber(name: str, url: str, *, secret: str = SECRET, rules: tuple[str, ...] = ("ru-nk",),
                       min_score: float = 0.0, outlets: frozenset[str] | None = None, timeout: float = 5.0) -> Subscriber:
    return Subscriber(name=name, channels=(ChannelConfig("webhook", "webhook", url, secret, timeout),), rules=rules,
                      min_score=min_score, outlets=outlets)


def write_subscribers(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# importlib import mode: tests cannot import this module, so the helpers travel as fixtures


@pytest.fixture
def alert_factory():
    return make_alert


@pytest.fixture
def subscriber_factory():
    return webhook_subscriber


@pytest.fixture
def receiver_factory():
    made: list[Receiver] = []

    def make(**kwargs: Any) -> Receiver:
        r = Receiver(**kwargs)
        made.append(r)
        return r

    yield make
    for r in made:
        r.stop()


# --------------------------------------------------------------------------------------------- chat + SMTP doubles


@dataclass
class ChatRequest:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class ChatServer:
    """An HTTP server on 127.0.0.1 playing Slack (incoming webhook) or Telegram (Bot API): records each POST and
    answers from `script` ((status, headers, body) in order), else `ok_status`/`ok_body`."""

    ok_status: int = 200
    ok_body: bytes = b"ok"
    requests: list[ChatRequest] = field(default_factory=list)
    script: deque = field(default_factory=deque)
    port: int = 0
    delay: float = 0.0  # seconds before each answer (a slow platform)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def respond(self, status: int, headers: dict[str, str] | None = None, body: bytes | dict = b"",
                times: int = 1) -> None:
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        for _ in range(times):
            self.script.append((status, headers or {}, body))

    def start(self) -> "ChatServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with server._lock:
                    server.requests.append(ChatRequest(self.path, {k.lower(): v for k, v in self.headers.items()},
                                                       body))
                    status, extra, reply = server.script.popleft() if server.script else (
                        server.ok_status, {}, server.ok_body)
                if server.delay:
                    time.sleep(server.delay)
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None


@pytest.fixture
def slack_server():
    s = ChatServer(ok_body=b"ok").start()
    yield s
    s.stop()


@pytest.fixture
def telegram_server():
    s = ChatServer(ok_body=json.dumps({"ok": True, "result": {"message_id": 1}}).encode()).start()
    yield s
    s.stop()


class SmtpSink:
    """aiosmtpd handler: keeps each accepted message's envelope; `refuse` maps recipients to an SMTP reply."""

    def __init__(self):
        self.messages: list[Any] = []
        self.refuse: dict[str, str] = {}
        self.logins: list[tuple[str, str]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd API
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_factory():
    """Start real SMTP servers (aiosmtpd) on 127.0.0.1: make(**aiosmtpd SMTP options) -> (controller, sink)."""
    from aiosmtpd.controller import Controller

    made = []

    def make(port: int | None = None, sink: SmtpSink | None = None, **kwargs: Any):
        sink = sink or SmtpSink()
        controller = Controller(sink, hostname="127.0.0.1", port=port or free_port(), **kwargs)
        controller.start()
        made.append(controller)
        return controller, sink

    yield make
    for c in made:
        try:
            c.stop()
        except AssertionError:  # already stopped by the test
            pass


@pytest.fixture
def smtp_server(smtp_factory):
    return smtp_factory()


def dhaka(y: int, mo: int, d: int, h: int, mi: int = 0) -> float:
    """Unix time of a wall-clock time in Asia/Dhaka."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime(y, mo, d, h, mi, tzinfo=ZoneInfo("Asia/Dhaka")).timestamp()


@pytest.fixture
def at_dhaka():
    return dhaka


# --------------------------------------------------------------------------------------------- PostgreSQL outbox


@pytest.fixture(scope="session")
def postgres_url():
    """A database on a PostgreSQL server started for this run (or BNWATCH_TEST_POSTGRES_URL's). Skips when the
    server binaries are missing, fails instead under CI=true."""
    given = os.environ.get("BNWATCH_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    server = postgres_support.LocalPostgres()
    try:
        server.start()
        yield server.url()
    finally:
        server.stop()


@pytest.fixture
def pg_dsn(postgres_url):
    """A postgresql:// URL whose search_path is a schema of its own, dropped after the test."""
    schema = postgres_support.new_schema(postgres_url)
    yield postgres_support.schema_url(postgres_url, schema)
    postgres_support.drop_schema(postgres_url, schema)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def outbox_target(request, tmp_path):
    """Where a test's outbox lives, once per backend: a SQLite path, or a PostgreSQL URL (own schema). Open it
    with consumers.notify.store.open_store; several stores on one target are several notifiers."""
    if request.param == "sqlite":
        return tmp_path / "outbox.sqlite3"
    return request.getfixturevalue("pg_dsn")
