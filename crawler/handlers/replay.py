"""A download handler that sends requests for real outlet hosts to another address (the local outlet replay).

It only routes: the replay itself is a development tool (devtools/replay) this module never imports, so the
installed crawler carries the handler without the replay.

Outlets keep their real domains and URLs. With REPLAY_HOSTS = {"dailyinqilab.com": "127.0.0.1:8800"} (or
{"*": "127.0.0.1:8800"}), https://dailyinqilab.com/x is fetched from http://127.0.0.1:8800/x with
`Host: dailyinqilab.com`, and the response keeps the real URL. Doing it at the download-handler level, below
every middleware, means robots.txt, redirects, retries, politeness slots, the seen-store and the published
RawPage only ever see real outlet URLs. With no REPLAY_HOSTS it is plain Scrapy HTTP/1.1.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler


def replay_target(hosts: dict[str, str], host: str) -> str | None:
    """The replay address for `host`: exact match, then `*.suffix`, then `*`."""
    host = host.lower()
    if host in hosts:
        return hosts[host]
    for pattern, target in hosts.items():
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return target
    return hosts.get("*")


class ReplayDownloadHandler(HTTP11DownloadHandler):
    lazy = False

    def __init__(self, crawler):
        super().__init__(crawler)
        self.hosts = {h.lower(): t for h, t in crawler.settings.getdict("REPLAY_HOSTS").items()}

    async def download_request(self, request):
        parts = urlsplit(request.url)
        target = replay_target(self.hosts, parts.hostname or "") if self.hosts else None
        if not target:
            return await super().download_request(request)
        headers = request.headers.copy()
        headers[b"Host"] = parts.netloc.encode()
        local = request.replace(url=urlunsplit(("http", target, parts.path or "/", parts.query, "")), headers=headers)
        response = await super().download_request(local)
        return response.replace(url=request.url, request=request)
