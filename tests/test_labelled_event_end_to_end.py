"""One labelled event through the real pipeline (issue #13: one alert per event): Kim meets Belousov, reported by
Daily Inqilab and vietnam.vn (two outlets, the second page with a date only), plus a negative about Russia alone
(Jugantor, date only) — their real text from tests/fixtures/labelled/rnk/items.jsonl, served as article pages by the
outlet replay (devtools/replay/listed.py), crawled by `bnwatch crawl`, processed by the four `bnwatch consume`
processes over Apache Kafka, delivered to a signed webhook. bench/alerts_per_event.py does the same for the whole
set."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bnwatch.app.receiver import WebhookReceiver
from devtools.replay.listed import article_url, listed_sites, resolve_outlets, write_registry
from devtools.replay.server import ReplayServer
from bnwatch.topology import stage_names
from tests.processes import stop_processes

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]  # crawl 90 s + idle 60 s + stops, with room

ROOT = Path(__file__).resolve().parents[1]
SET = ROOT / "tests/fixtures/labelled/rnk/items.jsonl"
STAGES = stage_names()  # the topology declared once
BELOUSOV = ("rnk-seed-000", "rnk-seed-003")
NEGATIVE = "rnk-iamaber_jugantor_2024-08-12_13#683"  # "রুশ সীমান্তে বাড়ছে ঝুঁকি": Kursk, no North Korean party


def _items() -> list[dict]:
    rows = {r["id"]: r for r in (json.loads(x) for x in SET.read_text(encoding="utf-8").splitlines() if x.strip())}
    items = [rows[i] for i in (*BELOUSOV, NEGATIVE)]
    assert {r["event"] for r in items[:2]} == {"belousov-pyongyang-2024-11-29"} and items[2]["label"] == 0
    return items


def _idle(bootstrap: str, topics) -> bool:
    """Every stage's consumer group has committed all of its input topic."""
    from bnwatch.kafka_client import consumer_lag

    return all(sum(consumer_lag(bootstrap, f"{topics.prefix}{s}", topics.stage_io(s)[0]).values()) == 0
               for s in STAGES)


def _alerts_in_topic(bootstrap: str, topics) -> int:
    from bnwatch.kafka_client import consumer_lag

    return sum(consumer_lag(bootstrap, f"{topics.prefix}test-reader", topics.alerts).values())


def test_belousov_event_gives_one_alert_and_the_negative_none(kafka_bootstrap, topics, tmp_path):
    items = _items()
    outlets = resolve_outlets(items)
    urls = {r["id"]: article_url(outlets[r["outlet"]], r["id"]) for r in items}
    replay = ReplayServer(port=0, sites=listed_sites(items, outlets)).start()
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    receiver = WebhookReceiver(secret).start()
    subscribers = tmp_path / "subscribers.yaml"
    subscribers.write_text(
        "subscribers:\n  - name: analyst\n    rules: [ru-nk]\n    channels:\n"
        f"      - type: webhook\n        url: {receiver.url}\n        secret: {secret}\n", encoding="utf-8")
    env = {**os.environ, "BNWATCH_KAFKA_BOOTSTRAP": kafka_bootstrap, "BNWATCH_TOPIC_PREFIX": topics.prefix,
           "BNWATCH_DATA_DIR": str(tmp_path / "data"), "BNWATCH_SUBSCRIBERS": str(subscribers),
           "BNWATCH_OUTLETS_DIR": str(write_registry(tmp_path / "outlets", outlets.values())),
           "BNWATCH_REPLAY_HOSTS": f"*=127.0.0.1:{replay.port}", "PYTHONUNBUFFERED": "1"}
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = {name: subprocess.Popen([sys.executable, "-m", "bnwatch.cli", *args], cwd=ROOT, env=env,
                                    stdout=(logs / f"{name}.log").open("w"), stderr=subprocess.STDOUT)
             for name, args in [*((s, ["consume", s]) for s in STAGES), ("crawl", ["crawl"])]}
    try:
        assert procs["crawl"].wait(90) == 0, (logs / "crawl.log").read_text()[-3000:]
        assert "published=3 " in (logs / "crawl.log").read_text(), "all three pages published"
        deadline, quiet = time.monotonic() + 60, 0
        while quiet < 3:  # idle three checks in a row: nothing in flight, every alert of the topic delivered
            assert time.monotonic() < deadline, "the pipeline did not go idle in 60 s"
            done = _idle(kafka_bootstrap, topics) and len(receiver.received) >= _alerts_in_topic(kafka_bootstrap,
                                                                                                  topics)
            quiet = quiet + 1 if done else 0
            time.sleep(1)
    finally:
        stop_processes(procs.values())
        replay.stop()
        receiver.stop()

    payloads = [r["payload"] for r in receiver.received]
    assert receiver.rejected == 0
    assert all(n == 1 for n in Counter((p["story_id"], p["version"]) for p in payloads).values()), "no repeats"
    firsts = [p for p in payloads if p["version"] == 1]
    assert len(firsts) == 1, [p["title"] for p in firsts]
    assert {p["story_id"] for p in payloads} == {firsts[0]["story_id"]}, "updates only of the event's one story"
    named = {a["url"] for p in payloads for a in p["articles"]}
    assert named & {urls[i] for i in BELOUSOV} and urls[NEGATIVE] not in named
