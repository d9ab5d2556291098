from __future__ import annotations

import http.client
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bnwatch.outlets import Registry
from devtools.replay import ReplayServer
from devtools.replay.site import DEFAULT_OUTLETS, Site

ROOT = Path(__file__).resolve().parents[3]
# every modelled outlet (crawler/outlets/*/replay/site.yaml with its articles.json), and a host each one answers on
OUTLETS = DEFAULT_OUTLETS
HOSTS = {"dailyinqilab": "dailyinqilab.com", "somoyerkonthosor": "www.somoyerkonthosor.com",
         "vietnamvn": "www.vietnam.vn"}
for _o in OUTLETS:
    if _o not in HOSTS:
        _site = Site.load(_o)
        HOSTS[_o] = urlsplit(_site.base_url).hostname


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class Client:
    def __init__(self, server: ReplayServer):
        self.server = server

    def request(self, method: str, host: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host)
            for k, v in (headers or {}).items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Type", "application/json")
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def get(self, host: str, path: str, **headers: str) -> Response:
        return self.request("GET", host, path, headers={k.replace("_", "-"): v for k, v in headers.items()})

    def get_url(self, url: str, **headers: str) -> Response:
        parts = urlsplit(url)
        return self.get(parts.netloc, (parts.path or "/") + ("?" + parts.query if parts.query else ""), **headers)


class FakeClock:
    def __init__(self, start: float = 1_750_000_000.0):
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture(scope="module")
def replay():
    """A replay with the default sites on the real clock, shared by read-only tests."""
    server = ReplayServer(port=0).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(replay) -> Client:
    return Client(replay)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fresh(clock):
    """A replay of its own (mutable) on a fake clock."""
    server = ReplayServer(port=0, clock=clock).start()
    yield server, Client(server), clock
    server.stop()


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry.load(ROOT / "crawler" / "outlets")
