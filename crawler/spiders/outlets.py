"""The one generic spider: every outlet in the registry is crawled by it, driven by the outlet's data file.

    scrapy crawl outlets                         # every outlet, one pass
    scrapy crawl outlets -a outlets=dailyinqilab -a follow=1

One pass fetches each discovery source, follows the article URLs it lists that the seen-store has not published
(or whose stamp changed), and yields one RawPage per fetched article. In follow mode the spider stays open and
polls each source again every POLL_INTERVAL seconds (Scrapy's `spider_idle` signal drives the polls).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from w3lib.url import canonicalize_url

from bnwatch import metrics
from bnwatch.outlets import DiscoverySource, Outlet, Registry, default_registry
from bnwatch.records import RawPage
from crawler.challenge import challenge_reason
from crawler.discovery import DiscoveryError, discover
from crawler.seen import SeenStore

KEPT_HEADERS = ("content-type", "last-modified", "etag", "content-language", "date")


def utcnow_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class OutletsSpider(scrapy.Spider):
    name = "outlets"
    custom_settings: dict = {}

    def __init__(self, outlets: str = "all", follow: str | bool = False, poll_interval: str | float | None = None,
                 registry: Registry | None = None, seen: SeenStore | None = None, sink=None,
                 outlet_filter=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.registry = registry or default_registry()
        wanted = [o.strip() for o in str(outlets).split(",") if o.strip()]
        if wanted in ([], ["all"]):
            self.outlets = list(self.registry)
        else:
            self.outlets = [self.registry.get(o) for o in wanted]
        self.follow = str(follow).lower() in ("1", "true", "yes", "on")
        self._poll_interval_arg = float(poll_interval) if poll_interval not in (None, "") else None
        self.seen = seen
        #: where RawPages go when the caller wires one in (the embedded pipeline); else the pipeline's default
        self.sink = sink
        #: which outlets this instance polls now (scale-out: the outlets Kafka assigned to it); None = all
        self.outlet_filter = outlet_filter
        self._next_poll: dict[tuple[str, str], float] = {}
        self._stamps: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.seen is None:
            data_dir = crawler.settings.get("BNWATCH_SETTINGS").data_dir
            spider.seen = SeenStore(data_dir / "crawler" / "seen.sqlite")
        spider.poll_interval = spider._poll_interval_arg or crawler.settings.getfloat("POLL_INTERVAL")
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    # -- discovery -------------------------------------------------------------------------------------------

    def discovery_request(self, outlet: Outlet, source: DiscoverySource, url: str | None = None) -> scrapy.Request:
        self._next_poll[(outlet.id, source.url)] = time.monotonic() + (source.interval or self.poll_interval)
        return scrapy.Request(
            url or source.url,
            callback=self.parse_discovery,
            errback=self.discovery_failed,
            dont_filter=True,
            priority=10,
            meta={"outlet": outlet.id, "source": source, "playwright": False},
        )

    def owned(self, outlet: Outlet) -> bool:
        return self.outlet_filter is None or bool(self.outlet_filter(outlet.id))

    async def start(self):
        for outlet in self.outlets:
            if not self.owned(outlet):
                continue
            for source in outlet.discovery:
                yield self.discovery_request(outlet, source)

    def parse_discovery(self, response):
        outlet = self.registry.get(response.meta["outlet"])
        source: DiscoverySource = response.meta["source"]
        try:
            found = discover(outlet, source, response.body, response.url)
        except DiscoveryError as exc:
            metrics.discovery_runs.labels(outlet.id, source.type, "invalid").inc()
            self.logger.warning("discovery %s %s: %s", outlet.id, response.url, exc)
            return
        metrics.discovery_runs.labels(outlet.id, source.type, "ok").inc()
        metrics.last_discovery.labels(outlet.id).set(time.time())
        discovered_at = utcnow_iso()
        for d in found:
            if d.is_source:
                yield scrapy.Request(d.url, callback=self.parse_discovery, errback=self.discovery_failed,
                                     meta={"outlet": outlet.id, "source": source, "playwright": False})
                continue
            if not self.seen.needs_fetch(d.url, d.stamp):
                continue
            metrics.articles_discovered.labels(outlet.id).inc()
            self._stamps[d.url] = d.stamp
            yield scrapy.Request(
                d.url,
                callback=self.parse_article,
                errback=self.article_failed,
                meta={
                    "outlet": outlet.id,
                    "discovery": source.type,
                    "discovered_at": discovered_at,
                    "stamp": d.stamp,
                    "playwright": outlet.javascript,
                },
            )

    def discovery_failed(self, failure):
        request = failure.request
        metrics.discovery_runs.labels(request.meta["outlet"], request.meta["source"].type, "error").inc()
        self.logger.warning("discovery failed %s: %s", request.url, failure.value)

    # -- articles --------------------------------------------------------------------------------------------

    def parse_article(self, response):
        outlet_id = response.meta["outlet"]
        reason = challenge_reason(response.status, response.body)
        if reason:
            metrics.challenge_pages.labels(outlet_id).inc()
            self.logger.warning("challenge page (%s) at %s: not published", reason, response.url)
            return
        headers = {}
        for name in KEPT_HEADERS:
            value = response.headers.get(name)
            if value is not None:
                headers[name] = value.decode("latin-1")
        content_type = headers.get("content-type", "")
        declared = None
        if "charset=" in content_type.lower():
            declared = content_type.lower().split("charset=", 1)[1].split(";")[0].strip().strip("\"'") or None
        yield RawPage(
            url=response.url,
            canonical_url=canonicalize_url(response.url),
            outlet=outlet_id,
            fetched_at=utcnow_iso(),
            status=response.status,
            headers=headers,
            declared_encoding=declared,
            body=response.body,
            discovery=response.meta.get("discovery", "link"),
            discovered_at=response.meta.get("discovered_at"),
        )

    def stamp_for(self, url: str) -> str | None:
        """The discovery stamp an article was fetched under (recorded in the seen-store once published)."""
        return self._stamps.pop(url, None)

    def article_failed(self, failure):
        self.logger.warning("article fetch failed %s: %s", failure.request.url, failure.value)

    # -- follow mode -----------------------------------------------------------------------------------------

    def on_idle(self, spider):
        if spider is not self or not self.follow:
            return
        now = time.monotonic()
        for outlet in self.outlets:
            if not self.owned(outlet):
                continue
            for source in outlet.discovery:
                if self._next_poll.get((outlet.id, source.url), 0) <= now:
                    self.crawler.engine.crawl(self.discovery_request(outlet, source))
        raise DontCloseSpider("follow mode: polling discovery sources")

    def closed(self, reason):
        # the seen-store is closed by whoever owns it (the CLI or the test); in-flight acks may still mark pages
        pass
