"""Shared plumbing of the end-to-end benchmarks (alert_latency, soak): a private Kafka broker, the outlet replay
(in-process or as its own process), a signed-webhook subscriber that time-stamps every receipt, `bnwatch`
subprocesses, RSS sampling from /proc and Prometheus scraping.

Not a benchmark itself; nothing here changes how bnwatch runs.
"""

from __future__ import annotations

import base64
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bnwatch.topology import stage_names  # noqa: E402

STAGES = stage_names()  # the topology declared once (bnwatch/topology.py)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def wait_low_load(limit: float = 1.5, timeout: float = 300.0, quiet: bool = False) -> str:
    """Wait (bounded) until the 1-minute load average is below `limit`; returns the load seen."""
    deadline = time.monotonic() + timeout
    while True:
        one = float(Path("/proc/loadavg").read_text().split()[0])
        if one < limit or time.monotonic() > deadline:
            return loadavg()
        if not quiet:
            print(f"  load {loadavg()}: waiting for < {limit}", file=sys.stderr, flush=True)
        time.sleep(15)


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def scrape(port: int, timeout: float = 5.0) -> dict[str, float]:
    """One /metrics scrape as {'name{labels}': value} (comments dropped)."""
    out: dict[str, float] = {}
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=timeout) as r:
            text = r.read().decode()
    except OSError:
        return out
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        try:
            out[name] = float(value)
        except ValueError:
            pass
    return out


def metric_sum(sample: dict[str, float], name: str, **labels: str) -> float:
    total = 0.0
    for key, value in sample.items():
        base = key.split("{", 1)[0]
        if base != name:
            continue
        if all(f'{k}="{v}"' in key for k, v in labels.items()):
            total += value
    return total


# -- the subscriber ---------------------------------------------------------------------------------------------

class TimedReceiver:
    """bnwatch.app.receiver.WebhookReceiver (signature verified) + the wall-clock time of each receipt."""

    def __init__(self):
        from bnwatch.app.receiver import WebhookReceiver

        self.secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        self.times: list[tuple[float, dict]] = []
        self._lock = threading.Lock()
        self.receiver = WebhookReceiver(self.secret, on_alert=self._on_alert).start()

    def _on_alert(self, payload: dict) -> None:
        with self._lock:
            self.times.append((time.time(), payload))

    @property
    def url(self) -> str:
        return self.receiver.url

    def receipts(self) -> list[tuple[float, dict]]:
        with self._lock:
            return list(self.times)

    def subscribers_file(self, path: Path) -> Path:
        path.write_text(
            "subscribers:\n  - name: bench\n    rules: [ru-nk]\n    channels:\n"
            f"      - type: webhook\n        url: {self.url}\n        secret: {self.secret}\n", encoding="utf-8")
        return path

    def stop(self) -> None:
        self.receiver.stop()


# -- Kafka ------------------------------------------------------------------------------------------------------

def start_kafka(run_dir: Path):
    from devtools.kafka_local import LocalKafka

    broker = LocalKafka(run_dir=run_dir, port=free_port(), controller_port=free_port())
    broker.start(timeout=120)
    return broker


def pipeline_lag(bootstrap: str, prefix: str) -> int:
    """Records every stage's consumer group has yet to commit on its input topic (0: the pipeline is idle)."""
    from bnwatch.kafka_client import consumer_lag, make_admin
    from bnwatch.topics import Topics

    topics, admin = Topics(prefix), make_admin(bootstrap)
    try:
        return sum(sum(consumer_lag(bootstrap, f"{prefix}{s}", topics.stage_io(s)[0], admin=admin).values())
                   for s in STAGES)
    finally:
        admin.close()


def topic_records(bootstrap: str, topic: str) -> int:
    """Records in a topic (end - earliest offsets): the lag of a group that never committed."""
    from bnwatch.kafka_client import consumer_lag

    return sum(consumer_lag(bootstrap, "bench-no-such-group", topic).values())


# -- processes --------------------------------------------------------------------------------------------------

class Procs:
    """`bnwatch` subprocesses with their logs and metrics ports."""

    def __init__(self, logs: Path, env: dict[str, str]):
        self.logs = logs
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = env
        self.procs: dict[str, subprocess.Popen] = {}
        self.metrics_ports: dict[str, int] = {}

    def start(self, name: str, args: list[str], metrics: bool = True, module: str = "bnwatch.cli") -> subprocess.Popen:
        extra = []
        if metrics:
            port = free_port()
            self.metrics_ports[name] = port
            extra = ["--metrics-port", str(port)]
        log = (self.logs / f"{name}.log").open("w")
        p = subprocess.Popen([sys.executable, "-m", module, *args, *extra], cwd=ROOT, env=self.env, stdout=log,
                             stderr=subprocess.STDOUT)
        self.procs[name] = p
        return p

    def pids(self) -> dict[str, int]:
        return {n: p.pid for n, p in self.procs.items() if p.poll() is None}

    def stop(self, timeout: float = 30.0) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


def bench_env(data_dir: Path, subscribers: Path, replay_port: int, bootstrap: str | None = None,
              prefix: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BNWATCH_KAFKA_BOOTSTRAP", "KAFKA_BOOTSTRAP_SERVERS")}
    env.update({
        "BNWATCH_DATA_DIR": str(data_dir),
        "BNWATCH_SUBSCRIBERS": str(subscribers),
        "BNWATCH_REPLAY_HOSTS": f"*=127.0.0.1:{replay_port}",
        "PYTHONUNBUFFERED": "1",
    })
    if bootstrap:
        env["BNWATCH_KAFKA_BOOTSTRAP"] = bootstrap
        env["BNWATCH_TOPIC_PREFIX"] = prefix or f"bench{secrets.token_hex(3)}."
    return env


# -- articles ---------------------------------------------------------------------------------------------------

def seed_texts() -> tuple[list[dict], list[dict]]:
    """(Russia–North Korea seed articles, other articles) of the default replay: outlet, title, paragraphs."""
    from devtools.replay.server import ReplayServer

    server = ReplayServer(port=0)
    ru_nk, other = [], []
    for site in server.sites.values():
        for a in site.articles:
            doc = {"outlet": site.id, "title": a.title, "paragraphs": list(a.paragraphs), "section": a.section}
            (ru_nk if a.matching else other).append(doc)
    return ru_nk, other


#: outlets with an RSS feed sorted by publication time and no JavaScript rendering: where new articles show up
#: on the next poll of a feed (the replay's RSS/sitemap sort newest first)
def feed_outlets() -> list[str]:
    from bnwatch.outlets import default_registry

    out = []
    for o in default_registry():
        if o.javascript:
            continue
        if any(s.type == "rss" for s in o.discovery):
            out.append(o.id)
    return sorted(out)


def distinct_published(k: int, base: datetime | None = None) -> str:
    """A publication time 4 days after the previous article's: the stories stage joins articles about the same
    participants only within 72 h, so seed texts re-published this way each form a story of their own (checked
    with assign_stories before use)."""
    base = base or datetime.now(timezone.utc).replace(microsecond=0)
    return (base + timedelta(days=4 * (k + 1))).isoformat()


def ru_nk_variant(seeds: list[dict], k: int, rng: random.Random) -> dict:
    seed = seeds[k % len(seeds)]
    return {"title": f"{seed['title']} ({k + 1})", "paragraphs": seed["paragraphs"], "section": seed["section"],
            "published": distinct_published(k)}


def check_stories(docs: list[dict]) -> tuple[int, int, int]:
    """(alerting, distinct stories, total) for documents {title, paragraphs, published} — the classifier and the
    stories stage, as `bnwatch classify` / `bnwatch stories` run them."""
    from consumers.stories import assign_stories
    from consumers.tag.stage import classify

    alerting = sum(bool(classify(d["title"], d["paragraphs"])["alert"]) for d in docs)
    stories = assign_stories([(str(i), d["title"], d["paragraphs"], d.get("published")) for i, d in enumerate(docs)])
    return alerting, len({s for _n, s in stories}), len(docs)


def post_article(replay_port: int, doc: dict) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{replay_port}/_replay/articles",
                                 data=json.dumps(doc, ensure_ascii=False).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    k = (len(v) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def write_result(name: str, text: str) -> Path:
    out = ROOT / "bench" / "results" / f"{name}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
