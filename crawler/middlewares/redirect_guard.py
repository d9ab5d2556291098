"""Refuse requests the crawler must never make: to literal private, loopback, link-local or otherwise non-global
IP addresses or to localhost (a link or a redirect from a public outlet pointing at http://127.0.0.1:22/,
http://169.254.169.254/ or http://10.0.0.5/ — server-side request forgery), and redirects that leave the outlet's
own domains. An outlet whose data file names a literal address as its domain (a local test site) may of course
be fetched there.

Each refusal is an IgnoreRequest (the spider's errback counts the fetch as failed), logged, counted in
bnwatch_refused_requests_total{outlet, reason} and in the crawl stats (bnwatch/refused/<reason>). Reasons:
`private_address`, `localhost`, `offsite_redirect`.

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
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from bnwatch import metrics

logger = logging.getLogger(__name__)

PRIVATE = "private_address"
LOCALHOST = "localhost"
OFFSITE_REDIRECT = "offsite_redirect"

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
    if ip is not None and not ip.is_global:
        return PRIVATE
    return None


class RedirectGuardMiddleware:
    def __init__(self, crawler=None, registry=None):
        self.crawler = crawler
        self._registry = registry

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def registry(self):
        spider = getattr(self.crawler, "spider", None) if self.crawler is not None else None
        if getattr(spider, "registry", None) is not None:  # the spider's registry (tests give it their own)
            return spider.registry
        if self._registry is None:
            from bnwatch.outlets import Registry, default_registry

            try:
                self._registry = default_registry()
            except Exception:  # no outlet files: only the address checks apply
                self._registry = Registry([])
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
        if outlet is not None and outlet.owns_host(host):
            return None  # the outlet's own domain (an outlet file may name a literal address: local test sites)
        reason = refusal(host)
        if reason is None and hops and outlet is not None:
            reason = OFFSITE_REDIRECT
        if reason is None:
            return None
        label = request.meta.get("outlet") or (outlet.id if outlet is not None else "unknown")
        metrics.refused_requests.labels(label, reason).inc()
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"bnwatch/refused/{reason}")
        via = f" (redirected from {first})" if hops else ""
        logger.warning("refused request to %s%s: %s", request.url, via, reason)
        raise IgnoreRequest(f"refused ({reason}): {request.url}{via}")
