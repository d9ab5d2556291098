"""Kafka settings for a real cluster: SASL credentials, topic settings at creation, the raw-pages size limit and
the cluster-id check, against real local brokers (one with a SASL_PLAINTEXT listener)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from kafka.admin import ConfigResource, ConfigResourceType
from prometheus_client import REGISTRY

from bnwatch.config import Settings
from bnwatch.kafka_client import (
    BoundedProducer,
    ClusterChangedError,
    KafkaAuthenticationError,
    KafkaSettingsError,
    check_cluster,
    client_config,
    ensure_topics,
    make_admin,
    read_topic,
    wait_for_broker,
)
from bnwatch.records import RawPage
from bnwatch.topics import Topics
from bnwatch.dead_letters import original_value
from crawler.sinks import DeadLettered, sink_from_settings
from tests.conftest import SASL_USERS

PROJECT = Path(__file__).resolve().parents[2]
USER, PASSWORD = next(iter(SASL_USERS.items()))


def sasl_settings(broker, tmp_path: Path, **changes) -> Settings:
    return Settings(
        kafka_bootstrap=broker.bootstrap, topic_prefix=f"sec-{uuid.uuid4().hex[:8]}.", data_dir=tmp_path / "data",
        kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="PLAIN", kafka_sasl_username=USER,
        kafka_sasl_password=PASSWORD,
    ).with_(**changes)


# -- client configuration (no broker) ----------------------------------------------------------------------------

def test_client_config_carries_sasl_and_never_shows_the_password():
    settings = Settings(kafka_bootstrap="k1:9092,k2:9092", kafka_security_protocol="sasl_ssl",
                        kafka_sasl_mechanism="SCRAM-SHA-512", kafka_sasl_username="bn", kafka_sasl_password="s3cr3t")
    config = client_config(settings)
    assert config["security_protocol"] == "SASL_SSL"
    assert config["sasl_mechanism"] == "SCRAM-SHA-512"
    assert config["sasl_plain_password"] == "s3cr3t"  # the client gets it ...
    assert "s3cr3t" not in repr(config) and "s3cr3t" not in str(config)  # ... a log line never does
    assert "s3cr3t" not in repr(settings)


@pytest.mark.parametrize("changes, named", [
    ({"kafka_security_protocol": "SASL_PLAIN"}, "BNWATCH_KAFKA_SECURITY_PROTOCOL"),
    ({"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_username": "u"}, "BNWATCH_KAFKA_SASL_PASSWORD"),
    ({"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_mechanism": "GSSAPI", "kafka_sasl_username": "u",
      "kafka_sasl_password": "p"}, "BNWATCH_KAFKA_SASL_MECHANISM"),
    ({"kafka_sasl_username": "u"}, "BNWATCH_KAFKA_SASL_"),
    ({"kafka_security_protocol": "SSL", "kafka_ssl_cafile": "/nonexistent/ca.pem"}, "BNWATCH_KAFKA_SSL_CAFILE"),
])
def test_settings_that_cannot_work_are_one_line_naming_the_variable(changes, named):
    with pytest.raises(KafkaSettingsError) as caught:
        client_config(Settings(kafka_bootstrap="k:9092", **changes))
    assert named in str(caught.value) and "\n" not in str(caught.value)


# -- against the SASL/PLAIN broker -------------------------------------------------------------------------------

@pytest.mark.integration
def test_produce_and_consume_through_bnwatch_clients_with_sasl(sasl_kafka, tmp_path):
    settings = sasl_settings(sasl_kafka, tmp_path)
    topics = Topics(settings.topic_prefix)
    assert topics.raw_pages in ensure_topics(settings, topics.all())
    producer = BoundedProducer(settings)
    try:
        for i in range(20):
            producer.send(topics.raw_pages, f"k{i}", f"v{i}".encode())
        assert producer.flush() == 20
    finally:
        producer.close()
    records = read_topic(settings, topics.raw_pages, 20, timeout=30)
    assert sorted(r.value for r in records) == sorted(f"v{i}".encode() for i in range(20))
    # without credentials the same broker is closed
    assert not wait_for_broker(sasl_kafka.bootstrap, 3)


@pytest.mark.integration
def test_wrong_password_is_one_clear_line(sasl_kafka, tmp_path):
    settings = sasl_settings(sasl_kafka, tmp_path, kafka_sasl_password="not-the-password")
    with pytest.raises(KafkaAuthenticationError) as caught:
        wait_for_broker(settings, 30)
    message = str(caught.value)
    assert "\n" not in message and "refused the login" in message and "not-the-password" not in message
    # and the command says it in one line and exits with a configuration error
    env = {**os.environ, "BNWATCH_KAFKA_BOOTSTRAP": sasl_kafka.bootstrap, "BNWATCH_KAFKA_TIMEOUT": "30",
           "BNWATCH_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "BNWATCH_KAFKA_SASL_USERNAME": USER,
           "BNWATCH_KAFKA_SASL_PASSWORD": "not-the-password", "BNWATCH_DATA_DIR": str(tmp_path / "data")}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    done = subprocess.run([sys.executable, "-m", "bnwatch.cli", "consume", "clean"], env=env, cwd=PROJECT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused the login" in lines[0], done.stderr[-2000:]
    assert "not-the-password" not in done.stderr + done.stdout


@pytest.mark.integration
def test_topics_get_the_configured_partitions_replication_and_limits(sasl_kafka, tmp_path):
    settings = sasl_settings(sasl_kafka, tmp_path, kafka_partitions=4, kafka_replication_factor=1,
                             kafka_min_insync_replicas=2, raw_pages_max_bytes=5_000_000)
    topics = Topics(settings.topic_prefix)
    ensure_topics(settings, [topics.raw_pages, topics.articles, topics.dead_letter("clean")])
    admin = make_admin(settings)
    try:
        described = {t["name"]: t for t in admin.describe_topics([topics.raw_pages, topics.articles])}
        assert len(described[topics.raw_pages]["partitions"]) == 4
        assert all(len(p["replica_nodes"]) == 1 for p in described[topics.raw_pages]["partitions"])
        configs = _topic_configs(admin, [topics.raw_pages, topics.articles, topics.dead_letter("clean")])
    finally:
        admin.close()
    # whatever the producer accepts (max_request_size = the same limit) every topic takes
    assert {t: c["max.message.bytes"] for t, c in configs.items()} == dict.fromkeys(configs, "5000000")
    assert len(configs) == 3 and all(c["min.insync.replicas"] == "2" for c in configs.values())  # broker: 1
    assert configs[topics.raw_pages]["max.message.bytes"] != _broker_default(sasl_kafka)


def _broker_default(broker) -> str:
    return next(line.split("=", 1)[1] for line in broker.config_file.read_text().splitlines()
                if line.startswith("message.max.bytes="))


def _topic_configs(admin, names) -> dict[str, dict[str, str]]:
    got = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names], config_filter="all")
    return {name: {key: data["value"] for key, data in configs.items()} for name, configs in got["topic"].items()}


def _page(url: str, size: int) -> RawPage:
    body = os.urandom(size)  # incompressible: the record really is this big on the wire
    return RawPage(url=url, canonical_url=url, outlet="test", fetched_at="2026-12-01T00:00:00+00:00", status=200,
                   headers={}, declared_encoding="utf-8", body=body)


@pytest.mark.integration
def test_a_3mb_page_passes_and_one_over_the_limit_is_dead_lettered_and_counted(sasl_kafka, tmp_path):
    settings = sasl_settings(sasl_kafka, tmp_path, raw_pages_max_bytes=5 * 1024 * 1024)
    topics = Topics(settings.topic_prefix)
    ensure_topics(settings, topics.all())
    before = REGISTRY.get_sample_value("bnwatch_dead_letter_records_total", {"stage": "crawl"}) or 0
    sink = sink_from_settings(settings)
    outcomes: dict[str, object] = {}
    try:
        sink.publish(_page("https://x.test/fits", 3 * 1024 * 1024), lambda e: outcomes.__setitem__("fits", e))
        big = _page("https://x.test/too-big", 6 * 1024 * 1024)
        sink.publish(big, lambda e: outcomes.__setitem__("too-big", e))
        sink.flush()
    finally:
        sink.close()
    assert outcomes["fits"] is None  # both durably taken; neither crashed the crawler
    assert isinstance(outcomes["too-big"], DeadLettered)  # taken to the dead-letter topic: seen, not published
    pages = read_topic(settings, topics.raw_pages, 1, timeout=30, fetch_max_bytes=64 * 1024 * 1024)
    assert [r.key for r in pages] == [b"https://x.test/fits"]
    assert len(pages[0].value) > 4 * 1024 * 1024  # the base64 of 3 MB
    dead = read_topic(settings, topics.dead_letter("crawl"), 1, timeout=30)
    assert len(dead) == 1
    letter = json.loads(dead[0].value)
    assert letter["stage"] == "crawl" and letter["url"] == "https://x.test/too-big"
    assert letter["value_size"] > settings.raw_pages_max_bytes
    original = original_value(letter, settings.data_dir)  # the stages' dead-letter reader reads it back
    assert RawPage.from_json(original).body == big.body  # replayable: the original, whole, by hash
    after = REGISTRY.get_sample_value("bnwatch_dead_letter_records_total", {"stage": "crawl"})
    assert after == before + 1


# -- cluster id ---------------------------------------------------------------------------------------------------

@pytest.mark.integration
def test_a_different_cluster_on_the_same_address_is_refused(tmp_path):
    from devtools.kafka_local import LocalKafka, free_port

    port = free_port()
    controller = free_port(exclude=(port,))
    data = tmp_path / "bnwatch-data"
    settings = Settings(kafka_bootstrap=f"127.0.0.1:{port}", data_dir=data)
    first = LocalKafka(tmp_path / "first", port=port, controller_port=controller)
    first.start()
    try:
        known = check_cluster(settings)
        assert (data / "kafka-cluster-id").read_text().strip() == known
        assert check_cluster(settings) == known  # same cluster again: fine
    finally:
        first.stop()
    second = LocalKafka(tmp_path / "second", port=port, controller_port=controller)  # fresh, empty
    second.start()
    try:
        with pytest.raises(ClusterChangedError) as caught:
            check_cluster(settings)
        assert known in str(caught.value) and "BNWATCH_KAFKA_ACCEPT_NEW_CLUSTER" in str(caught.value)
        env = {**os.environ, "BNWATCH_KAFKA_BOOTSTRAP": settings.kafka_bootstrap, "BNWATCH_DATA_DIR": str(data)}
        env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
        done = subprocess.run([sys.executable, "-m", "bnwatch.cli", "consume", "clean"], env=env, cwd=PROJECT,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        assert len(done.stderr.strip().splitlines()) == 1 and "cluster" in done.stderr, done.stderr[-2000:]
        # the operator says the new cluster is intended: accepted and remembered
        new = check_cluster(settings.with_(kafka_accept_new_cluster=True))
        assert new != known and check_cluster(settings) == new
    finally:
        second.stop()
