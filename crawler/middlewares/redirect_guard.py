"""Refuse requests the crawler must never make: to literal private, loopback, link-local or otherwise non-global
IP addresses or to localhost (a link or a redirect from a public outlet pointing at http://127.0.0.1:22/,
http://169.254.169.254/ or http://10.0.0.5/ — server-side request forgery), and redirects that leave the outlet's
own domains. An outlet whose data file names a literal address as its domain (a local test site) may of course
be fetched there.

Each refusal is an IgnoreRequest (the spider's errback counts the fetch as failed), logged, counted in
bnwatch_refused_requests_total{outlet, reason} and in the crawl stats (bnwatch/refused/<reason>). Reasons:
`private_address`, `localhost`, `offsite_redirect`, `resolves_private` (a host *name* whose DNS answer holds a
private, loopback, link-local, reserved, multicast or unspecified address: checked with the OS resolver in the
reactor's thread pool, answers cached for DNS_TTL seconds; a failed lookup is not a refusal, the download then
fails on its own), and `offsite_link` (counted by the spider: a child sitemap, feed or link off the outlet's
domains, never requested). Hosts that REPLAY_HOSTS routes to the outlet replay are not resolved.

It runs first among the downloader middlewares (before robots.txt, which would otherwise fetch
http://169.254.169.254/robots.txt) and sees every request, including each hop of a redirect (the redirect
middleware sends the next hop through the whole chain again, with the earlier URLs in meta['redirect_urls']).
The outlet replay maps real outlet hosts to a loopback server in the download handler, below all middlewares,
so this middleware only ever sees real outlet URLs.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import time
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from bnwatch import metrics

logger = logging.getLogger(__name__)

PRIVATE = "private_address"
LOCALHOST = "localhost"
OFFSITE_REDIRECT = "offsite_redirect"
RESOLVES_PRIVATE = "resolves_private"
OFFSITE_LINK = "offsite_link"
#: every reason, so each outlet's series start at 0 (the first refusal shows in increase())
REASONS = (PRIVATE, LOCALHOST, OFFSITE_REDIRECT, RESOLVES_PRIVATE, OFFSITE_LINK)
#: how long a DNS answer is trusted (seconds)
DNS_TTL = 300.0

_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}$")


def literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a host names literally, including the forms browsers and libc accept ("127.1",
    "0x7f000001", "2130706433", "::ffff:127.0.0.1"); None for a DNS name."""
    host = host.strip("[]").rstrip(".").lower()
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        if not _NUMERIC_HOST.match(host):
            return None
        try:
            ip = ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, ValueError):
            return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def refusal(host: str) -> str | None:
    """Why a request to `host` is refused outright (PRIVATE, LOCALHOST), or None."""
    host = (host or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return LOCALHOST
    ip = literal_ip(host)
    if ip is not None and not_public(ip):
        return PRIVATE
    return None


def not_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address the crawler must never connect to."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (not ip.is_global or ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
            or ip.is_multicast or ip.is_unspecified)


def resolved_refusal(addresses) -> str | None:
    """RESOLVES_PRIVATE when any address a name resolved to is not public (one bad answer is enough: the
    connection may use any of them), else None. Unparseable entries are ignored."""
    for address in addresses or ():
        try:
            ip = ipaddress.ip_address(str(address).split("%", 1)[0])
        except ValueError:
            continue
        if not_public(ip):
            return RESOLVES_PRIVATE
    return None


def os_lookup(host: str) -> list[str]:
    """Every address the OS resolver gives for `host` (blocking: run it in a thread)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})


async def _in_reactor_thread(fn, host):
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet.threads import deferToThread

    return await maybe_deferred_to_future(deferToThread(fn, host))


class HostResolver:
    """Resolves host names with `lookup` (default: the OS resolver) in the reactor's thread pool and caches the
    answers for `ttl` seconds. A failed lookup is not cached (and not a refusal)."""

    def __init__(self, lookup=os_lookup, ttl: float = DNS_TTL, clock=time.monotonic, size: int = 10_000,
                 run_in_thread=None):
        self.lookup = lookup
        self.run_in_thread = run_in_thread or _in_reactor_thread
        self.ttl = ttl
        self.clock = clock
        self.size = size
        self._cache: dict[str, tuple[float, tuple[str, ...]]] = {}

    def cached(self, host: str) -> tuple[str, ...] | None:
        hit = self._cache.get(host)
        if hit is None or hit[0] < self.clock():
            return None
        return hit[1]

    def remember(self, host: str, addresses) -> tuple[str, ...]:
        if len(self._cache) >= self.size:
            self._cache.clear()
        answer = tuple(addresses)
        self._cache[host] = (self.clock() + self.ttl, answer)
        return answer

    async def resolve(self, host: str) -> tuple[str, ...] | None:
        hit = self.cached(host)
        if hit is not None:
            return hit
        try:
            addresses = await self.run_in_thread(self.lookup, host)
        except (OSError, UnicodeError, ValueError) as exc:
            logger.debug("lookup of %s failed (%s): left to the download", host, exc)
            return None
        return self.remember(host, addresses)


class RedirectGuardMiddleware:
    def __init__(self, crawler=None, registry=None, resolver: HostResolver | None = None,
                 replay_hosts: dict[str, str] | None = None):
        self.crawler = crawler
        self._registry = registry
        #: None: only literal addresses are checked (unit tests of the other rules)
        self.resolver = resolver
        self.replay_hosts = {h.lower(): t for h, t in (replay_hosts or {}).items()}

    @classmethod
    def from_crawler(cls, crawler):
        guard = cls(crawler, resolver=HostResolver(ttl=crawler.settings.getfloat("BNWATCH_DNS_TTL", DNS_TTL)),
                    replay_hosts=crawler.settings.getdict("REPLAY_HOSTS"))
        crawler.signals.connect(guard.spider_opened, signal=signals.spider_opened)
        return guard

    def spider_opened(self, spider):
        for outlet in getattr(spider, "outlets", None) or ():
            for reason in REASONS:
                metrics.refused_requests.labels(outlet.id, reason)

    def _replayed(self, host: str) -> bool:
        from crawler.handlers.replay import replay_target

        return bool(self.replay_hosts) and replay_target(self.replay_hosts, host) is not None

    @property
    def registry(self):
        spider = getattr(self.crawler, "spider", None) if self.crawler is not None else None
        if getattr(spider, "registry", None) is not None:  # the spider's registry (tests give it their own)
            return spider.registry
        if self._registry is None:
            from bnwatch.outlets import default_registry

            self._registry = default_registry()  # a bad outlet file raises: checked at start-up by the CLI
        return self._registry

    def _outlet(self, request, first_url: str):
        outlet_id = request.meta.get("outlet")
        if outlet_id and outlet_id in self.registry:
            return self.registry.get(outlet_id)
        return self.registry.for_url(first_url)

    def process_request(self, request, spider=None):
        host = urlsplit(request.url).hostname or ""
        hops = request.meta.get("redirect_urls") or []
        first = hops[0] if hops else request.url
        outlet = self._outlet(request, first)
        reason = refusal(host)
        if outlet is not None and outlet.owns_host(host):
            if reason is not None:
                return None  # an outlet file that names a literal address or localhost: a local test site
        elif reason is None and hops and outlet is not None:
            reason = OFFSITE_REDIRECT
        if reason is not None:
            self._refuse(request, outlet, reason, first, hops)
        if self.resolver is None or literal_ip(host) is not None or not host or self._replayed(host):
            return None
        key = host.rstrip(".").lower()
        addresses = self.resolver.cached(key)
        if addresses is not None:  # answered before: decided without waiting
            if resolved_refusal(addresses):
                self._refuse(request, outlet, RESOLVES_PRIVATE, first, hops, addresses)
            return None
        return self._check_resolved(request, outlet, key, first, hops)

    async def _check_resolved(self, request, outlet, host, first, hops):
        addresses = await self.resolver.resolve(host)
        if addresses is not None and resolved_refusal(addresses):
            self._refuse(request, outlet, RESOLVES_PRIVATE, first, hops, addresses)
        return None

    def _refuse(self, request, outlet, reason, first, hops, addresses=()):
        label = request.meta.get("outlet") or (outlet.id if outlet is not None else "unknown")
        metrics.refused_requests.labels(label, reason).inc()
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"bnwatch/refused/{reason}")
        via = f" (redirected from {first})" if hops else ""
        answer = f" ({urlsplit(request.url).hostname} resolves to {', '.join(addresses)})" if addresses else ""
        logger.warning("refused request to %s%s: %s%s", request.url, via, reason, answer)
        raise IgnoreRequest(f"refused ({reason}): {request.url}{via}")
