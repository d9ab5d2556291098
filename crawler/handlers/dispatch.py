"""The crawler's http/https download handler: plain HTTP (with the replay mapping) for everything, except requests
with meta["playwright"] = True — article pages of outlets flagged `javascript: true` — which go to the browser
(crawler/browser.py, scrapy-playwright with Debian's Chromium).

The browser side is created on the first JavaScript request, and shared by the http and https handlers of one
crawler: a crawl whose selected outlets need no JavaScript never imports Playwright, never starts its driver and
never launches Chromium. Discovery documents of a JavaScript outlet (feeds, sitemaps) stay on plain HTTP.
"""

from __future__ import annotations

import asyncio
import weakref

from crawler.handlers.replay import ReplayDownloadHandler

# one browser handler per crawler, shared by the handler instances of its schemes
_BROWSERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_LOCKS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class DispatchDownloadHandler:
    lazy = False

    def __init__(self, crawler):
        self.crawler = crawler
        self.plain = ReplayDownloadHandler(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def browser(self):
        """The browser handler, if a JavaScript page was requested yet (else None)."""
        return _BROWSERS.get(self.crawler)

    async def _browser(self):
        lock = _LOCKS.setdefault(self.crawler, asyncio.Lock())
        async with lock:
            handler = _BROWSERS.get(self.crawler)
            if handler is None:
                from crawler.browser import BrowserDownloadHandler

                handler = BrowserDownloadHandler(self.crawler)
                _BROWSERS[self.crawler] = handler
                self.crawler.stats.set_value("bnwatch/browser_started", True)
            await handler.ensure_started()
            return handler

    async def download_request(self, request, spider=None):
        if request.meta.get("playwright"):
            handler = await self._browser()
            return await handler.download_request(request)
        return await self.plain.download_request(request)

    async def close(self) -> None:
        await self.plain.close()
        handler = _BROWSERS.pop(self.crawler, None)
        if handler is not None:
            await handler.close()
