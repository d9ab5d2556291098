"""Politeness that Scrapy does not do by itself: robots.txt Crawl-delay, and per-outlet delay/concurrency from the
outlet file's `crawl:` section.

Scrapy's RobotsTxtMiddleware obeys Allow/Disallow but ignores Crawl-delay ("Scrapy does not act on its
Crawl-delay and Request-rate directives"). Scrapy 2.19 sends a `robots_parsed` signal with the parser, and its
parsers (Protego by default) answer `crawl_delay(user_agent)`; this middleware listens to it and keeps the
delay per host. It runs right after RobotsTxtMiddleware (which has fetched and parsed the host's robots.txt by
the time a request reaches us), works out the floor for the request's download slot —

    max(Crawl-delay of the hosts seen in the slot, the outlet's crawl.download_delay)

— and makes the slot honour it. AutoThrottle and the delay jitter would otherwise lower a slot's delay below
the floor (AutoThrottle adjusts `slot.delay` down to DOWNLOAD_DELAY, jitter draws ±50 % around it), so the slot
is replaced, while idle, by a `FlooredSlot` whose effective delay never goes below the floor; AutoThrottle can
still raise it.

Outlet `crawl:` keys read here: `download_delay` (seconds between requests) and `concurrency` (parallel
requests), applied to the outlet's slot. The spider puts every request of an outlet into one slot named after
the outlet's domain (request.meta['download_slot']), so www. and bare hosts and aliases share one budget.

Settings: ROBOTSTXT_CRAWL_DELAY (default True: obey it; needs ROBOTSTXT_OBEY), ROBOTSTXT_CRAWL_DELAY_MAX (0 = no
cap; a larger Crawl-delay is capped and logged), OUTLET_CRAWL_OVERRIDES (default True; the replay turns it off).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.core.downloader import Slot
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached

from bnwatch import metrics

logger = logging.getLogger(__name__)


class FlooredSlot(Slot):
    """A download slot whose effective delay (after jitter) is never below `floor` seconds."""

    def __init__(self, concurrency: int, delay: float, jitter: float, floor: float):
        super().__init__(concurrency, delay, jitter)
        self.floor = floor

    def download_delay(self) -> float:
        return max(self.floor, super().download_delay())


def _floor_of(value) -> float:
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 0.0


class PolitenessMiddleware:
    def __init__(self, crawler):
        s = crawler.settings
        self.crawler = crawler
        self.obey_crawl_delay = s.getbool("ROBOTSTXT_OBEY") and s.getbool("ROBOTSTXT_CRAWL_DELAY", True)
        self.use_outlet = s.getbool("OUTLET_CRAWL_OVERRIDES", True)
        if not (self.obey_crawl_delay or self.use_outlet):
            raise NotConfigured
        self.max_crawl_delay = s.getfloat("ROBOTSTXT_CRAWL_DELAY_MAX", 0.0)
        self.user_agent = s.get("ROBOTSTXT_USER_AGENT") or s.get("USER_AGENT") or ""
        #: Crawl-delay per netloc (host[:port]) as robots.txt gives it for our user agent
        self.host_delay: dict[str, float] = {}
        #: the floor per download-slot key
        self.slot_floor: dict[str, float] = {}
        self.slot_concurrency: dict[str, int] = {}
        if self.obey_crawl_delay:
            crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # -- robots ----------------------------------------------------------------------------------------------
    def robots_parsed(self, robotparser, request):
        netloc = urlparse_cached(request).netloc
        ua = request.headers.get(b"User-Agent") or self.user_agent
        try:
            delay = robotparser.crawl_delay(ua)
        except Exception:  # noqa: BLE001 - a parser without crawl_delay, or a broken robots.txt
            delay = None
        before = self.host_delay.get(netloc, 0.0)
        if not delay or delay <= 0:
            self.host_delay.pop(netloc, None)
            if before:  # a re-read robots.txt dropped its Crawl-delay: floors are worked out again
                self.slot_floor.clear()
                logger.info("robots.txt of %s: no Crawl-delay any more", netloc)
                if request.meta.get("outlet"):
                    metrics.robots_crawl_delay.labels(request.meta["outlet"]).set(0)
            return
        delay = float(delay)
        if self.max_crawl_delay and delay > self.max_crawl_delay:
            logger.warning("robots.txt of %s asks for Crawl-delay %.1f s; capped at ROBOTSTXT_CRAWL_DELAY_MAX %.1f s",
                           netloc, delay, self.max_crawl_delay)
            delay = self.max_crawl_delay
        elif delay > 60:
            logger.warning("robots.txt of %s asks for Crawl-delay %.0f s: obeyed, so this outlet will be slow",
                           netloc, delay)
        else:
            logger.info("robots.txt of %s: Crawl-delay %.2f s", netloc, delay)
        self.host_delay[netloc] = delay
        if delay < before:  # a re-read robots.txt lowered it
            self.slot_floor.clear()
        outlet = request.meta.get("outlet")
        if outlet:
            metrics.robots_crawl_delay.labels(outlet).set(delay)

    # -- requests --------------------------------------------------------------------------------------------
    def _outlet_crawl(self, request) -> dict:
        outlet_id = request.meta.get("outlet")
        registry = getattr(self.crawler.spider, "registry", None)
        if not (self.use_outlet and outlet_id and registry is not None and outlet_id in registry):
            return {}
        return registry.get(outlet_id).crawl or {}

    def process_request(self, request, spider=None):
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        floor = self.slot_floor.get(key, 0.0)
        if self.obey_crawl_delay:
            floor = max(floor, self.host_delay.get(urlsplit(request.url).netloc, 0.0))
        crawl = self._outlet_crawl(request)
        if crawl:
            floor = max(floor, _floor_of(crawl.get("download_delay", crawl.get("delay"))))
            conc = crawl.get("concurrency", crawl.get("concurrent_requests"))
            if conc:
                self.slot_concurrency[key] = max(1, int(conc))
        if floor <= 0 and key not in self.slot_concurrency and not isinstance(downloader.slots.get(key), FlooredSlot):
            return None
        self.slot_floor[key] = floor
        self._apply(downloader, key)
        return None

    def _apply(self, downloader, key: str) -> None:
        floor = self.slot_floor.get(key, 0.0)
        conc = self.slot_concurrency.get(key)
        slot = downloader.slots.get(key)
        if isinstance(slot, FlooredSlot):
            if floor < slot.floor:  # the floor came down (robots.txt re-read): so does the delay it had raised
                settings = downloader.per_slot_settings.get(key, {})
                slot.delay = max(floor, settings.get("delay", downloader._delay))
            slot.floor = floor
            if conc:
                slot.concurrency = conc
            return
        if slot is None or not (slot.active or slot.queue or slot.transferring):
            # new or idle: (re)create it as a FlooredSlot, keeping when it last sent a request
            settings = downloader.per_slot_settings.get(key, {})
            concurrency = conc or settings.get("concurrency") or downloader.ip_concurrency or downloader.domain_concurrency
            delay = max(floor, settings.get("delay", downloader._delay))
            new = FlooredSlot(concurrency, delay, settings.get("jitter", downloader._jitter), floor)
            if slot is not None:
                new.lastseen = slot.lastseen
                slot.close()
            downloader.slots[key] = new
            return
        # busy plain slot (rare: created before we saw it): raise its delay; AutoThrottle may lower it again
        # until it goes idle and is replaced
        slot.delay = max(slot.delay, floor)
        if conc:
            slot.concurrency = conc
