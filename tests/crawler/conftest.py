"""Helpers for crawler tests that run the real crawler: a tiny local outlet (HTTP server with a robots.txt, an RSS
feed and article pages, recording every request), an outlet file pointing at it, and a runner for the crawler
as a subprocess (Scrapy's reactor cannot be restarted in one process).

The crawler runs either as `python -m bnwatch.cli crawl ...` or through tests/crawler/harness.py, which takes
Scrapy setting overrides as JSON (HARNESS_SETTINGS) for what has no command-line option."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).resolve().parent / "harness.py"


@dataclass
class Page:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class LocalOutlet:
    """A one-host outlet on 127.0.0.1: `pages[path] = Page(...)`; `requests` is [(monotonic time, path, headers)]."""

    def __init__(self, robots: str = "User-agent: *\nAllow: /\n"):
        self.pages: dict[str, Page] = {"/robots.txt": Page(200, robots.encode(), "text/plain")}
        self.requests: list[tuple[float, str, dict[str, str]]] = []
        self.lock = threading.Lock()
        outlet = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                with outlet.lock:
                    outlet.requests.append((time.monotonic(), self.path, dict(self.headers.items())))
                    page = outlet.pages.get(self.path)
                if page is None:
                    page = Page(404, b"not found", "text/plain")
                etag = page.headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                for k, v in page.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(page.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "LocalOutlet":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def hits(self, path: str) -> list[float]:
        with self.lock:
            return [t for t, p, _h in self.requests if p == path]

    def article(self, n: int, title: str, text: str) -> str:
        path = f"/news/{n}"
        body = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
                f"<h1 class='title'>{title}</h1><div class='body'><p>{text}</p></div></body></html>")
        self.pages[path] = Page(200, body.encode(), headers={"ETag": f'"a{n}-{abs(hash(text)) % 10**8}"'})
        return self.base + path

    def feed(self, urls: list[str]) -> None:
        items = "".join(f"<item><title>t</title><link>{u}</link><pubDate>Mon, 17 Mar 2026 10:30:00 +0600</pubDate>"
                        f"</item>" for u in urls)
        xml = f"<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>x</title>{items}</channel></rss>"
        self.pages["/feed"] = Page(200, xml.encode(), "application/rss+xml; charset=utf-8",
                                   headers={"ETag": f'"f{abs(hash(xml)) % 10**8}"'})

    def outlet_file(self, directory: Path, outlet_id: str = "localnews", crawl: dict | None = None) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        data = {
            "id": outlet_id, "name": "Local News", "domain": "127.0.0.1", "home": self.base + "/",
            "timezone": "Asia/Dhaka", "discovery": [{"type": "rss", "url": self.base + "/feed"}],
            "article_urls": [r"^http://127\.0\.0\.1:\d+/news/\d+$"],
            "selectors": {"title": "h1.title::text", "body": "div.body > p"},
            "crawl": crawl or {},
        }
        path = directory / outlet_id / "outlet.yaml"  # one folder per outlet
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
        return path


@pytest.fixture
def local_outlet():
    servers = []

    def make(robots: str = "User-agent: *\nAllow: /\n") -> LocalOutlet:
        s = LocalOutlet(robots).start()
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop()


def crawler_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BNWATCH_") and k != "KAFKA_BOOTSTRAP_SERVERS"}
    env.update({"BNWATCH_DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def start_crawler(args: list[str], env: dict[str, str], log: Path, settings: dict | None = None,
                  spider: dict | None = None) -> subprocess.Popen:
    """`args` for `bnwatch` (["crawl", "--follow"]), or None to run the harness with `settings`/`spider`."""
    fh = log.open("a")
    if args is None:
        env = {**env, "HARNESS_SETTINGS": json.dumps(settings or {}), "HARNESS_SPIDER": json.dumps(spider or {})}
        cmd = [sys.executable, str(HARNESS)]
    else:
        cmd = [sys.executable, "-m", "bnwatch.cli", *args]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)


def spool_urls(tmp_path: Path) -> list[str]:
    path = tmp_path / "data" / "spool" / "raw-pages.jsonl"
    if not path.exists():
        return []
    return [json.loads(line)["url"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop(proc: subprocess.Popen, timeout: float = 20) -> int:
    if proc.poll() is None:
        proc.terminate()
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(5)


@pytest.fixture
def crawler_tools():
    """The helpers above, for tests (conftest modules are not importable under --import-mode=importlib)."""
    procs: list[subprocess.Popen] = []

    class Tools:
        env = staticmethod(crawler_env)
        spool_urls = staticmethod(spool_urls)
        wait_for = staticmethod(wait_for)
        stop = staticmethod(stop)
        Page = Page

        @staticmethod
        def start(*a, **kw) -> subprocess.Popen:
            p = start_crawler(*a, **kw)
            procs.append(p)
            return p

    yield Tools
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait(5)
