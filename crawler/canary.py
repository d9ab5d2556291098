"""The canary's spider: one pass over each outlet's discovery sources, then its newest N articles, kept in memory.

`bnwatch outlets check` (bnwatch/app/canary.py) runs it to see whether each outlet still yields its fields. It
crawls like the crawler does: the same discovery parser (crawler/discovery.py), the same project settings
(User-Agent with contact, robots.txt, politeness slot per outlet domain, SSRF/off-site guard, the replay
download handler), and nothing is published: no seen-store, no schedule, no item pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import scrapy

from bnwatch.outlets import DiscoverySource, Outlet
from crawler.challenge import challenge_reason
from crawler.discovery import DiscoveryError, discover

#: child sitemaps of a sitemap index followed per source (the newest by <lastmod>): the newest articles are there
CHILD_SITEMAPS = 2
KEPT_HEADERS = ("content-type", "content-language", "last-modified")
#: statuses that reach parse_article to be reported as such (redirects are still followed)
ERROR_STATUSES = [401, 403, 404, 410, 429, 500, 502, 503]


@dataclass
class FetchedArticle:
    url: str
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    #: why it could not be checked (challenge page, HTTP error, network error); None when `body` is the page
    error: str | None = None


@dataclass
class OutletFetch:
    """What the canary got from one outlet: discovery problems, candidate URLs, the fetched articles."""

    outlet: str
    discovery_errors: list[str] = field(default_factory=list)
    candidates: int = 0
    articles: list[FetchedArticle] = field(default_factory=list)


def stamp_time(stamp: str | None) -> datetime | None:
    """A discovery stamp (ISO 8601 or RFC 822 as found in feeds and sitemaps) as an aware datetime, else None."""
    if not stamp:
        return None
    text = stamp.strip()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def newest(candidates: list[tuple[str, str | None]], limit: int) -> list[str]:
    """The `limit` newest URLs: stamped ones newest first, then unstamped ones in the order the outlet lists them
    (listing pages put the newest on top). A URL found twice keeps its stamp."""
    order: dict[str, int] = {}
    stamps: dict[str, datetime | None] = {}
    for url, stamp in candidates:
        order.setdefault(url, len(order))
        when = stamp_time(stamp)
        if when is not None and stamps.get(url) is None:
            stamps[url] = when
    stamped = sorted((u for u in order if stamps.get(u)), key=lambda u: (stamps[u], -order[u]), reverse=True)
    unstamped = [u for u in order if not stamps.get(u)]
    return (stamped + unstamped)[:limit]


class CanarySpider(scrapy.Spider):
    """Discovery of every source of each outlet; once all of an outlet's documents are in, its newest `limit`
    articles. Results land in `results` (outlet id → OutletFetch)."""

    name = "outlets-canary"

    def __init__(self, outlets: list[Outlet], limit: int = 3, results: dict | None = None, registry=None,
                 *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: `outlets` and `registry` as OutletsSpider has them (the middlewares read both)
        self.outlets = list(outlets)
        self.registry = registry
        self._by_id = {o.id: o for o in outlets}
        self.limit = limit
        self.results: dict[str, OutletFetch] = results if results is not None else {}
        self._pending: dict[str, int] = {}
        self._found: dict[str, list[tuple[str, str | None]]] = {}

    async def start(self):
        for outlet in self.outlets:
            self.results[outlet.id] = OutletFetch(outlet.id)
            self._found[outlet.id] = []
            self._pending[outlet.id] = len(outlet.discovery)
            for source in outlet.discovery:
                yield self._discovery_request(outlet, source, source.url_for(outlet.timezone))

    def _meta(self, outlet: Outlet, **extra) -> dict:
        return {"outlet": outlet.id, "download_slot": outlet.domain, **extra}

    def _discovery_request(self, outlet: Outlet, source: DiscoverySource, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_discovery, errback=self.discovery_failed, dont_filter=True,
                              headers=dict(outlet.crawl.get("headers") or {}),
                              meta=self._meta(outlet, source=source, playwright=False))

    def parse_discovery(self, response):
        outlet = self._by_id[response.meta["outlet"]]
        source: DiscoverySource = response.meta["source"]
        try:
            found = discover(outlet, source, response.body, response.url,
                             max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        except DiscoveryError as exc:
            self.results[outlet.id].discovery_errors.append(f"{source.type} {response.url}: {exc}")
            found = []
        found = [d for d in found if outlet.owns_host(urlsplit(d.url).hostname or "")]
        children = [d for d in found if d.is_source]
        children.sort(key=lambda d: stamp_time(d.stamp) or datetime.min.replace(tzinfo=timezone.utc), reverse=True)
        for child in children[:CHILD_SITEMAPS]:
            self._pending[outlet.id] += 1
            yield self._discovery_request(outlet, source, child.url)
        self._found[outlet.id].extend((d.url, d.stamp) for d in found if not d.is_source)
        yield from self._document_done(outlet)

    def discovery_failed(self, failure):
        outlet = self._by_id[failure.request.meta["outlet"]]
        source = failure.request.meta["source"]
        self.results[outlet.id].discovery_errors.append(
            f"{source.type} {failure.request.url}: {type(failure.value).__name__}: {failure.value}")
        yield from self._document_done(outlet)

    def _document_done(self, outlet: Outlet):
        self._pending[outlet.id] -= 1
        if self._pending[outlet.id] > 0:
            return
        found = self._found.pop(outlet.id, [])
        self.results[outlet.id].candidates = len({u for u, _ in found})
        for url in newest(found, self.limit):
            yield scrapy.Request(url, callback=self.parse_article, errback=self.article_failed, dont_filter=True,
                                 headers=dict(outlet.crawl.get("headers") or {}),
                                 meta=self._meta(outlet, article_url=url, playwright=outlet.javascript,
                                                 handle_httpstatus_list=ERROR_STATUSES))

    def parse_article(self, response):
        url = response.meta["article_url"]
        reason = response.meta.get("challenge") or challenge_reason(response.status, response.body)
        if reason is None and response.status != 200:
            reason = f"HTTP {response.status}"
        headers = {name: response.headers.get(name).decode("latin-1")
                   for name in KEPT_HEADERS if response.headers.get(name) is not None}
        article = FetchedArticle(url, response.status, b"" if reason else response.body, headers, reason)
        self.results[response.meta["outlet"]].articles.append(article)

    def article_failed(self, failure):
        request = failure.request
        article = FetchedArticle(request.meta["article_url"], 0,
                                 error=f"{type(failure.value).__name__}: {failure.value}")
        self.results[request.meta["outlet"]].articles.append(article)
