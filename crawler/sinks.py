"""Where published RawPages go. A sink takes a page and calls `done(error_or_None)` once it is durably taken."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Protocol

from bnwatch.config import Settings
from bnwatch.records import RawPage
from bnwatch.topics import Topics

Done = Callable[[BaseException | None], None]


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
    """The raw-pages topic: key = canonical URL; the bounded producer blocks rather than letting sends expire."""

    def __init__(self, bootstrap: str, topic: str):
        from bnwatch.kafka_client import BoundedProducer

        self.topic = topic
        # built from the bootstrap string so it can replace a producer that a failed batch left unusable
        self.producer = BoundedProducer(bootstrap)

    def publish(self, page: RawPage, done: Done) -> None:
        future = self.producer.send(self.topic, page.key(), page.to_json())
        future.add_callback(lambda _meta: done(None))
        future.add_errback(lambda exc: done(exc))

    def flush(self) -> None:
        self.producer.flush()

    def close(self) -> None:
        self.producer.close()


def sink_from_settings(settings: Settings) -> Sink:
    if settings.kafka_bootstrap:
        return KafkaSink(settings.kafka_bootstrap, Topics(settings.topic_prefix).raw_pages)
    return JsonlSink(settings.data_dir / "spool" / "raw-pages.jsonl")
