"""The publishing pipeline: every RawPage the spider yields goes to the configured sink.

The sink is the one the spider was given (the embedded pipeline's in-process queue, wired in by `bnwatch run`;
objects cannot travel in Scrapy settings, which are deep-copied), else Kafka's raw-pages topic when a
bootstrap server is configured (key = canonical URL, acks=all, compressed, flushed on close), else a JSON-lines
spool file. A page is marked published in the seen-store only when
the sink acknowledged it, so a failed publish is fetched and published again later rather than lost.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from bnwatch import metrics
from bnwatch.records import RawPage
from crawler.sinks import DeadLettered, Sink, sink_from_settings

logger = logging.getLogger(__name__)


class PublishPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.settings = crawler.settings.get("BNWATCH_SETTINGS")
        self.sink: Sink | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.sink = getattr(spider, "sink", None) or sink_from_settings(self.settings)

    def process_item(self, item, spider=None):
        if not isinstance(item, RawPage):
            return item
        spider = spider or self.crawler.spider
        seen = getattr(spider, "seen", None)
        # a spider that compared the page with the seen-store itself (checks_content) is not asked again
        checked = getattr(spider, "checks_content", False)
        if seen is not None and not checked and seen.is_unchanged(item.url, item.body):
            raise DropItem(f"unchanged since last published: {item.url}")
        stamp = spider.stamp_for(item.url) if hasattr(spider, "stamp_for") else None

        def acknowledged(error: BaseException | None) -> None:
            if isinstance(error, DeadLettered):  # kept and counted by the sink: seen, but not published
                if seen is not None:
                    seen.mark_published(item.url, stamp, item.body)
                return
            if error is not None:
                metrics.publish_failures.labels(item.outlet).inc()
                logger.error("publish failed for %s: %r", item.url, error)
                return
            metrics.items_published.labels(item.outlet).inc()
            if seen is not None:
                seen.mark_published(item.url, stamp, item.body)

        try:
            self.sink.publish(item, acknowledged)
        except Exception as exc:
            metrics.publish_failures.labels(item.outlet).inc()
            raise DropItem(f"publish failed for {item.url}: {exc!r}") from exc
        return item

    def close_spider(self, spider=None):
        if self.sink is None:
            return
        try:
            self.sink.flush()
        finally:
            self.sink.close()
