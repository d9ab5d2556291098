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
from typing import Any, Callable, Iterable

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


class ProduceError(KafkaError):
    """At least one record was not acknowledged by the broker."""

    retriable = True


def make_producer(bootstrap: str, **overrides) -> KafkaProducer:
    """A durable, batching producer: acks from all in-sync replicas, lz4 (7-9x faster than kafka-python's gzip),
    1 MB batches with 5 ms linger (3.5x on 50 KB pages), idempotent retries until delivery_timeout_ms."""
    config = dict(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        compression_type="lz4",
        linger_ms=5,
        batch_size=1_000_000,
        max_request_size=MAX_MESSAGE_BYTES,
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
        producer: KafkaProducer | str | Callable[[], KafkaProducer],
        max_in_flight: int = 1000,
        max_in_flight_bytes: int = 128 * 1024 * 1024,
        timeout: float = 150.0,
    ):
        if isinstance(producer, str):
            bootstrap = producer
            self._factory: Callable[[], KafkaProducer] | None = lambda: make_producer(bootstrap)
        elif isinstance(producer, KafkaProducer):
            self._factory = None
        else:
            self._factory = producer
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


def read_topic(bootstrap: str, topic: str, expected: int = 0, timeout: float = 30.0, settle: float = 0.5,
               **consumer_config: Any) -> list:
    """Every record of `topic` from the beginning, without a consumer group (inspecting a dead-letter topic,
    tests): waits until at least `expected` are there (at most `timeout` s), then `settle` s for stragglers."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, **consumer_config)
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


def make_admin(bootstrap: str, **overrides) -> KafkaAdminClient:
    return KafkaAdminClient(bootstrap_servers=bootstrap, **overrides)


def ensure_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int = 3,
    replication: int = 1,
    configs: dict[str, str] | None = None,
    admin: KafkaAdminClient | None = None,
) -> list[str]:
    """Create the topics that do not exist yet (idempotent) and wait until each has a leader.

    Returns the names actually created. The broker has auto-creation off, so this is the one place topics appear."""
    names = list(dict.fromkeys(names))
    own_admin = admin is None
    admin = admin or make_admin(bootstrap)
    try:
        spec = {
            name: {"num_partitions": partitions, "replication_factor": replication, "configs": dict(configs or {})}
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
    bootstrap: str, group: str, topic: str, admin: KafkaAdminClient | None = None
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

    def __init__(self, bootstrap: str, groups_topics: list[tuple[str, str]], interval: float = 15.0):
        self.bootstrap = bootstrap
        self.groups_topics = groups_topics
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_stages(cls, bootstrap: str, topics, stages=None, interval: float = 15.0) -> "LagReporter":
        from bnwatch.topics import STAGES

        pairs = [(f"{topics.prefix}{s}", topics.stage_io(s)[0]) for s in (stages or STAGES)]
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
