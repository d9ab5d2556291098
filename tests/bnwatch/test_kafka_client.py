"""The bounded producer and the admin helpers, against a real broker."""

from __future__ import annotations

import os

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata
from prometheus_client import REGISTRY

from bnwatch.kafka_client import BoundedProducer, ProduceError, consumer_lag, ensure_topics, make_producer

pytestmark = pytest.mark.integration


def test_bounded_producer_delivers_every_record(kafka_bootstrap, topics, read_topic):
    producer = BoundedProducer(kafka_bootstrap, max_in_flight=16)
    try:
        for i in range(500):
            producer.send(topics.raw_pages, f"key-{i}", f"value-{i}".encode() * 50, headers=[("h", b"1")])
            assert producer.in_flight <= 16
        assert producer.flush() > 0
        assert producer.in_flight == 0
    finally:
        producer.close()
    records = read_topic(topics.raw_pages, 500)
    assert len(records) == 500
    assert {r.key.decode() for r in records} == {f"key-{i}" for i in range(500)}
    assert all(r.value == r.key.decode().replace("key", "value").encode() * 50 for r in records)
    # same key → same partition, so per-URL order holds
    assert {r.partition for r in records} == {0, 1}


def test_failed_send_raises_on_flush_and_on_later_sends(kafka_bootstrap, topics):
    small = topics.prefix + "small"
    ensure_topics(kafka_bootstrap, [small], partitions=1, configs={"max.message.bytes": "2048"})
    producer = BoundedProducer(kafka_bootstrap, max_in_flight=1)
    try:
        producer.send(small, "big", os.urandom(10_000))  # incompressible, over the topic's limit
        with pytest.raises(ProduceError, match="MessageSizeTooLarge"):
            producer.send(small, "ok", b"x")  # bound of 1: waits on the failed one and says so
        producer.send(small, "big-again", os.urandom(10_000))
        with pytest.raises(ProduceError, match="not acknowledged"):
            producer.flush()
        # the failed idempotent producer is fatal in kafka-python 3.0.12; the wrapper replaced it
        producer.send(small, "small", b"fine")
        assert producer.flush() == 1
    finally:
        producer.close()


def test_ensure_topics_is_idempotent(kafka_bootstrap, topics):
    name = topics.prefix + "extra"
    assert ensure_topics(kafka_bootstrap, [name, topics.raw_pages], partitions=2) == [name]
    assert ensure_topics(kafka_bootstrap, [name, topics.raw_pages], partitions=2) == []


def test_consumer_lag_counts_uncommitted_and_sets_metric(kafka_bootstrap, topics):
    producer = BoundedProducer(make_producer(kafka_bootstrap))
    for i in range(10):
        producer.send(topics.articles, None if i % 2 else f"k{i}", b"v")
    producer.flush()
    producer.close()
    group = topics.prefix + "lag-test"
    lags = consumer_lag(kafka_bootstrap, group, topics.articles)
    assert sum(lags.values()) == 10  # never committed: everything retained is lag

    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False)
    try:
        ends = consumer.end_offsets([TopicPartition(topics.articles, p) for p in lags])
        tp0 = TopicPartition(topics.articles, 0)
        consumer.commit({tp0: OffsetAndMetadata(ends[tp0], "", -1)})
    finally:
        consumer.close()
    lags = consumer_lag(kafka_bootstrap, group, topics.articles)
    assert lags[0] == 0 and sum(lags.values()) == 10 - ends[tp0]
    value = REGISTRY.get_sample_value(
        "kafka_consumergroup_lag", {"consumergroup": group, "topic": topics.articles, "partition": "1"}
    )
    assert value == lags[1]
