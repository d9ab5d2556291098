"""The one generic spider: every outlet in the registry is crawled by it, driven by the outlet's data file.

    scrapy crawl outlets                         # every outlet, one pass
    scrapy crawl outlets -a outlets=dailyinqilab -a follow=1

One pass fetches each discovery source, follows the article URLs it lists that the seen-store has not published
(or whose stamp changed), and yields one RawPage per fetched article whose content is new or changed.

Follow mode (`bnwatch crawl --follow`, `bnwatch run`) keeps the spider open and polls each source on its own
adaptive interval (crawler/schedule.py): shorter while it keeps yielding new articles, longer while it does not,
within per-source bounds; backed off after failures. A timer (POLL_TICK) starts the polls that are due, so a busy
crawl does not delay them. Polls are conditional GETs (If-None-Match / If-Modified-Since with the validators of
the last complete poll); a 304 is a successful, empty poll. The schedule and the validators live in SQLite next
to the seen-store, so a restart resumes the schedule.

Validators of a poll are stored only once every article it led to was published (acknowledged by the sink) or
found unchanged; if one failed, they are cleared, so the next poll is a full GET that lists it again instead of
a 304 that would hide it.

Articles are requested with dont_filter (Scrapy's dupefilter would drop an article whose stamp changed within one
run); the spider de-duplicates itself: a URL already in flight (requested, not yet acknowledged) is not requested
again. An article published before is requested conditionally (its stored ETag / Last-Modified), and published
again only if its content fingerprint changed (crawler/seen.py). Recently published articles are re-checked at
RECHECK_AFTER ages (default +1 h, +6 h, +24 h) so an edit that no discovery source stamps is still caught.

Every request of an outlet goes to one download slot named after the outlet's domain (per-outlet politeness:
crawler/middlewares/politeness.py); article requests let 304 and challenge statuses (401/403/429/503) through to
the callback, which counts and drops challenges instead of publishing them.
"""

from __future__ import annotations

import os

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from twisted.python.threadable import isInIOThread
from w3lib.url import canonicalize_url

from bnwatch import metrics
from bnwatch.extract import fingerprint_v3 as content_fingerprint
from bnwatch.outlets import DiscoverySource, Outlet, Registry, default_registry
from bnwatch.records import RawPage
from crawler.challenge import challenge_reason
from crawler.discovery import DiscoveryError, discover
from crawler.middlewares.redirect_guard import OFFSITE_LINK, refusal
from crawler.schedule import Bounds, Schedule, SourceState, adapt_interval, next_delay
from crawler.seen import DEFAULT_RECHECK_AFTER, SeenStore

KEPT_HEADERS = ("content-type", "last-modified", "etag", "content-language", "date")
ARTICLE_STATUSES = [304, 401, 403, 404, 410, 429, 503]
GONE = (404, 410)


def utcnow_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _header(response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value is not None else None


@dataclass(eq=False)
class _Poll:
    """One poll of one discovery source: its documents (the source, and child sitemaps) and the articles it sent
    for. Validators are stored when all of them are done and nothing failed."""

    outlet: str
    source: DiscoverySource
    label: str
    started: float
    docs_pending: int = 1
    docs: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    articles: set[str] = field(default_factory=set)
    new: int = 0
    doc_failed: bool = False
    article_failed: bool = False
    children: list[str] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.outlet, self.source.url


@dataclass
class _InFlight:
    outlet: str
    stamp: str | None
    started: float
    update: bool = False
    recheck: bool = False
    item_url: str | None = None


class OutletsSpider(scrapy.Spider):
    name = "outlets"
    custom_settings: dict = {}
    #: parse_article compares every page with the seen-store (fingerprint, else the bytes) before yielding it, so
    #: the publishing pipeline does not hash and look the page up again
    checks_content = True

    def __init__(self, outlets: str = "all", follow: str | bool = False, poll_interval: str | float | None = None,
                 registry: Registry | None = None, seen: SeenStore | None = None, sink=None,
                 outlet_filter=None, schedule: Schedule | None = None, *args, **kwargs):
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
        self.schedule = schedule
        #: where RawPages go when the caller wires one in (the embedded pipeline); else the pipeline's default
        self.sink = sink
        #: which outlets this instance polls now (scale-out: the outlets Kafka assigned to it); None = all
        self.outlet_filter = outlet_filter
        self._stamps: dict[str, str | None] = {}
        self._states: dict[tuple[str, str], SourceState] = {}
        self._bounds: dict[tuple[str, str], Bounds] = {}
        self._polling: dict[tuple[str, str], _Poll] = {}
        self._inflight: dict[str, _InFlight] = {}
        self._waiters: dict[str, set[_Poll]] = {}
        self._loop = None
        self._last_gauge = 0.0
        self._own_schedule = False
        self._reactor = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        recheck = s.getlist("RECHECK_AFTER") if s.get("RECHECK_AFTER") is not None else DEFAULT_RECHECK_AFTER
        if spider.seen is None:
            data_dir = s.get("BNWATCH_SETTINGS").data_dir
            spider.seen = SeenStore(data_dir / "crawler" / "seen.sqlite", recheck_after=recheck)
        else:
            spider.seen.recheck_after = tuple(sorted(float(x) for x in recheck))
        if spider.schedule is None:
            spider.schedule = Schedule(spider.seen.path.parent / "schedule.sqlite")
            spider._own_schedule = True
        spider.poll_interval = spider._poll_interval_arg or s.getfloat("POLL_INTERVAL")
        spider.poll_override = spider._poll_interval_arg is not None or s.getbool("POLL_INTERVAL_OVERRIDE")
        spider.poll_min = s.getfloat("POLL_MIN_INTERVAL", 60.0)
        spider.poll_max = s.getfloat("POLL_MAX_INTERVAL", 1800.0)
        spider.poll_tick = s.getfloat("POLL_TICK", 0.5)
        spider.recheck_enabled = s.getbool("RECHECK_ENABLED", True) and bool(spider.seen.recheck_after)
        spider.pending_timeout = s.getfloat("PUBLISH_ACK_TIMEOUT", 900.0)
        spider._drop_js_outlets_without_browser(s)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.on_item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(spider.on_item_dropped, signal=signals.item_error)
        spider.seen.add_batch_listener(spider._on_published)
        return spider

    def _drop_js_outlets_without_browser(self, settings) -> None:
        """Outlets that need JavaScript are crawled through Chromium; where none is installed they are skipped
        loudly (a metric-visible silence, not a crawl full of browser errors)."""
        exe = (settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS") or {}).get("executable_path")
        if not exe or os.path.exists(exe):
            return
        skipped = [o.id for o in self.outlets if o.javascript]
        if skipped:
            self.logger.warning("no browser at %s (set BNWATCH_CHROMIUM or install Debian's chromium): skipping the "
                                "JavaScript outlets %s", exe, ", ".join(skipped))
            self.outlets = [o for o in self.outlets if not o.javascript]

    # -- schedule --------------------------------------------------------------------------------------------

    def owned(self, outlet: Outlet) -> bool:
        return self.outlet_filter is None or bool(self.outlet_filter(outlet.id))

    @staticmethod
    def source_label(outlet: Outlet, source: DiscoverySource) -> str:
        return f"{outlet.discovery.index(source)}:{source.type}"

    def bounds(self, outlet: Outlet, source: DiscoverySource) -> Bounds:
        key = (outlet.id, source.url)
        if key not in self._bounds:
            crawl = outlet.crawl or {}
            lo = float(crawl.get("poll_min_interval") or self.poll_min)
            hi = float(crawl.get("poll_max_interval") or self.poll_max)
            if self.poll_override:
                start = self.poll_interval
            else:
                start = float(source.interval or crawl.get("poll_interval") or self.poll_interval)
            self._bounds[key] = Bounds(start, min(lo, start), max(hi, start))
        return self._bounds[key]

    def state(self, outlet: Outlet, source: DiscoverySource) -> SourceState:
        key = (outlet.id, source.url)
        if key not in self._states:
            self._states[key] = self.schedule.load(outlet.id, source.url, self.bounds(outlet, source))
        return self._states[key]

    def start_poll(self, outlet: Outlet, source: DiscoverySource) -> scrapy.Request:
        poll = _Poll(outlet.id, source, self.source_label(outlet, source), time.time())
        self._polling[poll.key] = poll
        return self.discovery_request(outlet, source, poll=poll)

    def discovery_request(self, outlet: Outlet, source: DiscoverySource, url: str | None = None,
                          poll: _Poll | None = None) -> scrapy.Request:
        if poll is None:  # compatibility: a caller that wants one poll of a source
            poll = _Poll(outlet.id, source, self.source_label(outlet, source), time.time())
            self._polling.setdefault(poll.key, poll)
        url = url or source.url_for(outlet.timezone)
        headers = dict(outlet.crawl.get("headers") or {})
        etag, last_modified = self.schedule.validators(url)
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return scrapy.Request(
            url,
            callback=self.parse_discovery,
            errback=self.discovery_failed,
            dont_filter=True,
            priority=10,
            headers=headers,
            meta={"outlet": outlet.id, "source": source, "poll": poll, "playwright": False,
                  "download_slot": outlet.domain, "handle_httpstatus_list": [304]},
        )

    async def start(self):
        now = time.time()
        for outlet in self.outlets:
            if not self.owned(outlet):
                continue
            for counter in (metrics.articles_discovered, metrics.challenge_pages, metrics.items_published,
                            metrics.publish_failures):  # series start at 0: the first failure shows in increase()
                counter.labels(outlet.id)
            for source in outlet.discovery:
                state = self.state(outlet, source)
                metrics.discovery_poll_interval.labels(outlet.id, self.source_label(outlet, source)).set(state.interval)
                # one pass polls everything; follow mode resumes the persisted schedule
                if not self.follow or state.due(now):
                    yield self.start_poll(outlet, source)

    # -- discovery -------------------------------------------------------------------------------------------

    def parse_discovery(self, response):
        outlet = self.registry.get(response.meta["outlet"])
        source: DiscoverySource = response.meta["source"]
        poll: _Poll = response.meta["poll"]
        is_root = response.meta.get("child") is None
        if response.status == 304:
            metrics.discovery_runs.labels(outlet.id, source.type, "not_modified").inc()
            metrics.last_discovery.labels(outlet.id).set(time.time())
            if is_root:
                # an unchanged sitemap index: its children may still have changed
                for child in self.state(outlet, source).children:
                    if not self._offsite(outlet, child, response.url):
                        yield self._child_request(outlet, source, poll, child)
            self._doc_done(poll)
            return
        try:
            # a gzipped sitemap is bounded like SitemapSpider bounds it: the request's or the crawl's max size
            max_size = response.meta.get("download_maxsize", self.settings.getint("DOWNLOAD_MAXSIZE"))
            found = discover(outlet, source, response.body, response.url, max_size=max_size)
        except DiscoveryError as exc:
            metrics.discovery_runs.labels(outlet.id, source.type, "invalid").inc()
            self.logger.warning("discovery %s %s: %s", outlet.id, response.url, exc)
            poll.doc_failed = True
            self._doc_done(poll)
            return
        metrics.discovery_runs.labels(outlet.id, source.type, "ok").inc()
        metrics.last_discovery.labels(outlet.id).set(time.time())
        poll.docs[response.meta.get("child") or source.url] = (_header(response, "ETag"),
                                                                _header(response, "Last-Modified"))
        discovered_at = utcnow_iso()
        children = []
        for d in found:
            if self._offsite(outlet, d.url, response.url):
                continue
            if d.is_source:
                children.append(d.url)
                yield self._child_request(outlet, source, poll, d.url)
                continue
            request = self._article_for(outlet, source, poll, d.url, d.stamp, discovered_at)
            if request is not None:
                yield request
        if is_root:
            poll.children = children
        self._doc_done(poll)

    def _offsite(self, outlet: Outlet, url: str, found_in: str) -> bool:
        """True (counted, logged) for a child sitemap, feed or link off the outlet's own domains (a subdomain of
        one counts as its own): the crawler never requests it."""
        host = urlsplit(url).hostname or ""
        if outlet.owns_host(host):
            return False
        reason = refusal(host) or OFFSITE_LINK  # the more telling reason for a literal private address
        metrics.refused_requests.labels(outlet.id, reason).inc()
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value(f"bnwatch/refused/{reason}")
        self.logger.warning("refused %s found in %s: not on %s's domains (%s)", url, found_in, outlet.id, reason)
        return True

    def _child_request(self, outlet: Outlet, source: DiscoverySource, poll: _Poll, url: str) -> scrapy.Request:
        poll.docs_pending += 1
        request = self.discovery_request(outlet, source, url=url, poll=poll)
        request.meta["child"] = url
        return request

    def _article_for(self, outlet: Outlet, source: DiscoverySource, poll: _Poll, url: str, stamp: str | None,
                     discovered_at: str) -> scrapy.Request | None:
        if url in self._inflight:
            # already requested and not yet acknowledged: this poll's validators wait for it too
            if stamp is not None and self._inflight[url].stamp is None:
                self._inflight[url].stamp = stamp  # recorded with it (a listing found it first, a sitemap stamps it)
            poll.articles.add(url)
            self._waiters.setdefault(url, set()).add(poll)
            return None
        if not self.seen.needs_fetch(url, stamp):
            return None
        row = self.seen.get(url)
        poll.new += 1
        if row is None:
            metrics.articles_discovered.labels(outlet.id).inc()
        poll.articles.add(url)
        self._waiters.setdefault(url, set()).add(poll)
        return self.article_request(outlet, url, stamp, discovery=source.type, discovered_at=discovered_at, row=row)

    def article_request(self, outlet: Outlet, url: str, stamp: str | None, *, discovery: str, discovered_at: str,
                        row=None, recheck: bool = False) -> scrapy.Request:
        headers = dict(outlet.crawl.get("headers") or {})
        if row is not None:  # published before: ask whether it changed
            if row.etag:
                headers["If-None-Match"] = row.etag
            if row.last_modified:
                headers["If-Modified-Since"] = row.last_modified
        self._inflight[url] = _InFlight(outlet.id, stamp, time.monotonic(), update=row is not None,
                                        recheck=recheck)
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            dont_filter=True,
            headers=headers,
            meta={
                "outlet": outlet.id,
                "article_url": url,
                "discovery": discovery,
                "discovered_at": discovered_at,
                "stamp": stamp,
                "recheck": recheck,
                "playwright": outlet.javascript,
                "download_slot": outlet.domain,
                "handle_httpstatus_list": ARTICLE_STATUSES,
            },
        )

    def discovery_failed(self, failure):
        request = failure.request
        poll: _Poll | None = request.meta.get("poll")
        metrics.discovery_runs.labels(request.meta["outlet"], request.meta["source"].type, "error").inc()
        self.logger.warning("discovery failed %s: %s", request.url, failure.value)
        if poll is not None:
            poll.doc_failed = True
            self._doc_done(poll)

    def _doc_done(self, poll: _Poll) -> None:
        poll.docs_pending -= 1
        if poll.docs_pending > 0:
            return
        # every document of this poll is in: schedule the next poll now; validators wait for the articles
        if self._polling.get(poll.key) is poll:
            del self._polling[poll.key]
        outlet = self.registry.get(poll.outlet)
        state = self.state(outlet, poll.source)
        bounds = self.bounds(outlet, poll.source)
        now = time.time()
        ok = not poll.doc_failed
        state.interval = adapt_interval(state.interval, poll.new, ok, bounds)
        state.failures = 0 if ok else state.failures + 1
        state.last_poll = now
        if ok:
            state.last_ok = now
            if poll.children is not None:
                state.children = poll.children
        if poll.new:
            state.last_new = now
        state.next_poll = now + next_delay(state.interval, state.failures, bounds)
        self.schedule.save(state)
        metrics.discovery_poll_interval.labels(poll.outlet, poll.label).set(state.interval)
        metrics.discovery_next_poll.labels(poll.outlet, poll.label).set(state.next_poll)
        self.logger.debug("poll %s %s: %d new/changed, %s; next in %.1f s (interval %.1f s)", poll.outlet,
                          poll.source.url, poll.new, "ok" if ok else "failed", state.next_poll - now, state.interval)
        self._maybe_finish(poll)

    def _maybe_finish(self, poll: _Poll) -> None:
        if poll.docs_pending > 0 or poll.articles:
            return
        for url, (etag, last_modified) in poll.docs.items():
            if poll.doc_failed or poll.article_failed:
                self.schedule.clear_validators(url)
            else:
                self.schedule.set_validators(url, etag, last_modified)
        if poll.doc_failed or poll.article_failed:
            self.schedule.clear_validators(poll.source.url)

    # -- articles --------------------------------------------------------------------------------------------

    def parse_article(self, response):
        outlet_id = response.meta["outlet"]
        url = response.meta.get("article_url") or response.request.url
        pending = self._inflight.get(url)
        stamp = pending.stamp if pending is not None else response.meta.get("stamp")
        recheck = response.meta.get("recheck", False)
        reason = response.meta.get("challenge")
        # a page ChallengeMiddleware found clean is not read again; others (a crawl without it) are read here
        if reason is None and response.status not in (304, *GONE) and not response.meta.get("challenge_checked"):
            reason = challenge_reason(response.status, response.body)
            if reason:  # a crawl without ChallengeMiddleware, or a status it lets through: count it here
                metrics.challenge_pages.labels(outlet_id).inc()
                self.logger.warning("challenge page (%s) at %s: not published", reason, response.url)
        if reason:
            if recheck:
                metrics.article_rechecks.labels(outlet_id, "error").inc()
            self._resolve(url, ok=False)
            return
        if response.status == 304:
            self.seen.touch(url, stamp)
            self._unchanged(url, outlet_id, recheck)
            return
        if response.status in GONE:
            self.logger.info("article gone (HTTP %s): %s", response.status, url)
            if recheck:
                metrics.article_rechecks.labels(outlet_id, "error").inc()
                self.seen.advance_recheck(url)
            self._resolve(url, ok=True)
            return
        if response.status != 200:
            self.logger.warning("article HTTP %s, not published: %s", response.status, url)
            self._resolve(url, ok=False)
            return
        outlet = self.registry.get(outlet_id)
        fingerprint = content_fingerprint(response.body, outlet)  # the clean stage's reading, on a lexbor tree (v3)
        etag, last_modified = _header(response, "ETag"), _header(response, "Last-Modified")
        if self.seen.content_unchanged(url, fingerprint, response.body):
            self.seen.touch(url, stamp, etag=etag, last_modified=last_modified)
            self._unchanged(url, outlet_id, recheck)
            return
        item_url = response.url
        if item_url != url and (item_url in self._inflight or
                                self.seen.content_unchanged(item_url, fingerprint, response.body)):
            # a redirect (an API's or an old URL) to an article published, or being published, under its own URL
            self.seen.alias(url, item_url, stamp)
            self._unchanged(url, outlet_id, recheck)
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
        if recheck:
            metrics.article_rechecks.labels(outlet_id, "updated").inc()
            self.seen.advance_recheck(url)
            self.logger.info("re-check found an update: %s", url)
        if pending is not None:
            pending.item_url = item_url
        self._stamps[item_url] = stamp
        self.seen.expect(item_url, outlet=outlet_id, fingerprint=fingerprint, etag=etag, last_modified=last_modified,
                         aliases=(url,))
        yield RawPage(
            url=item_url,
            canonical_url=canonicalize_url(item_url),
            outlet=outlet_id,
            fetched_at=utcnow_iso(),
            status=response.status,
            headers=headers,
            declared_encoding=declared,
            body=response.body,
            discovery=response.meta.get("discovery", "link"),
            discovered_at=response.meta.get("discovered_at"),
        )

    def _unchanged(self, url: str, outlet_id: str, recheck: bool) -> None:
        if recheck:
            metrics.article_rechecks.labels(outlet_id, "unchanged").inc()
            self.seen.advance_recheck(url)
        self._resolve(url, ok=True)

    def stamp_for(self, url: str) -> str | None:
        """The discovery stamp an article was fetched under (recorded in the seen-store once published)."""
        return self._stamps.pop(url, None)

    def article_failed(self, failure):
        request = failure.request
        url = request.meta.get("article_url") or request.url
        self.logger.warning("article fetch failed %s: %s", request.url, failure.value)
        if request.meta.get("recheck"):
            metrics.article_rechecks.labels(request.meta.get("outlet", "unknown"), "error").inc()
            self.seen.advance_recheck(url)
        self._resolve(url, ok=False)

    # -- acknowledgements ------------------------------------------------------------------------------------

    def _on_published(self, marked: list[tuple[str, tuple[str, ...]]]) -> None:
        """Seen-store batch listener: the sink acknowledged these (url, aliases) and the marks are written (any
        thread); one reactor wake-up per batch."""
        reactor = self._reactor
        if reactor is None:
            return
        if isInIOThread():  # written by on_idle/closed (or a synchronous sink): account for them now
            self._published_all(marked)
            return
        try:
            reactor.callFromThread(self._published_all, marked)
        except Exception:  # noqa: BLE001 - reactor already stopped: nothing left to account for
            pass

    def _published_all(self, marked: list[tuple[str, tuple[str, ...]]]) -> None:
        for url, aliases in marked:
            self._published(url, aliases)

    def _published(self, url: str, aliases: tuple[str, ...]) -> None:
        for u in (*aliases, url):
            pending = self._inflight.get(u)
            if pending is None:
                continue
            metrics.last_article_published.labels(pending.outlet).set(time.time())
            if pending.update:
                metrics.article_updates.labels(pending.outlet).inc()
            self._resolve(u, ok=True)

    def on_item_dropped(self, item, response=None, exception=None, spider=None, **kwargs):
        """A page the pipeline did not publish (publish error): its polls must not store validators."""
        if spider is not None and spider is not self:
            return
        url = getattr(item, "url", None)
        if url is None:
            return
        ok = "unchanged since last published" in str(exception or "")
        self.seen.forget_expected(url)
        self._stamps.pop(url, None)
        for u, pending in list(self._inflight.items()):
            if u == url or pending.item_url == url:
                self._resolve(u, ok=ok)

    def _resolve(self, url: str, ok: bool) -> None:
        self._inflight.pop(url, None)
        for poll in self._waiters.pop(url, ()):
            poll.articles.discard(url)
            if not ok:
                poll.article_failed = True
            self._maybe_finish(poll)

    # -- follow mode -----------------------------------------------------------------------------------------

    def on_opened(self, spider):
        if spider is not self:
            return
        from twisted.internet import reactor

        self._reactor = reactor
        self._update_gauges(force=True)
        if self.follow:
            from scrapy.utils.asyncio import create_looping_call

            self._loop = create_looping_call(self.tick)
            self._loop.start(self.poll_tick, now=False)

    def tick(self) -> None:
        """Start the polls and re-checks that are due; give up on acknowledgements that never came."""
        engine = self.crawler.engine
        if engine is None or not self.follow:
            return
        now = time.time()
        for outlet in self.outlets:
            if not self.owned(outlet):
                continue
            for source in outlet.discovery:
                if (outlet.id, source.url) in self._polling:
                    continue
                if self.state(outlet, source).due(now):
                    engine.crawl(self.start_poll(outlet, source))
        if self.recheck_enabled:
            for url, outlet_id in self.seen.due_rechecks(now, limit=20):
                if url in self._inflight:
                    continue
                if outlet_id not in self.registry:
                    outlet = self.registry.for_url(url)
                    if outlet is None:
                        self.seen.advance_recheck(url)
                        continue
                else:
                    outlet = self.registry.get(outlet_id)
                if not self.owned(outlet):
                    continue
                row = self.seen.get(url)
                engine.crawl(self.article_request(outlet, url, row.stamp if row else None, discovery="recheck",
                                                  discovered_at=utcnow_iso(), row=row, recheck=True))
        expired = time.monotonic() - self.pending_timeout
        for url, pending in list(self._inflight.items()):
            if pending.started < expired:
                self.logger.warning("no acknowledgement for %s after %.0f s: treated as failed", url,
                                    self.pending_timeout)
                self._resolve(url, ok=False)
        self._update_gauges()

    def _update_gauges(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_gauge >= 15:
            self._last_gauge = now
            metrics.seen_store_articles.set(self.seen.count())

    def on_idle(self, spider):
        if spider is not self:
            return
        self.seen.flush()  # queued marks written and accounted for (their polls store validators) before closing
        if not self.follow:
            return
        raise DontCloseSpider("follow mode: polling discovery sources")

    def closed(self, reason):
        # the seen-store is closed by whoever owns it (the CLI or the test); in-flight acks may still mark pages
        if self._loop is not None and getattr(self._loop, "running", False):
            self._loop.stop()
        self._loop = None
        self.seen.flush()  # marks of the sink's final flush: their polls store validators while the schedule is open
        self.seen.remove_listener(self._on_published)
        self._update_gauges(force=True)
        if self._own_schedule:
            self.schedule.close()

