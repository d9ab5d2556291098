"""JavaScript outlets through scrapy-playwright and Debian's Chromium, against the outlet replay.

Dhaka Post's replay model (`render: script`) ships the article inside a script that writes the DOM after load, so
the text is in the crawled RawPage only if a browser ran the page. Plain outlets in the same crawl must not go
through the browser, and a crawl of plain outlets only must never start one."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from parsel import Selector

from bnwatch.records import RawPage
from bnwatch.textnorm import fold
from devtools.replay.server import ReplayServer

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "tests" / "crawler" / "harness.py"
CHROMIUM = "/usr/bin/chromium"
FIXTURES = ROOT / "crawler" / "outlets" / "dhakapost" / "golden"
SERVED_AT = datetime.fromisoformat("2025-07-20T09:00:00+06:00")

# CI installs Chromium (scripts/setup.sh --test) and must not pass without these tests: only elsewhere may they skip
_NO_CHROMIUM = not os.path.exists(CHROMIUM)
if _NO_CHROMIUM and os.environ.get("CI"):
    raise RuntimeError(f"Debian's Chromium is not installed at {CHROMIUM}: scripts/setup.sh --test installs it")
needs_chromium = pytest.mark.skipif(_NO_CHROMIUM,
                                    reason=f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install "
                                           "chromium); scrapy-playwright cannot download a browser here")


def _crawl(tmp_path: Path, replay: ReplayServer, outlets: str, settings: dict | None = None,
           timeout: float = 240) -> tuple[list[RawPage], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BNWATCH_") and k != "KAFKA_BOOTSTRAP_SERVERS"}
    env.update({"BNWATCH_DATA_DIR": str(tmp_path / "data"), "BNWATCH_REPLAY_HOSTS": f"*={replay.address}",
                "PYTHONUNBUFFERED": "1", "HARNESS_LOG_LEVEL": "DEBUG",
                "HARNESS_SPIDER": json.dumps({"outlets": outlets}), "HARNESS_SETTINGS": json.dumps(settings or {})})
    # the log goes straight to a file, not a pipe: one CI run lost a stretch of the unbuffered log written to a pipe
    # at the moment Chromium started (a short write on the pipe), and this test reads the log
    with (tmp_path / "crawl.log").open("wb") as fh:
        proc = subprocess.run([sys.executable, str(HARNESS)], cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT,
                              timeout=timeout)
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8", errors="replace")
    assert proc.returncode == 0, log[-3000:]
    spool = tmp_path / "data" / "spool" / "raw-pages.jsonl"
    pages = [RawPage.from_dict(json.loads(line)) for line in spool.read_text(encoding="utf-8").splitlines()
             if line.strip()] if spool.exists() else []
    return pages, log


def _plain_get(replay: ReplayServer, url: str) -> bytes:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(replay.host, replay.port, timeout=10)
    try:
        conn.putrequest("GET", parts.path, skip_host=True)
        conn.putheader("Host", parts.netloc)
        conn.endheaders()
        resp = conn.getresponse()
        assert resp.status == 200
        return resp.read()
    finally:
        conn.close()


def _paragraphs(html: bytes) -> list[str]:
    sel = Selector(text=html.decode("utf-8"))
    return [fold(" ".join("".join(p.xpath(".//text()").getall()).split())).strip()
            for p in sel.css("article.article-details div.article-body > p")]


def _crawled_lines(log: str) -> dict[str, str]:
    """url -> the "Crawled (status) <GET url> ..." log line (Scrapy's DEBUG line names response flags)."""
    out = {}
    for m in re.finditer(r"Crawled \((\d+)\) <GET (\S+)>[^\n]*", log):
        out[m.group(2)] = m.group(0)
    return out


def _stats(log: str) -> dict[str, object]:
    return {m.group(1): m.group(2) for m in re.finditer(r"'((?:playwright|bnwatch)/[^']+)': ([^,}\n]+)", log)}


@pytest.mark.integration
@needs_chromium
def test_js_outlet_is_rendered_by_chromium_and_plain_outlet_is_not(tmp_path):
    replay = ReplayServer(port=0, outlets=("dhakapost", "dailyinqilab")).start()
    try:
        site = replay.sites["dhakapost"]
        articles = {site.url(a.path): a for a in site.articles}
        # recycle the browser context every 2 pages, so the 7 Dhaka Post pages go through several contexts
        pages, log = _crawl(tmp_path, replay, "dhakapost,dailyinqilab", {"PLAYWRIGHT_RECYCLE_CONTEXT_PAGES": 2})
        by_url = {p.url: p for p in pages if p.outlet == "dhakapost"}
        assert set(by_url) == set(articles), "every Dhaka Post article published, under its real https URL"
        for url, a in articles.items():
            rendered = by_url[url].body
            expected = [fold(p).strip() for p in a.served_paragraphs()]
            # the RawPage has the text the page's script wrote; a plain fetch of the same URL has none of it
            assert _paragraphs(rendered) == expected, url
            plain = _plain_get(replay, url)
            assert _paragraphs(plain) == [], url
            assert a.paragraphs[-1].encode() not in plain and a.paragraphs[1].encode() not in plain, url
            assert b"self.__next_f.push([1," in plain
        # the golden fixtures describe the rendered page: the clean stage gets the same article from Chromium's DOM
        from consumers.clean.extract import extract_page

        for golden in sorted(FIXTURES.glob("*.json")):
            expected = json.loads(golden.read_text(encoding="utf-8"))
            got = extract_page(by_url[expected["url"]].body, url=expected["url"], fetched_at=SERVED_AT)
            assert {k: got[k] for k in expected} == expected, golden.name

        # plain outlet in the same crawl: published, never through the browser
        inqilab = [p for p in pages if p.outlet == "dailyinqilab"]
        assert len(inqilab) == len(replay.sites["dailyinqilab"].articles)
        crawled = _crawled_lines(log)
        for p in inqilab:
            assert "playwright" not in crawled[p.url], crawled[p.url]
        for url in articles:
            assert "['playwright']" in crawled[url], crawled[url]
        # discovery documents of the JavaScript outlet stay on plain HTTP too
        for url in ("https://www.dhakapost.com/sitemaps/news-sitemap.xml", "https://www.dhakapost.com/rss/rss.xml"):
            assert "playwright" not in crawled[url], crawled[url]

        stats = _stats(log)
        assert int(stats["playwright/page_count"]) == len(articles)
        assert int(stats["playwright/page_count/closed"]) == len(articles)
        # recycled (a fresh context waits until the previous one is closed: never more than two at a time)
        assert int(stats["playwright/context_count/max_concurrent"]) <= 2
        assert int(stats["playwright/context_count"]) >= 2
        assert int(stats["bnwatch/playwright/contexts_recycled"]) >= 1
        # images and fonts were never loaded
        assert int(stats["playwright/request_count/aborted"]) >= len(articles)
        assert "playwright/response_count/resource_type/image" not in stats
    finally:
        replay.stop()


@pytest.mark.integration
@needs_chromium
def test_crawl_of_plain_outlets_never_starts_a_browser(tmp_path):
    replay = ReplayServer(port=0, outlets=("dhakapost", "dailyinqilab")).start()
    try:
        pages, log = _crawl(tmp_path, replay, "dailyinqilab")
        assert len(pages) == len(replay.sites["dailyinqilab"].articles)
        assert "scrapy-playwright" not in log and "Starting download handler" not in log
        assert not any(k.startswith(("playwright/", "bnwatch/browser")) for k in _stats(log))
        assert "['playwright']" not in log
    finally:
        replay.stop()


# -- without a browser -------------------------------------------------------------------------------------------

def test_replay_fetch_keeps_the_real_host_and_does_not_follow_redirects():
    from crawler.browser import fetch_from_replay

    replay = ReplayServer(port=0, outlets=("dhakapost", "vietnamvn")).start()
    try:
        a = replay.sites["dhakapost"].articles[0]
        url = replay.sites["dhakapost"].url(a.path)
        status, headers, body = fetch_from_replay(replay.address, "GET", url, {"User-Agent": "bnwatch-test",
                                                                               "Accept-Encoding": "br"}, None)
        assert status == 200 and headers["content-type"].startswith("text/html") and "etag" in headers
        assert b"self.__next_f.push([1," in body
        assert "transfer-encoding" not in headers and "connection" not in headers
        status, headers, _ = fetch_from_replay(replay.address, "GET", "https://www.vietnam.vn/", {}, None)
        assert status in (301, 302) and headers["location"].startswith("https://www.vietnam.vn/")
    finally:
        replay.stop()


def test_only_images_fonts_and_media_are_aborted():
    from crawler.browser import abort_request

    class R:
        def __init__(self, kind):
            self.resource_type = kind

    assert all(abort_request(R(k)) for k in ("image", "font", "media"))
    assert not any(abort_request(R(k)) for k in ("document", "script", "xhr", "fetch", "stylesheet"))
