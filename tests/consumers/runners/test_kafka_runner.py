"""The Kafka stage runner against a real broker: outputs keyed right and committed after produce, poison
records to dead letters without stopping, and at-least-once across a crash (SIGKILL, no commit)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from kafka import KafkaProducer
from prometheus_client import REGISTRY

from bnwatch.kafka_client import consumer_lag
from bnwatch.records import Article, RawPage
from consumers.runners.kafka import KafkaStageRunner, dead_letter_payload
from consumers.stage import Drop

pytestmark = pytest.mark.integration

# a dead member must leave the group quickly when a test kills it (the broker's minimum is 6 s)
FAST_GROUP = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 1000}


class UpperTitleStage:
    """RawPage → Article whose title is the page body upper-cased; body "boom" raises, "skip" is dropped."""

    name = "clean"
    input_type = RawPage

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.closed = False

    def process(self, record: RawPage) -> list[Article]:
        time.sleep(self.delay)
        text = record.body.decode("utf-8")
        if text == "boom":
            raise RuntimeError("stage exploded on purpose")
        if text == "skip":
            raise Drop("nothing to see")
        return [Article(url=record.url, canonical_url=record.canonical_url, outlet=record.outlet, title=text.upper(),
                        paragraphs=[text])]

    def close(self) -> None:
        self.closed = True


def page(i: int | str, body: str | None = None) -> RawPage:
    url = f"https://example.test/news/{i}"
    return RawPage(url=url, canonical_url=url, outlet="example", fetched_at="2026-11-23T10:00:00+06:00", status=200,
                   headers={}, declared_encoding="utf-8", body=(body if body is not None else f"title {i}").encode())


def publish(bootstrap: str, topic: str, items: list[tuple[str | None, bytes]], partition: int | None = None) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for key, value in items:
            producer.send(topic, value=value, key=key.encode() if key else None, partition=partition)
        producer.flush()
    finally:
        producer.close()


def run_until_idle(runner: KafkaStageRunner, idle: float = 2.0, limit: float = 90.0) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), kwargs={"idle_timeout": idle}, daemon=True)
    thread.start()
    thread.join(limit)
    stop.set()
    thread.join(10)
    assert not thread.is_alive(), "runner did not stop"


def counter(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_outputs_keyed_and_offsets_committed_after_produce(kafka_bootstrap, topics, read_topic):
    pages = [page(i) for i in range(30)]
    publish(kafka_bootstrap, topics.raw_pages, [(p.key(), p.to_json()) for p in pages])
    ok_before = counter("bnwatch_records_processed_total", stage="clean", outcome="ok")

    runner = KafkaStageRunner(UpperTitleStage(), kafka_bootstrap, topics, max_records=7, consumer_config=FAST_GROUP)
    assert runner.group_id == f"{topics.prefix}clean"
    events: list[str] = []
    flush, commit = runner.producer.flush, runner.consumer.commit
    runner.producer.flush = lambda *a, **k: (events.append("flush"), flush(*a, **k))[1]
    runner.consumer.commit = lambda *a, **k: (events.append("commit"), commit(*a, **k))[1]
    try:
        run_until_idle(runner)
    finally:
        runner.close()

    out = read_topic(topics.articles, 30)
    assert len(out) == 30
    for message in out:
        article = Article.from_json(message.value)
        assert message.key.decode() == article.canonical_url
        assert article.title == f"TITLE {article.url.rsplit('/', 1)[1]}"
    assert {m.key for m in out} == {p.key().encode() for p in pages}
    # every commit comes right after a flush of that batch's outputs
    assert events and events[0] == "flush"
    assert all(events[i - 1] == "flush" for i, e in enumerate(events) if e == "commit")
    assert events.count("commit") == events.count("flush")
    assert consumer_lag(kafka_bootstrap, runner.group_id, topics.raw_pages) == {0: 0, 1: 0}
    assert counter("bnwatch_records_processed_total", stage="clean", outcome="ok") - ok_before == 30


def test_poison_and_failing_records_go_to_dead_letters_and_the_runner_goes_on(kafka_bootstrap, topics, read_topic):
    bad_base64 = dict(json.loads(page("b64").to_json()), body="@@not base64@@")
    inputs = [
        ("k-good-0", page(0).to_json()),
        ("k-not-json", b"\xff{ not json"),
        ("k-wrong-kind", json.dumps(dict(json.loads(page("kind").to_json()), kind="article")).encode()),
        ("k-bad-b64", json.dumps(bad_base64).encode()),
        ("k-boom", page("boom", "boom").to_json()),
        ("k-skip", page("skip", "skip").to_json()),
        (None, b"[]"),
    ] + [(f"k-good-{i}", page(i).to_json()) for i in range(1, 6)]
    publish(kafka_bootstrap, topics.raw_pages, inputs, partition=0)  # one partition: "following" is well defined
    dead_before = counter("bnwatch_dead_letter_records_total", stage="clean")
    dropped_before = counter("bnwatch_records_processed_total", stage="clean", outcome="dropped")

    runner = KafkaStageRunner(UpperTitleStage(), kafka_bootstrap, topics, max_records=3, consumer_config=FAST_GROUP)
    try:
        run_until_idle(runner)
    finally:
        runner.close()

    out = read_topic(topics.articles, 6)
    assert sorted(Article.from_json(m.value).title for m in out) == [f"TITLE {i}" for i in range(6)]
    dead = read_topic(topics.dead_letter("clean"), 5)
    assert len(dead) == 5
    docs = {m.key.decode(): json.loads(m.value) for m in dead}
    assert set(docs) == {"k-not-json", "k-wrong-kind", "k-bad-b64", "k-boom", f"{topics.raw_pages}/0/6"}
    for key, value in inputs:
        doc = docs.get(key or f"{topics.raw_pages}/0/6")
        if doc is not None:
            assert base64.b64decode(doc["value"]) == value
            assert doc["stage"] == "clean" and doc["topic"] == topics.raw_pages and doc["partition"] == 0
            assert doc["timestamp"] and doc["traceback"]
    assert docs["k-not-json"]["error_type"] == "RecordError" and "not JSON" in docs["k-not-json"]["error"]
    assert "kind" in docs["k-wrong-kind"]["error"]
    assert "base64" in docs["k-bad-b64"]["error"]
    assert docs["k-boom"]["error_type"] == "RuntimeError"
    assert "stage exploded on purpose" in docs["k-boom"]["traceback"]
    assert docs["k-boom"]["offset"] == 4
    assert counter("bnwatch_dead_letter_records_total", stage="clean") - dead_before == 5
    assert counter("bnwatch_records_processed_total", stage="clean", outcome="dropped") - dropped_before == 1
    assert consumer_lag(kafka_bootstrap, runner.group_id, topics.raw_pages) == {0: 0, 1: 0}


CRASHING_RUNNER = """
import importlib.util, sys, threading
spec = importlib.util.spec_from_file_location("runner_tests", sys.argv[1])
tests = importlib.util.module_from_spec(spec); spec.loader.exec_module(tests)
from bnwatch.topics import Topics
from consumers.runners.kafka import KafkaStageRunner
runner = KafkaStageRunner(tests.UpperTitleStage(delay=0.05), sys.argv[2], Topics(sys.argv[3]), max_records=4,
                          consumer_config=tests.FAST_GROUP)
runner.run(threading.Event())
"""


def test_crash_without_commit_loses_nothing(kafka_bootstrap, topics, read_topic):
    pages = [page(i) for i in range(60)]
    publish(kafka_bootstrap, topics.raw_pages, [(p.key(), p.to_json()) for p in pages])
    root = Path(__file__).resolve().parents[3]
    child = subprocess.Popen(
        [sys.executable, "-c", CRASHING_RUNNER, __file__, kafka_bootstrap, topics.prefix],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        produced = []
        while time.monotonic() < deadline and len(produced) < 12:
            assert child.poll() is None, child.stdout.read().decode()
            produced = read_topic(topics.articles, 12, timeout=1, settle=0)
        assert len(produced) >= 12, "the first runner never got going"
    finally:
        child.send_signal(signal.SIGKILL)  # a crash: no graceful stop, no final commit
        child.wait(10)
    assert len(produced) < 60, "the first runner finished before it could be killed"

    runner = KafkaStageRunner(UpperTitleStage(), kafka_bootstrap, topics, max_records=10, consumer_config=FAST_GROUP)
    try:
        run_until_idle(runner, idle=3.0)
    finally:
        runner.close()
    out = read_topic(topics.articles, 60)
    assert {m.key for m in out} == {p.key().encode() for p in pages}  # every input produced output at least once
    assert len(out) >= 60
    assert consumer_lag(kafka_bootstrap, runner.group_id, topics.raw_pages) == {0: 0, 1: 0}


def test_dead_letter_payload_without_key_or_value():
    class Message:
        topic, partition, offset, key, value, timestamp = "t", 1, 7, None, None, 123

    try:
        raise ValueError("bad")
    except ValueError as exc:
        doc = json.loads(dead_letter_payload("tag", Message, exc))
    assert doc["key"] is None and doc["value"] == "" and doc["offset"] == 7
    assert doc["error_type"] == "ValueError" and doc["error"] == "bad" and "ValueError: bad" in doc["traceback"]


def test_survives_a_broker_restart(tmp_path):
    """Its own broker (the session one stays up for the other tests): SIGTERM it mid-stream, start it again on the
    same data dir, and every input still produces its output."""
    from bnwatch.kafka_client import ensure_topics
    from devtools.kafka_local import LocalKafka, free_port
    from bnwatch.topics import Topics

    port = free_port()
    broker = LocalKafka(tmp_path / "kafka", port=port, controller_port=free_port(exclude=(port,)))
    broker.start()
    try:
        topics = Topics("restart.")
        ensure_topics(broker.bootstrap, topics.all(), partitions=2)
        pages = [page(i) for i in range(40)]
        publish(broker.bootstrap, topics.raw_pages, [(p.key(), p.to_json()) for p in pages])
        runner = KafkaStageRunner(UpperTitleStage(delay=0.05), broker.bootstrap, topics, max_records=4,
                                  consumer_config=FAST_GROUP, commit_timeout_ms=5000, flush_timeout=10, max_backoff=2)
        stop = threading.Event()
        thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
        thread.start()
        try:
            keys = _wait_for_keys(broker.bootstrap, topics.articles, 8)
            assert len(keys) < 40
            broker.stop()
            time.sleep(1)
            broker.start()
            keys = _wait_for_keys(broker.bootstrap, topics.articles, 40, timeout=120)
            assert keys == {p.key().encode() for p in pages}
        finally:
            stop.set()
            thread.join(30)
            runner.close()
        assert not thread.is_alive()
    finally:
        broker.stop()


def _wait_for_keys(bootstrap: str, topic: str, count: int, timeout: float = 60) -> set[bytes]:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        consumer.assign([TopicPartition(topic, p) for p in (0, 1)])
        consumer.seek_to_beginning()
        keys: set[bytes] = set()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(keys) < count:
            for batch in consumer.poll(timeout_ms=200).values():
                keys.update(m.key for m in batch)
        return keys
    finally:
        consumer.close()
