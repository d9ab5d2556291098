"""Project-wide fixtures. The Kafka ones: one broker for the whole test run (or the one KAFKA_BOOTSTRAP_SERVERS
names), a fresh topic prefix per test so tests never see each other's records, and a reader for topics.

Nothing here imports Scrapy."""

from __future__ import annotations

import os
import uuid

import pytest

from bnwatch.topics import Topics


@pytest.fixture(scope="session")
def local_kafka(tmp_path_factory):
    """The LocalKafka this run started, or None when KAFKA_BOOTSTRAP_SERVERS points at an existing broker.

    Free ports and a temporary run dir, so it never clashes with a developer's broker on 9092."""
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield None
        return
    from devtools.kafka_local import LocalKafka, free_port

    port = free_port()
    broker = LocalKafka(tmp_path_factory.mktemp("kafka-run"), port=port, controller_port=free_port(exclude=(port,)))
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(local_kafka) -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or local_kafka.bootstrap


@pytest.fixture
def topics(kafka_bootstrap) -> Topics:
    """A Topics with a prefix unique to this test, every topic created with 2 partitions."""
    from bnwatch.kafka_client import ensure_topics

    names = Topics(prefix=f"test-{uuid.uuid4().hex[:10]}.")
    ensure_topics(kafka_bootstrap, names.all(), partitions=2)
    return names


@pytest.fixture
def read_topic(kafka_bootstrap):
    """read_topic(topic, expected, timeout=30) -> every record of the topic, from the beginning; waits until at
    least `expected` are there, then briefly for stragglers (so "exactly N" can be asserted)."""
    from bnwatch.kafka_client import read_topic as read

    def read_here(topic: str, expected: int, timeout: float = 30.0, settle: float = 0.5):
        return read(kafka_bootstrap, topic, expected, timeout, settle)

    return read_here


#: the users of the SASL/PLAIN test broker (test credentials, not secrets)
SASL_USERS = {"bnwatch": "bnwatch-test-password", "other": "other-test-password"}


@pytest.fixture(scope="session")
def sasl_kafka(tmp_path_factory):
    """A second local broker whose client listener is SASL_PLAINTEXT (PLAIN, users SASL_USERS); started only by
    the tests that ask for it."""
    from devtools.kafka_local import LocalKafka, free_port

    port = free_port()
    broker = LocalKafka(tmp_path_factory.mktemp("kafka-sasl"), port=port, controller_port=free_port(exclude=(port,)),
                        sasl_users=SASL_USERS)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
