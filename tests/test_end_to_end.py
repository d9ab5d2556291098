"""End to end over real parts: outlet replay → Scrapy → Apache Kafka → clean/tag/stories/notify processes → a
local webhook subscriber. Consumers are SIGKILLed and restarted mid-run; the subscriber must still get every
Russia–North Korea story exactly once and nothing for the other articles."""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.alerts import missing_alerts
from tests.processes import stop_processes

from bnwatch.app.receiver import WebhookReceiver
from devtools.replay.server import ReplayServer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("clean", "tag", "stories", "notify")


def _bnwatch(args, env, log):
    return subprocess.Popen([sys.executable, "-m", "bnwatch.cli", *args], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _ru_nk_article_urls(replay) -> set[str]:
    return {a["url"] for a in replay.articles() if a.get("ru_nk")}


def test_replay_to_subscriber_over_kafka_with_consumer_kills(kafka_bootstrap, topics, tmp_path):
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    receiver = WebhookReceiver(secret).start()
    replay = ReplayServer(port=0)
    replay.start()
    subscribers = tmp_path / "subscribers.yaml"
    subscribers.write_text(
        "subscribers:\n  - name: analyst\n    rules: [ru-nk]\n    channels:\n"
        f"      - type: webhook\n        url: {receiver.url}\n        secret: {secret}\n", encoding="utf-8")
    env = {
        **os.environ,
        "BNWATCH_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "BNWATCH_TOPIC_PREFIX": topics.prefix,
        "BNWATCH_DATA_DIR": str(tmp_path / "data"),
        "BNWATCH_SUBSCRIBERS": str(subscribers),
        "BNWATCH_REPLAY_HOSTS": f"*=127.0.0.1:{replay.port}",
        "PYTHONUNBUFFERED": "1",
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    procs: dict[str, subprocess.Popen] = {}

    def start(stage, n):
        procs[stage] = _bnwatch(["consume", stage], env, (logs / f"{stage}.{n}.log").open("w"))

    try:
        for stage in STAGES:
            start(stage, 0)
        # at DEBUG: the test counts Scrapy's "Crawled (200)" lines
        crawl = _bnwatch(["crawl", "--log-level", "DEBUG"], env, (logs / "crawl.log").open("w"))
        # kill two consumers hard while records are flowing, then restart them in the same consumer groups
        _wait(lambda: (logs / "crawl.log").read_text().count("Crawled (200)") >= 5, 60, "the crawl to start")
        for stage in ("clean", "stories"):
            procs[stage].send_signal(signal.SIGKILL)
            procs[stage].wait(10)
        assert crawl.wait(120) == 0, (logs / "crawl.log").read_text()[-3000:]
        for stage in ("clean", "stories"):
            start(stage, 1)

        def stories():
            return {p["story_id"] for p in receiver.payloads()}

        _wait(lambda: len(stories()) >= 4, 120, "four stories at the subscriber")
        time.sleep(8)  # anything duplicated or late would arrive now
        # a second hard kill after everything was delivered must not re-send anything on restart
        procs["notify"].send_signal(signal.SIGKILL)
        procs["notify"].wait(10)
        start("notify", 1)
        time.sleep(8)
    finally:
        stop_processes(procs.values())
        replay.stop()
        receiver.stop()

    payloads = receiver.payloads()
    keys = Counter((p["story_id"], p["version"]) for p in payloads)
    assert all(n == 1 for n in keys.values()), f"duplicate deliveries: {keys}"
    assert receiver.rejected == 0
    firsts = [p for p in payloads if p["version"] == 1]
    assert len(firsts) == 4, [a["title"] for a in firsts]
    alerted_urls = {a["url"] for p in payloads for a in p["articles"]}
    expected = _ru_nk_article_urls(replay)
    assert alerted_urls <= expected, "nothing but RU–NK seed articles"
    assert not missing_alerts(alerted_urls, expected), "every RU–NK seed article in an alert (tests/alerts.py)"
