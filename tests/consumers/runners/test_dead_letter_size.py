"""On the real broker: a 3 MB poison record for the clean stage becomes a dead letter under its topic's 1 MB limit,
its original kept on disk by hash, byte-identical, and replayed from there (issue #16)."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from pathlib import Path

import pytest
from kafka import KafkaProducer
from prometheus_client import REGISTRY

from bnwatch.cli import main
from bnwatch.kafka_client import consumer_lag, ensure_topics, read_topic
from bnwatch.outlets import Registry
from bnwatch.records import Article, RawPage
from bnwatch.topics import Topics
from consumers.clean.stage import CleanStage
from consumers.runners.kafka import KafkaStageRunner

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "crawler" / "outlets" / "prothomalo" / "golden" / "183sr4nk9l"
EXPECTED = json.loads(GOLDEN.with_suffix(".json").read_text(encoding="utf-8"))
LIMIT = 1024 * 1024  # Kafka's default max.message.bytes, set explicitly on the dead-letter topic below


def raw_page(html: bytes) -> RawPage:
    return RawPage(url=EXPECTED["url"], canonical_url=EXPECTED["url"], outlet="prothomalo",
                   fetched_at="2025-07-20T03:00:00+00:00", status=200,
                   headers={"Content-Type": "text/html; charset=utf-8"}, declared_encoding=None, body=html,
                   discovery="sitemap", discovered_at="2025-07-20T02:59:00+00:00")


def counter(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def small_topics(kafka_bootstrap) -> Topics:
    """Fresh topics; the clean stage's dead-letter topic takes at most 1 MB per record (the broker refuses more)."""
    topics = Topics(prefix=f"test-{uuid.uuid4().hex[:10]}.")
    ensure_topics(kafka_bootstrap, [topics.raw_pages, topics.articles], partitions=1)
    ensure_topics(kafka_bootstrap, [topics.dead_letter("clean")], partitions=1,
                  configs={"max.message.bytes": str(LIMIT)})
    return topics


def test_3mb_poison_record_dead_lettered_under_the_limit_and_replayed_whole(kafka_bootstrap, small_topics, tmp_path,
                                                                           monkeypatch, capsys):
    topics = small_topics
    html = GOLDEN.with_suffix(".html").read_bytes()
    page = raw_page(html)
    # the poison: a real RawPage record of a 2.3 MB page (3 MB as JSON), its JSON cut short, so it does not decode
    big = raw_page(html.replace(b"</body>", b"<!--" + b"x" * (2300 * 1024) + b"--></body>"))
    poison = big.to_json()[:-1]
    assert len(poison) > 3 * 1000 * 1000
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", max_request_size=8 * 1024 * 1024)
    try:
        producer.send(topics.raw_pages, key=big.key().encode(), value=poison)
        producer.send(topics.raw_pages, key=page.key().encode(), value=page.to_json())
        producer.flush()
    finally:
        producer.close()
    dead_before = counter("bnwatch_dead_letter_records_total", stage="clean")

    runner = KafkaStageRunner(CleanStage(Registry.load()), kafka_bootstrap, topics, data_dir=tmp_path,
                              consumer_config={"session_timeout_ms": 6000, "heartbeat_interval_ms": 1000})
    assert runner.dead_letter_max_bytes == LIMIT  # a bare bootstrap: Kafka's default limit
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), kwargs={"idle_timeout": 2.0}, daemon=True)
    thread.start()
    try:
        thread.join(90)
    finally:
        stop.set()
        thread.join(10)
        runner.close()
    assert not thread.is_alive(), "runner did not stop"

    # the runner went on: the good page behind the poison is an article, and both offsets are committed
    [article] = [Article.from_json(m.value) for m in read_topic(kafka_bootstrap, topics.articles, 1)]
    assert article.title == EXPECTED["title"]
    assert consumer_lag(kafka_bootstrap, runner.group_id, topics.raw_pages) == {0: 0}

    [letter] = read_topic(kafka_bootstrap, topics.dead_letter("clean"), 1)
    assert len(letter.key) + len(letter.value) < LIMIT
    doc = json.loads(letter.value)
    digest = hashlib.sha256(poison).hexdigest()
    assert (doc["topic"], doc["partition"], doc["offset"], doc["key"]) == (topics.raw_pages, 0, 0, big.key())
    assert doc["value"] == "" and doc["value_size"] == len(poison) and doc["value_sha256"] == digest
    assert doc["value_file"] == f"dead-letters/clean/{digest}.bin"
    assert doc["error_type"] == "RecordError" and len(doc["error"]) <= 4001
    assert (tmp_path / "dead-letters" / "clean" / f"{digest}.bin").read_bytes() == poison  # byte-identical
    assert counter("bnwatch_dead_letter_records_total", stage="clean") == dead_before + 1

    # replay (`bnwatch dead-letters replay clean`): the original goes back to raw-pages whole, read from the file
    # the dead letter names
    monkeypatch.setenv("BNWATCH_KAFKA_BOOTSTRAP", kafka_bootstrap)
    monkeypatch.setenv("BNWATCH_TOPIC_PREFIX", topics.prefix)
    monkeypatch.setenv("BNWATCH_DATA_DIR", str(tmp_path))
    capsys.readouterr()
    assert main(["dead-letters", "replay", "clean"]) == 0
    assert capsys.readouterr().out.strip() == \
        f"replayed 1 dead letters of clean (1 originals read from {tmp_path}); 0 not replayed"
    records = read_topic(kafka_bootstrap, topics.raw_pages, 3, max_partition_fetch_bytes=8 * 1024 * 1024)
    assert len(records) == 3
    assert records[-1].value == poison and records[-1].key == big.key().encode()

    # an original that is gone is reported (one line, exit 1), never replayed in part
    (tmp_path / doc["value_file"]).unlink()
    assert main(["dead-letters", "replay", "clean"]) == 1
    captured = capsys.readouterr()
    # one line of bnwatch's own (kafka-python may add a WARNING of its own when the machine is loaded)
    ours = [line for line in captured.err.splitlines() if line.startswith("bnwatch dead-letters:")]
    assert len(ours) == 1 and f"{topics.dead_letter('clean')}/0@0: dead letter original" in ours[0], captured.err
    assert "Traceback" not in captured.err
    assert "0 not replayed" not in captured.out and "1 not replayed" in captured.out
    assert len(read_topic(kafka_bootstrap, topics.raw_pages, 3, max_partition_fetch_bytes=8 * 1024 * 1024)) == 3
