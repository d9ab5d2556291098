"""`bnwatch dead-letters replay STAGE`: send a stage's dead letters back to the topic they came from, so the
stage tries them again (after a fix). The original key and bytes are byte-identical to what failed: from the
record, or from the files under the data directory that the record names when they did not fit (bnwatch.dead_letters).

Every record of the dead-letter topic is replayed, oldest first; the stages downstream are idempotent, so a record
replayed twice does no harm. A dead letter whose original cannot be recovered (a value or key file missing or
changed, a key cut with no copy kept) is reported, never sent in part.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from bnwatch.kafka_client import Connection, connection, make_producer
from bnwatch.topics import Topics
from bnwatch.dead_letters import original_key, original_value


@dataclass
class ReplayReport:
    replayed: int = 0
    from_files: int = 0
    #: one line per dead letter that was not replayed: "<topic>/<partition>@<offset>: why"
    problems: list[str] = field(default_factory=list)


def read_dead_letters(target: Connection, topic: str, timeout: float = 30.0) -> list[Any]:
    """Every record of `topic` up to its current end, oldest first per partition."""
    consumer = KafkaConsumer(**connection(target), group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return []
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(partitions)
        records: list[Any] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic}: not read to its end within {timeout:g} s")
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(r for r in batch if r.offset < ends[TopicPartition(r.topic, r.partition)])
        return records
    finally:
        consumer.close()


def replay_dead_letters(target: Connection, topics: Topics, stage: str, data_dir: str | Path,
                        timeout: float = 30.0) -> ReplayReport:
    """Re-send every dead letter of `stage` to its original topic with its original key and bytes."""
    report = ReplayReport()
    originals = []  # (where, from a file, topic, key, value): all read before anything is sent
    for record in read_dead_letters(target, topics.dead_letter(stage), timeout):
        where = f"{record.topic}/{record.partition}@{record.offset}"
        try:
            doc = json.loads(record.value)
            if not isinstance(doc, dict) or doc.get("kind") != "dead_letter" or not doc.get("topic"):
                raise ValueError("not a bnwatch dead letter")
            key = original_key(doc, data_dir)
            value = original_value(doc, data_dir)
        except ValueError as exc:  # json.JSONDecodeError and binascii.Error are ValueErrors too
            report.problems.append(f"{where}: {exc}")
            continue
        originals.append((where, bool(doc.get("value_file")), doc["topic"], key, value))
    if not originals:
        return report
    producer = make_producer(target)
    try:
        sent = [(where, from_file, producer.send(topic, key=key, value=value))
                for where, from_file, topic, key, value in originals]
        producer.flush(timeout)
        for where, from_file, future in sent:
            try:
                future.get(timeout)
            except Exception as exc:  # noqa: BLE001 - e.g. MessageSizeTooLargeError: say which one and go on
                report.problems.append(f"{where}: not sent: {type(exc).__name__}: {exc}")
                continue
            report.replayed += 1
            report.from_files += from_file
    finally:
        producer.close()
    return report
