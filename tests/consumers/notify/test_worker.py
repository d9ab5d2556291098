"""Delivery as a worker of its own: the notify stage only enqueues; `bnwatch deliver` (the worker alone, a real
process) sends what it finds in the outbox, exactly once, serves the feeds, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from consumers.notify.stage import NotifyStage
from consumers.notify.store import DELIVERED, PARKED, PENDING, DeliveryStore
from consumers.notify.subscriptions import Subscriptions

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _subscribers(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "subscribers.yaml"
    path.write_text(f"subscribers:\n  - name: desk\n    channels:\n      - type: webhook\n        url: {url}\n"
                    f"        secret: {SECRET}\n  - name: reader\n    channels:\n      - type: atom\n",
                    encoding="utf-8")
    return path


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_the_stage_alone_only_enqueues(tmp_path, receiver, alert_factory):
    path = _subscribers(tmp_path, receiver.url)
    stage = NotifyStage(Subscriptions(path), DeliveryStore(tmp_path / "outbox.sqlite3"))
    try:
        assert stage.delivery is None
        assert stage.process(alert_factory()) == []
        time.sleep(0.2)
        assert receiver.received == []
        assert stage.store.counts() == {PENDING: 2, DELIVERED: 0, PARKED: 0}  # the webhook and the feed entry
    finally:
        stage.close()


def test_bnwatch_deliver_sends_what_the_stage_enqueued_and_serves_feeds(tmp_path, receiver, alert_factory):
    path = _subscribers(tmp_path, receiver.url)
    data = tmp_path / "data"
    outbox = data / "notify" / "deliveries.sqlite3"
    outbox.parent.mkdir(parents=True)
    stage = NotifyStage(Subscriptions(path), DeliveryStore(outbox))  # a notify stage elsewhere, with no worker
    stage.process(alert_factory("story-a"))
    stage.process(alert_factory("story-a"))  # redelivered by Kafka: nothing more
    stage.close()
    assert receiver.received == []

    feeds_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BNWATCH_")}
    env.update(BNWATCH_DATA_DIR=str(data), BNWATCH_SUBSCRIBERS=str(path), BNWATCH_FEEDS_PORT=str(feeds_port))
    proc = subprocess.Popen([sys.executable, "-m", "bnwatch.cli", "deliver"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait(lambda: len(receiver.verified) >= 1 or proc.poll() is not None, 60), "nothing delivered"
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        [got] = receiver.verified
        assert got.payload["story_id"] == "story-a" and got.payload["subscriber"] == "desk"
        feed_url = f"http://127.0.0.1:{feeds_port}/feeds/subscribers/reader.atom"
        assert _wait(lambda: _get(feed_url) is not None, 20), "no feed server"
        assert b"tag:bnwatch,2026:story/story-a" in _get(feed_url)
        # a new alert enqueued while the worker runs goes out on its next pass
        again = NotifyStage(Subscriptions(path), DeliveryStore(outbox))
        again.process(alert_factory("story-b"))
        again.close()
        assert _wait(lambda: len(receiver.verified) >= 2, 20)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-2000:]
    assert "Traceback" not in err
    time.sleep(0.3)
    assert sorted(r.payload["story_id"] for r in receiver.verified) == ["story-a", "story-b"]
    assert len(set(receiver.ids())) == 2
    store = DeliveryStore(outbox)
    try:
        assert store.counts()[DELIVERED] >= 2 and store.counts()[PARKED] == 0
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.read()
    except OSError:
        return None
