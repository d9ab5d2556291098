"""Runs one stage as a Kafka consumer group: consume its input topic, process, produce, then commit.

At-least-once, in this order for every polled batch:
  1. decode and process each record, sending its outputs (and any dead letters) through a bounded producer;
  2. flush the producer: every output and dead letter is acknowledged by the broker (acks=all);
  3. ONLY THEN commit the batch's offsets.
If step 2 or 3 fails (broker restarting, coordinator moving, a rebalance) nothing is committed: the consumer seeks
back to the start of the batch, which is the last committed position, and the batch is retried with backoff. A
crash between 2 and 3 redelivers the batch too. So a record can produce its outputs more than once, never zero
times; the sinks downstream are idempotent (records are keyed, alerts deduplicated by story and version).

A record the stage cannot handle does not stop the stage: a payload that does not decode (`RecordError`) or whose
processing raises goes to the stage's dead-letter topic with the error, and the runner goes on. A dead letter
never exceeds the topic's message limit (it would stall the stage on that record): an original too big to go
inside is kept under the data directory by hash (bnwatch.dead_letters). `Drop` is a
handled record with no output.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import MessageSizeTooLargeError
from kafka.structs import OffsetAndMetadata

from bnwatch import metrics
from bnwatch.kafka_client import BoundedProducer, Connection, connection, ensure_topics, make_producer
from bnwatch.topics import Topics
from bnwatch import dead_letters
from consumers.stage import FAILED, OK, Stage, count, handle

log = logging.getLogger(__name__)

LAG_REPORT_INTERVAL = 15.0
#: kafka-python's default 45 s session timeout kept a killed stage's partitions orphaned for up to 45 s; 6 s (the
#: broker's group.min.session.timeout.ms) gets them to a restarted or surviving member in seconds
SESSION_TIMEOUT_MS = 6000


def group_membership(target: Connection, stage_name: str) -> dict[str, Any]:
    """Session and heartbeat settings of a stage consumer, and static membership when the operator named this
    process (BNWATCH_KAFKA_GROUP_INSTANCE_ID, e.g. a pod name): a static member restarted under the same id gets
    its partitions back at once, without a rebalance (it does not leave the group on close, so a stopped and
    not restarted static member's partitions move after the session timeout)."""
    session = SESSION_TIMEOUT_MS if isinstance(target, str) else int(target.kafka_session_timeout_ms)
    membership: dict[str, Any] = {
        "session_timeout_ms": session,
        "heartbeat_interval_ms": max(500, session // 3),
    }
    instance = None if isinstance(target, str) else target.kafka_group_instance_id
    if instance:
        membership["group_instance_id"] = f"{instance}-{stage_name}"
    return membership


class KafkaStageRunner:
    """Connects one `Stage` to its input, output and dead-letter topics (see the module docstring for the
    delivery guarantee). One runner = one consumer in the group `<prefix><stage>`; run more to scale by
    partitions."""

    def __init__(
        self,
        stage: Stage,
        bootstrap: Connection,
        topics: Topics,
        group_id: str | None = None,
        poll_timeout_ms: int = 500,
        max_records: int = 100,
        consumer_config: dict[str, Any] | None = None,
        producer_config: dict[str, Any] | None = None,
        commit_timeout_ms: int = 30_000,
        flush_timeout: float = 60.0,
        max_backoff: float = 30.0,
        data_dir: str | Path | None = None,
        dead_letter_max_bytes: int | None = None,
    ):
        self.stage = stage
        self.topics = topics
        metrics.start_stage_series(stage.name)
        self.input_topic, self.output_topic, self.dead_letter_topic = stage_topics(topics, stage.name)
        self.group_id = group_id or f"{topics.prefix}{stage.name}"
        self.poll_timeout_ms = poll_timeout_ms
        self.max_records = max_records
        self.commit_timeout_ms = commit_timeout_ms
        self.flush_timeout = flush_timeout
        self.max_backoff = max_backoff
        #: where dead letters too big for their topic keep their original (Settings.data_dir by default)
        self.data_dir = Path(data_dir) if data_dir is not None else _default_data_dir(bootstrap)
        self.dead_letter_max_bytes = dead_letter_max_bytes or dead_letters.dead_letter_max_bytes(
            bootstrap, producer_config)
        self.consumer = KafkaConsumer(
            self.input_topic,
            **{
                **connection(bootstrap),
                **group_membership(bootstrap, stage.name),
                "group_id": self.group_id,
                "client_id": f"bnwatch-{stage.name}",
                "enable_auto_commit": False,
                "auto_offset_reset": "earliest",
                "max_poll_records": max_records,
                **(consumer_config or {}),
            },
        )
        self.producer = BoundedProducer(lambda: make_producer(bootstrap, **(producer_config or {})))
        self._warned_no_output = False
        self._last_lag_report = 0.0

    # -- the loop -------------------------------------------------------------------------------------------------
    def run(self, stop_event: threading.Event, idle_timeout: float | None = None) -> None:
        """Process batches until `stop_event` is set, or until nothing arrived for `idle_timeout` seconds while
        partitions were assigned (caught up; a runner still joining its group is not idle).

        A batch in progress is always finished and committed before returning, so a graceful stop loses nothing
        and redelivers nothing."""
        idle_since = time.monotonic()
        failures = 0
        while not stop_event.is_set():
            try:
                handled = self.run_once()
            except Exception as exc:  # Kafka-side failure of a whole batch: nothing committed, retry it
                failures += 1
                delay = min(self.max_backoff, 0.5 * 2 ** min(failures - 1, 10))
                log.warning("%s: batch failed (%r); retrying from the last commit in %.1f s", self.stage.name, exc, delay)
                stop_event.wait(delay)
                idle_since = time.monotonic()
                continue
            failures = 0
            now = time.monotonic()
            if handled or not self.consumer.assignment():  # idle = caught up, not "still joining the group"
                idle_since = now
            elif idle_timeout is not None and now - idle_since >= idle_timeout:
                return
            if now - self._last_lag_report >= LAG_REPORT_INTERVAL:
                self._report_lag()

    def run_once(self) -> int:
        """Poll one batch and see it through process → produce → flush → commit. Returns the records handled.

        Raises (after rewinding to the batch start) if producing or committing failed."""
        batch = self.consumer.poll(timeout_ms=self.poll_timeout_ms, max_records=self.max_records)
        if not batch:
            return 0
        try:
            outcomes = Counter()
            for messages in batch.values():
                for message in messages:
                    outcomes[self._handle(message)] += 1
            self.producer.flush(self.flush_timeout)
            self.consumer.commit(offsets=_next_offsets(batch), timeout_ms=self.commit_timeout_ms)
        except BaseException:
            self.producer.abandon()
            self._rewind(batch)
            raise
        count(self.stage.name, outcomes)
        return sum(outcomes.values())

    def _handle(self, message) -> str:
        """One input message → its outputs (queued, not yet acknowledged). Returns ok, dropped or failed."""
        handled = handle(self.stage, message.value, f"{message.topic}/{message.partition}@{message.offset}",
                         decode=True)
        if handled.outcome != OK:
            if handled.error is not None:
                self._dead_letter(message, handled.error)
            return handled.outcome
        try:
            payloads = [(out.key(), out.to_json()) for out in handled.outputs]
        except Exception as exc:  # an output that cannot be written is the stage's failure on this record
            self._dead_letter(message, exc)
            return FAILED
        if payloads and self.output_topic is None:
            if not self._warned_no_output:
                log.warning("%s has no output topic; its output records are discarded", self.stage.name)
                self._warned_no_output = True
            return OK
        for key, value in payloads:
            try:
                self.producer.send(self.output_topic, key, value)
            except MessageSizeTooLargeError as exc:  # permanent for this record; anything else retries the batch
                self._dead_letter(message, exc)
                return FAILED
        return OK

    def _dead_letter(self, message, exc: BaseException) -> None:
        log.warning("%s: %s/%s@%s to dead letters: %s: %.200s", self.stage.name, message.topic, message.partition,
                    message.offset, type(exc).__name__, exc)
        key = _key_text(message.key)
        if key is None or len(key) > dead_letters.KEY_CHARS:
            key = f"{message.topic}/{message.partition}/{message.offset}"
        payload = dead_letters.build_dead_letter(self.stage.name, message, exc, max_bytes=self.dead_letter_max_bytes,
                                                 data_dir=self.data_dir, record_key=key.encode("utf-8"))
        self.producer.send(self.dead_letter_topic, key, payload)

    def _rewind(self, batch) -> None:
        """Seek every still-assigned partition of a failed batch back to the batch start (= the last commit)."""
        try:
            assigned = self.consumer.assignment()
            for tp, messages in batch.items():
                if messages and tp in assigned:
                    self.consumer.seek(tp, messages[0].offset)
        except Exception:  # a rebalance in between: the new owner starts from the committed offset anyway
            log.exception("%s: rewind after a failed batch", self.stage.name)

    def _report_lag(self) -> None:
        """Set kafka_consumergroup_lag for the assigned partitions from this consumer's own view."""
        self._last_lag_report = time.monotonic()
        try:
            assigned = list(self.consumer.assignment())
            if not assigned:
                return
            ends = self.consumer.end_offsets(assigned, timeout_ms=2000)
            for tp in assigned:
                position = self.consumer.position(tp, timeout_ms=2000)
                metrics.consumer_lag.labels(self.group_id, tp.topic, str(tp.partition)).set(
                    max(0, ends[tp] - position)
                )
        except Exception as exc:
            log.debug("%s: lag report skipped: %r", self.stage.name, exc)

    def close(self) -> None:
        """Leave the group without committing (every finished batch is already committed; the LeaveGroup request
        hands this member's partitions to the others at once) and close the producer."""
        try:
            self.consumer.close(autocommit=False)
        finally:
            self.producer.close()


def stage_topics(topics: Topics, stage_name: str) -> tuple[str, str | None, str]:
    """(input, output or None, dead letters) of a stage, as bnwatch/topology.py declares them."""
    return (*topics.stage_io(stage_name), topics.dead_letter(stage_name))


def dead_letter_payload(stage: str, message, exc: BaseException, now: datetime | None = None, *,
                        max_bytes: int | None = None, data_dir: str | Path | None = None) -> bytes:
    """The dead-letter record: enough to see what failed and why, and to replay the original bytes later; never
    over `max_bytes` (Kafka's default 1 MB unless given): a bigger original is kept under `data_dir` by hash."""
    return dead_letters.build_dead_letter(stage, message, exc, data_dir=data_dir, now=now,
                                          max_bytes=max_bytes or dead_letters.KAFKA_DEFAULT_MAX_MESSAGE_BYTES)


def _default_data_dir(bootstrap: Connection) -> Path:
    if isinstance(bootstrap, str):
        from bnwatch.config import Settings

        return Path(Settings().data_dir)  # BNWATCH_DATA_DIR's default
    return Path(bootstrap.data_dir)


def _key_text(key: bytes | None) -> str | None:
    return key.decode("utf-8", errors="replace") if key is not None else None


def _next_offsets(batch) -> dict[TopicPartition, OffsetAndMetadata]:
    """Kafka's commit convention: the offset of the next record to read, per partition."""
    return {
        tp: OffsetAndMetadata(messages[-1].offset + 1, "", _epoch(messages[-1]))
        for tp, messages in batch.items()
        if messages
    }


def _epoch(message) -> int:
    epoch = getattr(message, "leader_epoch", None)
    return epoch if epoch is not None else -1


def install_stop_signals(stop_event: threading.Event) -> dict:
    """SIGTERM and SIGINT set `stop_event` (a graceful stop); returns the previous handlers. Main thread only."""
    previous = {}

    def _stop(signum, _frame):
        log.info("signal %s: stopping after the current batch", signal.Signals(signum).name)
        stop_event.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, _stop)
    return previous


def run_stage(
    stage: Stage,
    settings,
    stop_event: threading.Event,
    idle_timeout: float | None = None,
    create_topics: bool = True,
    partitions: int | None = None,
    **runner_options,
) -> None:
    """`bnwatch consume STAGE`: run one stage against `settings.kafka_bootstrap` until stopped, then close it.

    The broker does not auto-create topics, so by default the stage's own topics are created if missing."""
    if not settings.kafka_bootstrap:
        raise ValueError("run_stage needs settings.kafka_bootstrap (KAFKA_BOOTSTRAP_SERVERS)")
    topics = Topics(settings.topic_prefix)
    if create_topics:
        names = [name for name in stage_topics(topics, stage.name) if name]
        ensure_topics(settings, names, partitions=partitions)
    runner = KafkaStageRunner(stage, settings, topics, **runner_options)
    try:
        runner.run(stop_event, idle_timeout=idle_timeout)
    finally:
        try:
            runner.close()
        finally:
            stage.close()
