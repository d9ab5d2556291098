"""Where published RawPages go. A sink takes a page and calls `done(error_or_None)` once it is durably taken."""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Protocol

from bnwatch import metrics
from bnwatch.config import Settings
from bnwatch.dead_letters import RECORD_OVERHEAD, keep_original
from bnwatch.records import RawPage
from bnwatch.topics import Topics

Done = Callable[[BaseException | None], None]


class DeadLettered(Exception):
    """The outcome `done` hears for a page taken durably to the dead-letter topic, not to raw-pages: the crawler
    marks it seen (it is kept, replayable) but does not count it as published."""

log = logging.getLogger(__name__)


class Sink(Protocol):
    def publish(self, page: RawPage, done: Done) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


class CallableSink:
    """In-process sink: hands each page to a function. With `acknowledges=True` the function takes `done` too
    and calls it once the page went all the way through (the embedded pipeline), so the crawler marks a page
    published only after it was processed."""

    def __init__(self, put: Callable[..., None], acknowledges: bool = False):
        self._put = put
        self._acknowledges = acknowledges

    def publish(self, page: RawPage, done: Done) -> None:
        if self._acknowledges:
            self._put(page, done)
        else:
            self._put(page)
            done(None)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class JsonlSink:
    """A spool file, for `scrapy crawl` without Kafka or an embedded pipeline."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("ab")
        self._lock = threading.Lock()

    def publish(self, page: RawPage, done: Done) -> None:
        with self._lock:
            self._fh.write(page.to_json() + b"\n")
        done(None)

    def flush(self) -> None:
        with self._lock:
            self._fh.flush()

    def close(self) -> None:
        with self._lock:
            self._fh.close()


class KafkaSink:
    """The raw-pages topic: key = canonical URL; the bounded producer blocks rather than letting sends expire.

    A page larger than the topic takes (BNWATCH_RAW_PAGES_MAX_BYTES, the topic's max.message.bytes) is not sent:
    it is kept whole under `<data dir>/dead-letters/crawl/<sha256>.bin`, a small record naming it (hash, size,
    URL) goes to `<prefix>dead-letter.crawl` in the stages' dead-letter format (bnwatch/dead_letters.py writes the
    original the same way and reads it back with `original_value`), and `bnwatch_dead_letter_records{stage="crawl"}`
    counts it once that record is acknowledged; then `done(DeadLettered(...))` is called, so the seen-store does not
    fetch the page again until it changes, and it is not counted as published.
    """

    #: the raw-pages producer's settings over make_producer's (acks=all, idempotent, lz4, 1 MB batches): a 100 ms
    #: linger gathers a crawl burst into a few batches per partition, where 5 ms made nearly every page its own
    #: batch, produce request and sender wake-up. kafka-python frames and sends in a thread that shares the GIL
    #: with the crawl; it used 0.5–0.6 s of CPU per 1000 pages at 5 ms and 0.15 s at 100 ms
    #: (bench/results/crawl_throughput.md). A page waits at most 100 ms longer for its acknowledgement (the
    #: seen-store mark follows it, as before); flush() at the end of a crawl sends at once.
    PRODUCER_CONFIG = {"linger_ms": 100}

    def __init__(self, bootstrap, topic: str, dead_letter_topic: str | None = None, data_dir: Path | None = None,
                 max_bytes: int | None = None):
        from bnwatch.kafka_client import MAX_MESSAGE_BYTES, BoundedProducer, make_producer

        self.topic = topic
        config = dict(self.PRODUCER_CONFIG)
        # built from the bootstrap string or Settings so it can replace a producer that a failed batch left unusable
        self.producer = BoundedProducer(lambda: make_producer(bootstrap, **config))
        self._target = bootstrap
        self._dead_letter_topic_ready = False
        self.max_bytes = max_bytes or (
            MAX_MESSAGE_BYTES if isinstance(bootstrap, str) else int(bootstrap.raw_pages_max_bytes))
        self.dead_letter_topic = dead_letter_topic
        self.dead_letter_dir = Path(data_dir) / "dead-letters" / "crawl" if data_dir is not None else None

    def publish(self, page: RawPage, done: Done) -> None:
        from kafka.errors import MessageSizeTooLargeError

        value = page.to_json()
        key = page.key()
        if len(value) + len(key.encode("utf-8")) + RECORD_OVERHEAD > self.max_bytes:
            self._dead_letter(page, value, done)
            return
        try:
            future = self.producer.send(self.topic, key, value)
        except MessageSizeTooLargeError:  # the producer's own estimate is larger than ours: the same outcome
            self._dead_letter(page, value, done)
            return
        future.add_callback(lambda _meta: done(None))
        future.add_errback(lambda exc: done(exc))

    def _dead_letter(self, page: RawPage, value: bytes, done: Done) -> None:
        if self.dead_letter_topic is None or self.dead_letter_dir is None:
            metrics.dead_letters.labels("crawl").inc()
            done(ValueError(f"page of {len(value)} bytes is over the {self.max_bytes}-byte record limit"))
            return
        digest = keep_original(self.dead_letter_dir, value)  # fsync'd, renamed into place: never half a file
        record = {
            "kind": "dead_letter",
            "stage": "crawl",
            "topic": self.topic,
            "partition": None,
            "offset": None,
            "key": page.key(),
            "url": page.url,
            "outlet": page.outlet,
            "value": "",
            "value_size": len(value),
            "value_sha256": digest,
            "value_file": f"dead-letters/crawl/{digest}.bin",
            "error_type": "MessageSizeTooLargeError",
            "error": f"RawPage record of {len(value)} bytes is over the raw-pages limit of {self.max_bytes} bytes "
                     "(BNWATCH_RAW_PAGES_MAX_BYTES)",
            "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        }
        log.warning("crawl: %s (%d bytes) over the %d-byte limit: dead-lettered, page kept as %s", page.url,
                    len(value), self.max_bytes, record["value_file"])
        payload = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if not self._dead_letter_topic_ready:  # not among Topics.all(): created when first needed
            from bnwatch.kafka_client import ensure_topics

            ensure_topics(self._target, [self.dead_letter_topic])
            self._dead_letter_topic_ready = True
        future = self.producer.send(self.dead_letter_topic, page.key(), payload)
        future.add_callback(lambda _meta: (metrics.dead_letters.labels("crawl").inc(),
                                           done(DeadLettered(record["error"]))))
        future.add_errback(lambda exc: done(exc))

    def flush(self) -> None:
        self.producer.flush()

    def close(self) -> None:
        self.producer.close()


def sink_from_settings(settings: Settings) -> Sink:
    if settings.kafka_bootstrap:
        topics = Topics(settings.topic_prefix)
        return KafkaSink(settings, topics.raw_pages, topics.dead_letter("crawl"), settings.data_dir)
    return JsonlSink(settings.data_dir / "spool" / "raw-pages.jsonl")
