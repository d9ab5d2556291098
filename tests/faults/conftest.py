"""Shared parts of the fault suite: the subprocess pipeline (crawl + the four consumers as `python -m bnwatch.cli`
processes, as in production), a slow forwarding proxy in front of the outlet replay (so a crawl lasts long enough
to be interrupted), a dedicated broker, RSS from /proc and topic readers.

Everything runs on 127.0.0.1. Each test bounds itself with pytest-timeout."""

from __future__ import annotations

import base64
import http.client
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bnwatch.topology import stage_names
from tests.alerts import missing_alerts

ROOT = Path(__file__).resolve().parents[2]
STAGES = stage_names()  # the topology declared once (bnwatch/topology.py)


# -- small helpers -----------------------------------------------------------------------------------------------

def wait_for(predicate, timeout: float, what: str, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def rss_kb(pid: int) -> int:
    """Resident set size of a process (and nothing else) in KiB, from /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def tree_rss_kb(pid: int) -> int:
    """RSS of a process plus its descendants (the crawler may start Chromium for JavaScript outlets)."""
    total = 0
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            total += rss_kb(p)
        except OSError:
            pass
        todo.extend(children.get(p, ()))
    return total


def read_all(bootstrap: str, topic: str, expected: int = 0, timeout: float = 30.0, settle: float = 1.0):
    """Every record of `topic` from the beginning; fetch limits large enough for the 19 MB pages."""
    from bnwatch.kafka_client import read_topic

    return read_topic(bootstrap, topic, expected, timeout, settle, fetch_max_bytes=128 * 1024 * 1024,
                      max_partition_fetch_bytes=64 * 1024 * 1024)


def topic_size(bootstrap: str, topic: str) -> int:
    """Records in `topic` (end - earliest offsets, all partitions)."""
    from bnwatch.kafka_client import consumer_lag

    try:
        return sum(consumer_lag(bootstrap, "fault-suite-no-such-group", topic).values())
    except Exception:
        return 0


# -- a slow proxy in front of the replay -------------------------------------------------------------------------

class SlowProxy:
    """Forwards every request (path and Host header kept) to `target` after `delay` seconds, so a crawl of the
    replay takes long enough to be stopped while pages are flowing. `delay` can be changed while it runs."""

    def __init__(self, target_port: int, delay: float = 0.1):
        self.target_port = target_port
        self.delay = delay
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                time.sleep(proxy.delay)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                conn = http.client.HTTPConnection("127.0.0.1", proxy.target_port, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    self.send_response(resp.status)
                    for k, v in resp.getheaders():
                        if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                finally:
                    conn.close()

            do_GET = do_HEAD = do_POST = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="slow-proxy")

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> "SlowProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- the subprocess pipeline -------------------------------------------------------------------------------------

class Pipeline:
    """crawl + consume STAGE processes against one broker and topic prefix, with a replay (through a SlowProxy)
    and a WebhookReceiver subscriber. Logs go to tmp_path/logs/<name>.<n>.log."""

    def __init__(self, bootstrap: str, tmp_path: Path, prefix: str | None = None, delay: float = 0.0,
                 receiver_port: int = 0, extra_env: dict | None = None):
        from bnwatch.app.receiver import WebhookReceiver
        from devtools.replay.server import ReplayServer

        self.bootstrap = bootstrap
        self.tmp_path = tmp_path
        self.prefix = prefix or f"fault-{uuid.uuid4().hex[:10]}."
        self.secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        self.replay = ReplayServer(port=0)
        self.replay.start()
        self.proxy = SlowProxy(self.replay.port, delay).start()
        self.receiver = WebhookReceiver(self.secret, port=receiver_port).start()
        self.receiver_port = self.receiver.port
        self.old_receivers = []
        subscribers = tmp_path / "subscribers.yaml"
        subscribers.write_text(
            "subscribers:\n  - name: analyst\n    rules: [ru-nk]\n    channels:\n"
            f"      - type: webhook\n        url: http://127.0.0.1:{self.receiver_port}/hook\n"
            f"        secret: {self.secret}\n", encoding="utf-8")
        self.data_dir = tmp_path / "data"
        self.env = {
            **os.environ,
            "BNWATCH_KAFKA_BOOTSTRAP": bootstrap,
            "BNWATCH_TOPIC_PREFIX": self.prefix,
            "BNWATCH_DATA_DIR": str(self.data_dir),
            "BNWATCH_SUBSCRIBERS": str(subscribers),
            "BNWATCH_REPLAY_HOSTS": f"*=127.0.0.1:{self.proxy.port}",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.env.pop("BNWATCH_METRICS_PORT", None)
        self.logs = tmp_path / "logs"
        self.logs.mkdir(exist_ok=True)
        self.procs: dict[str, subprocess.Popen] = {}
        self.starts: Counter = Counter()
        self.exits: list[tuple[str, int]] = []  # (name, returncode) of processes the test stopped

    @property
    def topics(self):
        from bnwatch.topics import Topics

        return Topics(self.prefix)

    def ensure_topics(self, partitions: int = 2) -> None:
        from bnwatch.kafka_client import ensure_topics

        ensure_topics(self.bootstrap, self.topics.all(), partitions=partitions)

    def log(self, name: str, n: int | None = None) -> Path:
        n = self.starts[name] - 1 if n is None else n
        return self.logs / f"{name}.{n}.log"

    def log_text(self, name: str) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob(f"{name}.*.log")))

    def start(self, name: str, *args: str) -> subprocess.Popen:
        """name = a stage (`consume STAGE`) or "crawl" (args: extra crawl arguments)."""
        # crawl at DEBUG: the fault tests count Scrapy's "Crawled (200)" lines
        argv = ["crawl", "--log-level", "DEBUG", *args] if name == "crawl" else ["consume", name, *args]
        log = (self.logs / f"{name}.{self.starts[name]}.log").open("w")
        self.starts[name] += 1
        proc = subprocess.Popen([sys.executable, "-m", "bnwatch.cli", *argv], cwd=ROOT, env=self.env,
                                stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.procs[name] = proc
        return proc

    def start_consumers(self) -> None:
        for stage in STAGES:
            self.start(stage)

    def kill(self, name: str, sig: int = signal.SIGKILL, timeout: float = 60.0) -> int:
        proc = self.procs[name]
        proc.send_signal(sig)
        rc = proc.wait(timeout)
        self.exits.append((name, rc))
        return rc

    def alive(self) -> dict[str, int | None]:
        return {name: p.poll() for name, p in self.procs.items()}

    def assert_consumers_alive(self) -> None:
        dead = {n: rc for n, rc in self.alive().items() if n in STAGES and rc is not None}
        assert not dead, f"consumer processes exited on their own: {dead}\n" + "\n".join(
            f"--- {n}\n{self.log(n).read_text(errors='replace')[-3000:]}" for n in dead)

    def restart_receiver(self):
        from bnwatch.app.receiver import WebhookReceiver

        self.receiver = WebhookReceiver(self.secret, port=self.receiver_port).start()
        return self.receiver

    def stop_receiver(self) -> None:
        self.receiver.stop()
        self.old_receivers.append(self.receiver)

    def payloads(self) -> list[dict]:
        out = []
        for r in (*self.old_receivers, self.receiver):
            out.extend(r.payloads())
        return out

    def rejected(self) -> int:
        return sum(r.rejected for r in (*self.old_receivers, self.receiver))

    def ru_nk_urls(self) -> set[str]:
        return {a["url"] for a in self.replay.articles() if a.get("ru_nk")}

    def article_urls(self) -> set[str]:
        return {a["url"] for a in self.replay.articles()}

    def crawled(self) -> int:
        return self.log_text("crawl").count("Crawled (200)")

    def stop_all(self) -> dict[str, int | None]:
        """SIGTERM every process still running (graceful), then wait; returns their exit codes."""
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        codes = {}
        for name, p in self.procs.items():
            try:
                codes[name] = p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                codes[name] = p.wait(10)
        return codes

    def close(self) -> None:
        try:
            self.stop_all()
        finally:
            for closer in (self.proxy.stop, self.replay.stop):
                try:
                    closer()
                except Exception:
                    pass
            try:
                self.receiver.stop()
            except Exception:
                pass

    # -- the guarantees ------------------------------------------------------------------------------------------
    def wait_all_alerts(self, timeout: float, context: str = "") -> None:
        wanted = self.ru_nk_urls()

        def done():
            return not missing_alerts({a["url"] for p in self.payloads() for a in p["articles"]}, wanted)

        try:
            wait_for(done, timeout, "every RU–NK article in an alert at the subscriber (tests/alerts.py)")
        except AssertionError as exc:
            got = {a["url"] for p in self.payloads() for a in p["articles"]}
            raise AssertionError(f"{exc}; {context}missing: {sorted(wanted - got)}\n{self.tail_logs()}") from None

    def assert_exactly_once(self, context: str = "") -> None:
        payloads = self.payloads()
        keys = Counter((p["story_id"], p["version"]) for p in payloads)
        dupes = {k: n for k, n in keys.items() if n > 1}
        assert not dupes, f"{context}duplicate deliveries: {dupes}"
        assert self.rejected() == 0
        firsts = [p for p in payloads if p["version"] == 1]
        assert len(firsts) == 4, f"{context}expected 4 stories, got {[p['title'] for p in firsts]}"
        alerted = {a["url"] for p in payloads for a in p["articles"]}
        assert alerted <= self.ru_nk_urls(), f"{context}nothing but RU–NK articles"
        assert not missing_alerts(alerted, self.ru_nk_urls()), f"{context}every RU–NK article in an alert"
        # versions of each story are contiguous from 1: nothing lost in between
        by_story: dict[str, list[int]] = {}
        for story, version in keys:
            by_story.setdefault(story, []).append(version)
        for story, versions in by_story.items():
            assert sorted(versions) == list(range(1, max(versions) + 1)), f"{context}story {story}: {versions}"

    def assert_articles_complete(self, context: str = "") -> None:
        """Every replay article reached the articles topic at least once."""
        records = read_all(self.bootstrap, self.topics.articles, expected=len(self.article_urls()), timeout=30)
        import json

        urls = {json.loads(r.value)["url"] for r in records}
        missing = self.article_urls() - urls
        assert not missing, f"{context}{len(missing)} replay articles never reached the articles topic: " \
                            f"{sorted(missing)[:10]}"

    def tail_logs(self, chars: int = 1500) -> str:
        parts = []
        for path in sorted(self.logs.glob("*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-chars:]}")
        return "\n".join(parts)


@pytest.fixture
def dedicated_kafka(tmp_path_factory):
    """A broker of its own (free ports, a temporary run dir) that a test may stop and start again."""
    from devtools.kafka_local import LocalKafka, free_port

    port = free_port()
    broker = LocalKafka(tmp_path_factory.mktemp("fault-kafka"), port=port,
                        controller_port=free_port(exclude=(port,)))
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def pipeline_factory(tmp_path):
    made = []

    def make(bootstrap: str, **kw) -> Pipeline:
        p = Pipeline(bootstrap, tmp_path, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()
