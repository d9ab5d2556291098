"""JavaScript outlets: article pages rendered by Chromium through scrapy-playwright, with memory kept bounded.

Only requests with meta["playwright"] = True come here (the spider sets it from the outlet's `javascript: true`);
crawler/handlers/dispatch.py creates this handler on the first such request, so a crawl of plain outlets never
starts Playwright or a browser.

* **Outlet replay for the browser.** Outlets keep their real https URLs. A route installed on every page (the
  page-init callback; Playwright runs the last-registered route first) answers each request whose host REPLAY_HOSTS
  maps (same rules as crawler/handlers/replay.py: exact host, `*.suffix`, `*`) from the replay over plain HTTP with
  the real Host header, and `route.fulfill`s it: Chromium never opens a connection, so https, its certificates and
  the address bar (page.url = the real URL) are untouched. Chromium's --host-resolver-rules could not do this:
  it only changes the IP, so an https URL would still need TLS, which the plain-HTTP replay cannot offer. Requests
  for other hosts fall through to scrapy-playwright's own handler (the real network).
* **Honest User-Agent.** The browser contexts use the crawler's USER_AGENT; the navigation request carries the
  Scrapy request's headers, as scrapy-playwright's default does — except the conditional-GET validators: a
  navigation answered 304 has nothing to render (Chromium aborts it), so JavaScript pages are always fetched in
  full and the spider's content fingerprint tells whether they changed.
* **Bounded memory over months of pages.** Images, fonts and media are aborted (PLAYWRIGHT_ABORT_REQUEST); every
  page is closed after its content is read (scrapy-playwright's default); at most two contexts (the current one and
  one being retired) with PLAYWRIGHT_MAX_PAGES_PER_CONTEXT pages each; and the context is recycled every
  PLAYWRIGHT_RECYCLE_CONTEXT_PAGES pages — new pages go to a fresh context, the old one is closed once its last
  page is done — so whatever a site's scripts leave behind in a context (caches, storage, leaked objects) is freed.
"""

from __future__ import annotations

import asyncio
import http.client
import logging
from collections import Counter
from urllib.parse import urlsplit

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.handlers.replay import replay_target

logger = logging.getLogger(__name__)

#: Debian's Chromium (`playwright install` cannot download a browser here); flags: toolchain notes
CHROMIUM = "/usr/bin/chromium"
#: resource types the crawler never needs to read an article
ABORTED_RESOURCE_TYPES = frozenset({"image", "font", "media"})
HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection",
                        "upgrade", "te", "trailer"})


def abort_request(request) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: drop images, fonts and media (no article text there; saves memory and time)."""
    return request.resource_type in ABORTED_RESOURCE_TYPES


def fetch_from_replay(target: str, method: str, url: str, headers: dict[str, str], body: bytes | None,
                      timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """One request to the outlet replay at `target` ("127.0.0.1:8800") for the real `url`, with its Host header.
    Redirects are returned, not followed (the browser follows them, through the route again)."""
    parts = urlsplit(url)
    path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    conn = http.client.HTTPConnection(target, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", parts.netloc)
        for name, value in headers.items():
            low = name.lower()
            if low in HOP_BY_HOP or low in ("host", "accept-encoding") or low.startswith(":"):
                continue
            conn.putheader(name, value)
        if body:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        resp = conn.getresponse()
        data = resp.read()
        out: dict[str, str] = {}
        for name, value in resp.getheaders():
            low = name.lower()
            if low in HOP_BY_HOP:
                continue
            out[low] = f"{out[low]}, {value}" if low in out else value
        return resp.status, out, data
    finally:
        conn.close()


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright with the replay route, an honest User-Agent and context recycling (see the module doc).

    Created lazily by DispatchDownloadHandler (after the engine started), so `ensure_started()` launches the
    Playwright driver itself; the browser is launched with the first context."""

    lazy = True

    def __init__(self, crawler):
        super().__init__(crawler)
        s = crawler.settings
        self.replay_hosts = {h.lower(): t for h, t in (s.getdict("REPLAY_HOSTS") or {}).items()}
        self.user_agent = s.get("USER_AGENT")
        self.recycle_pages = max(1, s.getint("PLAYWRIGHT_RECYCLE_CONTEXT_PAGES", 100))
        self.replay_timeout = s.getfloat("DOWNLOAD_TIMEOUT", 30.0)
        self._started = False
        self._start_lock = asyncio.Lock()
        self._generation = 0
        self._served = 0  # pages handed to the current context
        self._open_pages: Counter[str] = Counter()
        self.pages_rendered = 0
        self.contexts_recycled = 0

    async def ensure_started(self) -> None:
        async with self._start_lock:
            if not self._started:
                await self._launch()
                self._started = True

    # -- contexts --------------------------------------------------------------------------------------------
    def _context_name(self) -> str:
        return f"bnwatch-{self._generation}"

    def _take_context(self) -> str:
        """The context for the next page. At most two contexts exist: the current one and one being retired. The
        switch to a fresh context waits (pages keep going to the current one) while the previous is still open, so
        nothing ever blocks on a context slot — scrapy-playwright's PLAYWRIGHT_MAX_CONTEXTS semaphore is not used:
        a page waiting for a slot while holding its context-creation lock would deadlock with pages that were
        promised the retiring context."""
        current = self._context_name()
        retiring = any(n != current for n in self.context_wrappers) or any(n != current for n in self._open_pages)
        if self._served >= self.recycle_pages and not retiring:
            retired = self._context_name()
            self._generation += 1
            self._served = 0
            self.contexts_recycled += 1
            self.stats.inc_value("bnwatch/playwright/contexts_recycled")
            if self._open_pages[retired] == 0:
                asyncio.ensure_future(self._close_context(retired))
        self._served += 1
        name = self._context_name()
        self._open_pages[name] += 1
        return name

    async def _release_context(self, name: str) -> None:
        self._open_pages[name] -= 1
        if self._open_pages[name] <= 0:
            del self._open_pages[name]
            if name != self._context_name():
                await self._close_context(name)

    async def _close_context(self, name: str) -> None:
        wrapper = self.context_wrappers.get(name)
        if wrapper is None:
            return
        try:
            await wrapper.context.close()  # scrapy-playwright's close callback forgets it and frees its slot
        except Exception as exc:  # noqa: BLE001 - a browser that went away closed it already
            logger.debug("closing browser context %s: %s", name, exc)
        logger.debug("browser context %s closed (recycled)", name)

    # -- requests --------------------------------------------------------------------------------------------
    async def download_request(self, request, spider=None):
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        await self.ensure_started()
        name = self._take_context()
        request.meta["playwright_context"] = name
        request.meta.setdefault("playwright_context_kwargs", {"user_agent": self.user_agent,
                                                              "service_workers": "block"})
        request.meta["playwright_page_init_callback"] = self.init_page
        request.meta.pop("playwright_include_page", None)  # pages are always closed after use
        # no conditional GET through the browser: Chromium aborts a navigation answered 304 (nothing cached to
        # show) and scrapy-playwright then waits out its download timeout. The page is fetched in full and the
        # spider's content fingerprint decides whether it changed.
        for header in (b"If-None-Match", b"If-Modified-Since"):
            request.headers.pop(header, None)
        try:
            response = await super().download_request(request)
            self.pages_rendered += 1
            return response
        finally:
            await self._release_context(name)

    async def init_page(self, page, request) -> None:
        """Page-init callback: the replay route, registered after scrapy-playwright's own "**" route, so it runs
        first and falls back to it for hosts the replay does not play."""
        if not self.replay_hosts:
            return
        scrapy_headers = request.headers.to_unicode_dict()
        scrapy_url = request.url

        async def route_to_replay(route, pw_request) -> None:
            host = (urlsplit(pw_request.url).hostname or "").lower()
            target = replay_target(self.replay_hosts, host)
            if not target:
                await route.fallback()
                return
            if abort_request(pw_request):
                self.stats.inc_value("playwright/request_count/aborted")
                await route.abort()
                return
            headers = dict(await pw_request.all_headers())
            if self.user_agent:
                headers["user-agent"] = self.user_agent
            if pw_request.is_navigation_request() and pw_request.url.rstrip("/") == scrapy_url.rstrip("/"):
                headers.update({k.lower(): v for k, v in scrapy_headers.items()})
            try:
                status, out, body = await asyncio.to_thread(
                    fetch_from_replay, target, pw_request.method, pw_request.url, headers,
                    pw_request.post_data_buffer, self.replay_timeout)
            except OSError as exc:
                logger.warning("replay fetch failed for %s: %s", pw_request.url, exc)
                await route.abort("connectionfailed")
                return
            await route.fulfill(status=status, headers=out, body=body)

        await page.route("**", route_to_replay)

