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
processing raises goes to the stage's dead-letter topic with the error, and the runner goes on. `Drop` is a
handled record with no output.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import signal
import threading
import time
import traceback
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import MessageSizeTooLargeError
from kafka.structs import OffsetAndMetadata

from bnwatch import metrics
from bnwatch.kafka_client import BoundedProducer, ensure_topics, make_producer
from bnwatch.topics import Topics
from consumers.stage import Drop, Stage

log = logging.getLogger(__name__)

TRACEBACK_LINES = 20
#: a dead letter carries the original bytes whole up to this size; a larger value (base64 makes it 4/3 bigger)
#: would not fit in a Kafka record (MAX_MESSAGE_BYTES) and, failing to send, would stall the stage on that
#: record forever: it keeps its first DEAD_LETTER_VALUE_HEAD bytes, its size and its SHA-256 instead
DEAD_LETTER_VALUE_MAX = 32 * 1024 * 1024
DEAD_LETTER_VALUE_HEAD = 1024 * 1024
LAG_REPORT_INTERVAL = 15.0


class KafkaStageRunner:
    """Connects one `Stage` to its input, output and dead-letter topics (see the module docstring for the
    delivery guarantee). One runner = one consumer in the group `<prefix><stage>`; run more to scale by
    partitions."""

    def __init__(
        self,
        stage: Stage,
        bootstrap: str,
        topics: Topics,
        group_id: str | None = None,
        poll_timeout_ms: int = 500,
        max_records: int = 100,
        consumer_config: dict[str, Any] | None = None,
        producer_config: dict[str, Any] | None = None,
        commit_timeout_ms: int = 30_000,
        flush_timeout: float = 60.0,
        max_backoff: float = 30.0,
    ):
        self.stage = stage
        self.topics = topics
        metrics.start_stage_series(stage.name)
        self.input_topic, self.output_topic = topics.stage_io(stage.name)
        self.dead_letter_topic = topics.dead_letter(stage.name)
        self.group_id = group_id or f"{topics.prefix}{stage.name}"
        self.poll_timeout_ms = poll_timeout_ms
        self.max_records = max_records
        self.commit_timeout_ms = commit_timeout_ms
        self.flush_timeout = flush_timeout
        self.max_backoff = max_backoff
        self.consumer = KafkaConsumer(
            self.input_topic,
            **{
                "bootstrap_servers": bootstrap,
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
        for outcome, count in outcomes.items():
            metrics.records_processed.labels(self.stage.name, outcome).inc(count)
        if outcomes["failed"]:
            metrics.dead_letters.labels(self.stage.name).inc(outcomes["failed"])
        return sum(outcomes.values())

    def _handle(self, message) -> str:
        """One input message → its outputs (queued, not yet acknowledged). Returns ok, dropped or failed."""
        began = time.perf_counter()
        try:
            record = self.stage.input_type.from_json(message.value)
            outputs = self.stage.process(record)
            payloads = [(out.key(), out.to_json()) for out in outputs or ()]
        except Drop as drop:
            log.debug("%s: dropped %s/%s@%s: %s", self.stage.name, message.topic, message.partition,
                      message.offset, drop.reason)
            return "dropped"
        except Exception as exc:  # RecordError (poison message) or a bug in the stage: dead letter, go on
            self._dead_letter(message, exc)
            return "failed"
        finally:
            metrics.stage_duration.labels(self.stage.name).observe(time.perf_counter() - began)
        if payloads and self.output_topic is None:
            if not self._warned_no_output:
                log.warning("%s has no output topic; its output records are discarded", self.stage.name)
                self._warned_no_output = True
            return "ok"
        for key, value in payloads:
            try:
                self.producer.send(self.output_topic, key, value)
            except MessageSizeTooLargeError as exc:  # permanent for this record; anything else retries the batch
                self._dead_letter(message, exc)
                return "failed"
        return "ok"

    def _dead_letter(self, message, exc: BaseException) -> None:
        log.warning("%s: %s/%s@%s to dead letters: %s: %s", self.stage.name, message.topic, message.partition,
                    message.offset, type(exc).__name__, exc)
        key = _key_text(message.key) or f"{message.topic}/{message.partition}/{message.offset}"
        self.producer.send(self.dead_letter_topic, key, dead_letter_payload(self.stage.name, message, exc))

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
        """Leave the group without committing (every finished batch is already committed) and close the producer."""
        try:
            self.consumer.close(autocommit=False)
        finally:
            self.producer.close()


def dead_letter_payload(stage: str, message, exc: BaseException, now: datetime | None = None) -> bytes:
    """The dead-letter record: enough to see what failed and why, and to replay the original bytes later."""
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).splitlines()[-TRACEBACK_LINES:]
    value = message.value if message.value is not None else b""
    size = len(value)
    truncated = size > DEAD_LETTER_VALUE_MAX
    if truncated:
        digest = hashlib.sha256(value).hexdigest()
        value = value[:DEAD_LETTER_VALUE_HEAD]
    doc = {
        "kind": "dead_letter",
        "stage": stage,
        "topic": message.topic,
        "partition": message.partition,
        "offset": message.offset,
        "key": _key_text(message.key),
        "value": base64.b64encode(value).decode("ascii"),
        "value_size": size,
        "value_truncated": truncated,
        "error_type": type(exc).__name__,
        "error": str(exc)[:10_000],
        "traceback": "\n".join(tb),
        "record_timestamp_ms": getattr(message, "timestamp", None),
        "timestamp": (now or datetime.now(timezone.utc)).isoformat(timespec="milliseconds"),
    }
    if truncated:
        doc["value_sha256"] = digest
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


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
    partitions: int = 3,
    **runner_options,
) -> None:
    """`bnwatch consume STAGE`: run one stage against `settings.kafka_bootstrap` until stopped, then close it.

    The broker does not auto-create topics, so by default the stage's own topics are created if missing."""
    if not settings.kafka_bootstrap:
        raise ValueError("run_stage needs settings.kafka_bootstrap (KAFKA_BOOTSTRAP_SERVERS)")
    topics = Topics(settings.topic_prefix)
    if create_topics:
        names = [name for name in topics.stage_io(stage.name) if name] + [topics.dead_letter(stage.name)]
        ensure_topics(settings.kafka_bootstrap, names, partitions=partitions)
    runner = KafkaStageRunner(stage, settings.kafka_bootstrap, topics, **runner_options)
    try:
        runner.run(stop_event, idle_timeout=idle_timeout)
    finally:
        try:
            runner.close()
        finally:
            stage.close()
