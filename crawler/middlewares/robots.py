"""robots.txt that is read again: Scrapy's RobotsTxtMiddleware fetches a host's robots.txt once and keeps it for
the life of the process, but bnwatch crawls for months. This subclass fetches it again on the first request to
the host after it is ROBOTSTXT_TTL seconds old (default 24 h, as long as Google keeps one, RFC 9309 §2.4), so
a newly disallowed section is left alone, and a new Crawl-delay applied (every parse sends `robots_parsed`,
which crawler/middlewares/politeness.py follows), without a restart.

When the fetch fails (no answer, or a 5xx), the last good robots.txt stays in force and another fetch is tried
after ROBOTSTXT_ERROR_TTL seconds (default 1 h); a host whose robots.txt never could be fetched is treated as
Scrapy does (everything allowed) until the next try, instead of forever. Counted in Scrapy's stats
(`robotstxt/refetch_count`, `robotstxt/stale_kept_count`).
"""

from __future__ import annotations

import logging
import time

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

_MISSING = object()


class ExpiringRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler, clock=time.monotonic):
        super().__init__(crawler)
        self.ttl = crawler.settings.getfloat("ROBOTSTXT_TTL", 24 * 3600.0)
        self.error_ttl = crawler.settings.getfloat("ROBOTSTXT_ERROR_TTL", 3600.0)
        self._clock = clock
        self._expires: dict[str, float] = {}  # netloc -> when its robots.txt is fetched again
        self._previous: dict = {}  # netloc -> the parser in force while a new fetch is under way

    async def robot_parser(self, request):
        netloc = urlparse_cached(request).netloc
        parser = self._parsers.get(netloc, _MISSING)
        if (parser is not _MISSING and not isinstance(parser, Deferred)
                and self._clock() >= self._expires.get(netloc, float("inf"))):
            if parser is not None:
                self._previous[netloc] = parser
            del self._parsers[netloc]  # the parent fetches it again (requests meanwhile wait for the result)
            self._stats.inc_value("robotstxt/refetch_count")
        return await super().robot_parser(request)

    async def _parse_robots(self, response, netloc, request):
        if response.status >= 500 and netloc in self._previous:
            self._keep_previous(netloc, f"HTTP {response.status}")
            return
        await super()._parse_robots(response, netloc, request)
        self._previous.pop(netloc, None)
        self._expires[netloc] = self._clock() + self.ttl

    def _robots_error(self, exc, netloc):
        if netloc in self._previous:
            if not isinstance(exc, IgnoreRequest):
                self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
            self._keep_previous(netloc, repr(exc))
            return
        super()._robots_error(exc, netloc)
        self._expires[netloc] = self._clock() + self.error_ttl

    def _keep_previous(self, netloc: str, why: str) -> None:
        previous = self._previous.pop(netloc)
        waiting = self._parsers[netloc]
        self._parsers[netloc] = previous
        self._expires[netloc] = self._clock() + self.error_ttl
        self._stats.inc_value("robotstxt/stale_kept_count")
        logger.warning("robots.txt of %s could not be fetched again (%s): the previous one stays in force, next try"
                       " in %.0f s", netloc, why, self.error_ttl)
        if isinstance(waiting, Deferred):
            waiting.callback(previous)
