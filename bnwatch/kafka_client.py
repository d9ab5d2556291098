"""kafka-python clients configured the way bnwatch needs them, and the few admin helpers it uses.

Why a wrapper around the producer: kafka-python 3.x's `send()` does not block when the buffer is full, so a fast
producer queues without limit and records expire unsent ("KafkaTimeoutError ... since batch creation"). The
`BoundedProducer` waits on its oldest send when too much is in flight and raises on every failed send, so a
record is either acknowledged by the broker or its loss is an error someone sees.

Imported only by the crawler's publishing pipeline, the Kafka runner and the CLI; stages never import Kafka.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Union

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import OffsetSpec
from kafka.errors import (
    CoordinatorLoadInProgressError,
    CoordinatorNotAvailableError,
    KafkaError,
    TopicAlreadyExistsError,
    for_code,
)

from bnwatch import metrics

log = logging.getLogger(__name__)

#: largest record the producer sends; the broker's message.max.bytes/replica.fetch.max.bytes in
#: deploy/kafka/server.properties.in match it (a 20 MB page is ~27 MB as base64 in a RawPage)
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
#: client settings whose values never appear in a repr or a log line
SECRET_KEYS = frozenset({"sasl_plain_password", "ssl_password"})
#: where the cluster id of the first broker bnwatch talked to is remembered (under the data dir)
CLUSTER_ID_FILE = "kafka-cluster-id"


class ProduceError(KafkaError):
    """At least one record was not acknowledged by the broker."""

    retriable = True


class KafkaSettingsError(ValueError):
    """The BNWATCH_KAFKA_* settings do not make a usable client configuration (one line, names the variable)."""


class ClusterChangedError(RuntimeError):
    """The broker answers with another cluster id than the one this data dir has been working with."""


class ClientConfig(dict):
    """kafka-python keyword arguments for connecting (bootstrap, security); secrets are redacted in its repr."""

    def __repr__(self) -> str:
        return repr({k: ("***" if k in SECRET_KEYS and v else v) for k, v in self.items()})

    __str__ = __repr__


#: what the client helpers accept: a bootstrap string (a plaintext development broker) or the Settings
Connection = Union[str, Any]


def client_config(settings) -> ClientConfig:
    """The connection part of every Kafka client bnwatch creates (producers, stage consumers, admin, lag reporter,
    scale-out, read_topic), from `Settings`. Raises KafkaSettingsError for a combination that cannot work."""
    protocol = (settings.kafka_security_protocol or "PLAINTEXT").upper()
    if protocol not in SECURITY_PROTOCOLS:
        raise KafkaSettingsError(
            f"BNWATCH_KAFKA_SECURITY_PROTOCOL={protocol!r} is not one of {', '.join(SECURITY_PROTOCOLS)}")
    config = ClientConfig(bootstrap_servers=settings.kafka_bootstrap, security_protocol=protocol)
    if protocol.startswith("SASL_"):
        mechanism = (settings.kafka_sasl_mechanism or "PLAIN").upper()
        if mechanism not in SASL_MECHANISMS:
            raise KafkaSettingsError(
                f"BNWATCH_KAFKA_SASL_MECHANISM={mechanism!r} is not one of {', '.join(SASL_MECHANISMS)}")
        if not settings.kafka_sasl_username or not settings.kafka_sasl_password:
            raise KafkaSettingsError(
                f"BNWATCH_KAFKA_SECURITY_PROTOCOL={protocol} needs BNWATCH_KAFKA_SASL_USERNAME and "
                "BNWATCH_KAFKA_SASL_PASSWORD")
        config.update(sasl_mechanism=mechanism, sasl_plain_username=settings.kafka_sasl_username,
                      sasl_plain_password=settings.kafka_sasl_password)
    elif settings.kafka_sasl_mechanism or settings.kafka_sasl_username:
        raise KafkaSettingsError(
            f"BNWATCH_KAFKA_SASL_* is set but BNWATCH_KAFKA_SECURITY_PROTOCOL={protocol} does not use SASL "
            "(SASL_PLAINTEXT or SASL_SSL)")
    if protocol.endswith("SSL"):
        for name, variable in (("cafile", "CAFILE"), ("certfile", "CERTFILE"), ("keyfile", "KEYFILE")):
            path = getattr(settings, f"kafka_ssl_{name}")
            if path and not Path(path).is_file():
                raise KafkaSettingsError(f"BNWATCH_KAFKA_SSL_{variable}: no such file: {path}")
            if path:
                config[f"ssl_{name}"] = str(path)
        if settings.kafka_ssl_password:
            config["ssl_password"] = settings.kafka_ssl_password
    elif settings.kafka_ssl_cafile or settings.kafka_ssl_certfile:
        raise KafkaSettingsError(
            f"BNWATCH_KAFKA_SSL_* is set but BNWATCH_KAFKA_SECURITY_PROTOCOL={protocol} does not use TLS "
            "(SSL or SASL_SSL)")
    return config


def connection(target: Connection) -> ClientConfig:
    """`client_config` of Settings, or just the bootstrap of a plain string."""
    if isinstance(target, str):
        return ClientConfig(bootstrap_servers=target)
    return client_config(target)


def _max_request_size(target: Connection) -> int:
    return MAX_MESSAGE_BYTES if isinstance(target, str) else int(target.raw_pages_max_bytes)


def make_producer(bootstrap: Connection, **overrides) -> KafkaProducer:
    """A durable, batching producer: acks from all in-sync replicas, lz4 (7-9x faster than kafka-python's gzip),
    1 MB batches with 5 ms linger (3.5x on 50 KB pages), idempotent retries until delivery_timeout_ms.
    With Settings, the largest record it sends is their raw_pages_max_bytes (the topics' max.message.bytes)."""
    config = dict(
        **connection(bootstrap),
        acks="all",
        enable_idempotence=True,
        compression_type="lz4",
        linger_ms=5,
        batch_size=1_000_000,
        max_request_size=_max_request_size(bootstrap),
        retries=2**31 - 1,
        delivery_timeout_ms=120_000,
        request_timeout_ms=30_000,
        max_block_ms=60_000,
        allow_auto_create_topics=False,
    )
    config.update(overrides)
    return KafkaProducer(**config)


class BoundedProducer:
    """`send` with a bound on in-flight records and bytes, and failures that raise instead of vanishing.

    After a failure the underlying KafkaProducer is replaced before the next send (when the wrapper was given a
    bootstrap string or a factory): kafka-python 3.0.12's idempotent producer turns any non-retriable batch error
    (e.g. MessageSizeTooLarge) into a fatal state that fails every later send. Not thread-safe: one owner (a
    pipeline, a runner) calls it.
    """

    def __init__(
        self,
        producer: KafkaProducer | Connection | Callable[[], KafkaProducer],
        max_in_flight: int = 1000,
        max_in_flight_bytes: int = 128 * 1024 * 1024,
        timeout: float = 150.0,
    ):
        if isinstance(producer, KafkaProducer):
            self._factory: Callable[[], KafkaProducer] | None = None
        elif callable(producer):
            self._factory = producer
        else:  # a bootstrap string or Settings
            target = producer
            self._factory = lambda: make_producer(target)
        self.producer = producer if isinstance(producer, KafkaProducer) else self._factory()
        self.max_in_flight = max_in_flight
        self.max_in_flight_bytes = max_in_flight_bytes
        #: seconds to wait for one acknowledgement (above the producer's delivery_timeout_ms, which fails first)
        self.timeout = timeout
        self._pending: collections.deque = collections.deque()  # (future, size)
        self._pending_bytes = 0
        self._acked = 0
        self._failed = False

    def send(self, topic: str, key: str | None, value: bytes, headers: list[tuple[str, bytes]] | None = None):
        """Queue one record; blocks while over the in-flight bound. Raises ProduceError if an earlier send failed
        (the records still in flight are then forgotten: the caller re-sends what it needs, at-least-once)."""
        self._renew_if_failed()
        future = self.producer.send(
            topic, value=value, key=key.encode("utf-8") if key is not None else None, headers=headers
        )
        size = len(value or b"") + (len(key) if key else 0)  # a tombstone (None) has no size
        self._pending.append((future, size))
        self._pending_bytes += size
        while self._pending and (
            self._pending[0][0].is_done
            or len(self._pending) > self.max_in_flight
            or self._pending_bytes > self.max_in_flight_bytes
        ):
            self._wait_oldest()
        return future

    def flush(self, timeout: float | None = None) -> int:
        """Wait for every queued record; return how many were acknowledged since the last flush. Raises
        ProduceError if any failed. Nothing is pending afterwards either way."""
        try:
            self.producer.flush(timeout if timeout is not None else self.timeout)
        except KafkaError as exc:
            self._fail()
            raise ProduceError(f"flush did not complete: {exc!r}") from exc
        failures = []
        while self._pending:
            future, size = self._pending.popleft()
            self._pending_bytes -= size
            try:
                future.get(timeout=0)
                self._acked += 1
            except Exception as exc:  # a failed or (impossibly after flush) unfinished future
                failures.append(exc)
        done, self._acked = self._acked, 0
        if failures:
            self._fail()
            raise ProduceError(f"{len(failures)} record(s) not acknowledged; first: {failures[0]!r}") from failures[0]
        return done

    def abandon(self) -> None:
        """Give up on the records in flight (the caller will send them again) and start over with a fresh
        producer if one can be made."""
        self._fail()

    def close(self, timeout: float | None = 30.0) -> None:
        self._forget_pending()
        self.producer.close(timeout=timeout)

    @property
    def in_flight(self) -> int:
        return len(self._pending)

    def _wait_oldest(self) -> None:
        future, size = self._pending.popleft()
        self._pending_bytes -= size
        try:
            future.get(timeout=self.timeout)
            self._acked += 1
        except Exception as exc:
            self._fail()
            raise ProduceError(f"a record was not acknowledged: {exc!r}") from exc

    def _fail(self) -> None:
        self._forget_pending()
        self._failed = True

    def _renew_if_failed(self) -> None:
        if not self._failed:
            return
        self._failed = False
        if self._factory is None:
            return
        old, self.producer = self.producer, self._factory()
        try:
            old.close(timeout=0)
        except Exception:  # the old one is being thrown away precisely because it is broken
            log.debug("closing a failed producer", exc_info=True)

    def _forget_pending(self) -> None:
        self._pending.clear()
        self._pending_bytes = 0
        self._acked = 0


def read_topic(bootstrap: Connection, topic: str, expected: int = 0, timeout: float = 30.0, settle: float = 0.5,
               **consumer_config: Any) -> list:
    """Every record of `topic` from the beginning, without a consumer group (inspecting a dead-letter topic,
    tests): waits until at least `expected` are there (at most `timeout` s), then `settle` s for stragglers."""
    consumer = KafkaConsumer(**connection(bootstrap), group_id=None, enable_auto_commit=False, **consumer_config)
    try:
        consumer.assign([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()])
        consumer.seek_to_beginning()
        records: list = []
        deadline = time.monotonic() + timeout
        settle_until = None
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
            if len(records) >= expected:
                settle_until = settle_until or time.monotonic() + settle
                if time.monotonic() >= settle_until:
                    break
        return records
    finally:
        consumer.close()


def make_admin(bootstrap: Connection, **overrides) -> KafkaAdminClient:
    return KafkaAdminClient(**connection(bootstrap), **overrides)


def wait_for_broker(target: Connection, timeout: float) -> bool:
    """True once a broker answers within `timeout` seconds, False if none did. kafka-python's per-attempt
    connection lines are silenced meanwhile: the caller says in one line what failed. Settings that cannot make
    a client (KafkaSettingsError) raise at once."""
    config = connection(target)
    quiet = [logging.getLogger("kafka")] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict) if name.startswith("kafka.")]
    saved = [(lg, lg.level, lg.propagate) for lg in quiet]
    # kafka-python retries a refused login until its bootstrap timeout and says why only in its log: keep its
    # error lines (to us only) and stop at the first authentication failure
    watch = _AuthFailureWatch()
    for lg in quiet:
        lg.setLevel(logging.ERROR)
        lg.propagate = False
        lg.addHandler(watch)
    try:
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                # a new client every few seconds with short reconnect backoffs: a refused login shows up early
                admin = KafkaAdminClient(**config, bootstrap_timeout_ms=max(100, int(min(remaining, 5.0) * 1000)),
                                         reconnect_backoff_max_ms=1000)
            except (KafkaError, OSError):
                watch.raise_if_refused(config)
                time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
                continue
            admin.close()
            return True
        watch.raise_if_refused(config)
        if config.get("security_protocol", "PLAINTEXT") != "PLAINTEXT" and _accepts_tcp(config["bootstrap_servers"]):
            # kafka-python often sees only the dropped connection, not the broker's refusal
            watch.failure = "it accepts connections but dropped every session"
            watch.raise_if_refused(config)
        return False
    finally:
        for lg, level, propagate in saved:
            lg.removeHandler(watch)
            lg.setLevel(level)
            lg.propagate = propagate


def _accepts_tcp(bootstrap: str) -> bool:
    """True if any bootstrap server accepts a TCP connection."""
    import socket

    for server in str(bootstrap).split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host.strip("[]") or "localhost", int(port)), timeout=2):
                return True
        except (OSError, ValueError):
            continue
    return False


class KafkaAuthenticationError(KafkaSettingsError):
    """The broker refused the configured SASL credentials."""


class _AuthFailureWatch(logging.Handler):
    """Remembers the first authentication failure kafka-python logs (its clients only log them, then retry)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.failure: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if self.failure is None and ("SaslAuthenticationFailed" in text or "AuthenticationFailed" in text):
            marker = text.rfind("Authentication failed")
            self.failure = text[marker:].rstrip(")") if marker >= 0 else "authentication failed"

    def raise_if_refused(self, config: dict) -> None:
        if self.failure:
            raise KafkaAuthenticationError(
                f"Kafka at {config['bootstrap_servers']} refused the login of {config.get('sasl_plain_username')!r}: "
                f"{self.failure} (check BNWATCH_KAFKA_SASL_USERNAME, BNWATCH_KAFKA_SASL_PASSWORD and "
                "BNWATCH_KAFKA_SASL_MECHANISM)")


def topic_configs(settings, name: str) -> dict[str, str]:
    """The topic-level configs bnwatch sets at creation: min.insync.replicas when configured, and
    max.message.bytes = BNWATCH_RAW_PAGES_MAX_BYTES on raw-pages and every other bnwatch topic (dead letters carry
    pages; an oversized article must not stall its stage on a broker-side rejection). The producers'
    max_request_size is the same number, so any record a producer accepts the cluster takes, whatever its broker
    default (1 MB unless changed)."""
    configs = {"max.message.bytes": str(settings.raw_pages_max_bytes)}
    if settings.kafka_min_insync_replicas:
        configs["min.insync.replicas"] = str(settings.kafka_min_insync_replicas)
    return configs


def ensure_topics(
    bootstrap: Connection,
    names: Iterable[str],
    partitions: int | None = None,
    replication: int | None = None,
    configs: dict[str, str] | None = None,
    admin: KafkaAdminClient | None = None,
) -> list[str]:
    """Create the topics that do not exist yet (idempotent) and wait until each has a leader.

    With Settings: partitions, replication factor and topic configs default to theirs (`topic_configs`), and the
    broker's cluster id is checked against the data dir's (`check_cluster`) first. With a bootstrap string: 3
    partitions, replication 1. Returns the names actually created. The broker has auto-creation off, so this is
    the one place topics appear."""
    names = list(dict.fromkeys(names))
    settings = None if isinstance(bootstrap, str) else bootstrap
    own_admin = admin is None
    admin = admin or make_admin(bootstrap)
    try:
        if settings is not None:
            check_cluster(settings, admin)
        if partitions is None:
            partitions = settings.kafka_partitions if settings is not None else 3
        if replication is None:
            replication = settings.kafka_replication_factor if settings is not None else 1
        spec = {
            name: {
                "num_partitions": partitions,
                "replication_factor": replication,
                "configs": {**(topic_configs(settings, name) if settings is not None else {}), **(configs or {})},
            }
            for name in names
        }
        result = admin.create_topics(spec, raise_errors=False)
        created = []
        for topic in result.get("topics", []):
            error = for_code(topic.get("error_code", 0))
            if topic.get("error_code", 0) == 0:
                created.append(topic["name"])
            elif error is not TopicAlreadyExistsError:
                raise error(f"creating topic {topic['name']}: {topic.get('error_message')}")
        admin.wait_for_topics(names, timeout_ms=30_000)
        return created
    finally:
        if own_admin:
            admin.close()


def cluster_id(admin: KafkaAdminClient) -> str:
    return admin.describe_cluster()["cluster_id"]


def check_cluster(settings, admin: KafkaAdminClient | None = None) -> str:
    """Remember the cluster id on first contact (<data dir>/kafka-cluster-id) and refuse a broker that answers
    with another one: a different, empty cluster on the same address would otherwise be joined without notice
    (consumer groups start over, the seen-store says everything was published). BNWATCH_KAFKA_ACCEPT_NEW_CLUSTER=1
    (or deleting the file) accepts the new cluster and remembers it. Returns the cluster id."""
    own_admin = admin is None
    admin = admin or make_admin(settings)
    try:
        current = cluster_id(admin)
    finally:
        if own_admin:
            admin.close()
    path = Path(settings.data_dir) / CLUSTER_ID_FILE
    try:
        known = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        known = ""
    if known and known != current and not settings.kafka_accept_new_cluster:
        raise ClusterChangedError(
            f"Kafka at {settings.kafka_bootstrap} is cluster {current}, but this data dir worked with cluster {known}; "
            f"if the new cluster is intended, set BNWATCH_KAFKA_ACCEPT_NEW_CLUSTER=1 once or delete {path}")
    if known != current:
        if known:
            log.warning("Kafka cluster id changed from %s to %s: accepted (BNWATCH_KAFKA_ACCEPT_NEW_CLUSTER)",
                        known, current)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(current + "\n", encoding="utf-8")
        tmp.replace(path)
    return current


def _group_offsets(admin: KafkaAdminClient, group: str, attempts: int = 20) -> dict:
    """Committed offsets of one group; retries while the group coordinator is still loading (a fresh broker
    creates __consumer_offsets on the first group request)."""
    for attempt in range(attempts):
        try:
            return admin.list_group_offsets({group: None}).get(group, {})
        except (CoordinatorNotAvailableError, CoordinatorLoadInProgressError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.25)
    return {}


def consumer_lag(
    bootstrap: Connection, group: str, topic: str, admin: KafkaAdminClient | None = None
) -> dict[int, int]:
    """Lag per partition of `group` on `topic` (end offset - committed offset) and set `kafka_consumergroup_lag`.

    A partition the group never committed counts everything still retained (end - earliest), which is what a
    consumer with auto_offset_reset='earliest' has yet to read."""
    own_admin = admin is None
    admin = admin or make_admin(bootstrap)
    try:
        described = admin.describe_topics([topic])
        partitions = [
            TopicPartition(topic, p["partition_index"]) for t in described for p in t.get("partitions", [])
        ]
        if not partitions:
            return {}
        ends = admin.list_partition_offsets({tp: OffsetSpec.LATEST for tp in partitions})
        committed = _group_offsets(admin, group)
        missing = [tp for tp in partitions if tp not in committed or committed[tp].offset < 0]
        earliest = admin.list_partition_offsets({tp: OffsetSpec.EARLIEST for tp in missing}) if missing else {}
        lags = {}
        for tp in partitions:
            start = committed[tp].offset if tp not in earliest else earliest[tp].offset
            lags[tp.partition] = max(0, ends[tp].offset - start)
            metrics.consumer_lag.labels(group, topic, str(tp.partition)).set(lags[tp.partition])
        return lags
    finally:
        if own_admin:
            admin.close()


class LagReporter:
    """Exports `kafka_consumergroup_lag` for every stage's consumer group from the broker's committed offsets.

    A runner reports only the partitions it owns, so a consumer that is stopped, hung or crashed reports
    nothing — exactly when its lag matters. This thread runs in a process that stays up (the crawler) and asks
    the broker every `interval` seconds, as kafka_exporter would (same metric names, so the same rules apply)."""

    def __init__(self, bootstrap: Connection, groups_topics: list[tuple[str, str]], interval: float = 15.0):
        self.bootstrap = bootstrap
        self.groups_topics = groups_topics
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_stages(cls, bootstrap: Connection, topics, stages=None, interval: float = 15.0) -> "LagReporter":
        from bnwatch import topology

        pairs = [(f"{topics.prefix}{s}", topics.stage_io(s)[0]) for s in (stages or topology.stage_names())]
        return cls(bootstrap, pairs, interval)

    def report_once(self, admin: KafkaAdminClient | None = None) -> dict[tuple[str, str], dict[int, int]]:
        return {(g, t): consumer_lag(self.bootstrap, g, t, admin=admin) for g, t in self.groups_topics}

    def _run(self) -> None:
        admin = None
        while not self._stop.is_set():
            try:
                admin = admin or make_admin(self.bootstrap)
                self.report_once(admin)
            except Exception as exc:  # the broker may be restarting: try again next round with a new client
                log.warning("consumer lag report failed: %r", exc)
                if admin is not None:
                    try:
                        admin.close()
                    except Exception:
                        pass
                admin = None
            self._stop.wait(self.interval)
        if admin is not None:
            admin.close()

    def start(self) -> "LagReporter":
        self._thread = threading.Thread(target=self._run, name="lag-reporter", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
