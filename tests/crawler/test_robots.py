"""robots.txt read again while the crawler runs (crawler/middlewares/robots.py): a section the first robots.txt
disallowed is crawled once a newer robots.txt allows it, without a restart; a robots.txt that cannot be fetched
again (503) leaves the previous one in force instead of allowing everything. Real Scrapy crawls in follow mode
against a local outlet whose robots.txt the test changes."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.integration

FAST = {
    "ROBOTSTXT_TTL": 2, "ROBOTSTXT_ERROR_TTL": 2,
    "POLL_INTERVAL": 1, "POLL_MIN_INTERVAL": 1, "POLL_MAX_INTERVAL": 1, "POLL_INTERVAL_OVERRIDE": True,
    "RETRY_BACKOFF_BASE": 0.05, "RETRY_BACKOFF_MAX": 0.1,
}


def _start(site, crawler_tools, tmp_path):
    urls = [site.article(n, f"খবর {n}", f"ঢাকায় আজ নতুন ঘোষণা এসেছে, অনুচ্ছেদ {n}।") for n in (1, 2)]
    site.feed(urls)
    outlets = tmp_path / "outlets"
    site.outlet_file(outlets)
    env = crawler_tools.env(tmp_path, BNWATCH_OUTLETS_DIR=str(outlets))
    log = tmp_path / "crawl.log"
    proc = crawler_tools.start(None, env, log, settings=FAST, spider={"follow": True})
    return urls, proc, log


def test_a_section_allowed_by_a_newer_robots_txt_is_crawled_without_a_restart(local_outlet, crawler_tools, tmp_path):
    site = local_outlet("User-agent: *\nDisallow: /news/2\n")
    urls, proc, log = _start(site, crawler_tools, tmp_path)
    try:
        crawler_tools.wait_for(lambda: site.hits("/news/1"), 30, "the allowed article")
        crawler_tools.wait_for(lambda: len(site.hits("/feed")) >= 3, 20, "two more polls of the feed")
        assert site.hits("/news/2") == [], "fetched a page robots.txt disallows"
        site.pages["/robots.txt"] = crawler_tools.Page(200, b"User-agent: *\nAllow: /\n", "text/plain")
        crawler_tools.wait_for(lambda: site.hits("/news/2"), 30, "the newly allowed article")
        crawler_tools.wait_for(lambda: "Crawled (200) <GET " + urls[1] in log.read_text(), 10, "its response")
        assert proc.poll() is None, log.read_text()[-3000:]
    finally:
        assert crawler_tools.stop(proc) == 0  # a graceful stop flushes the spool
    assert len(site.hits("/robots.txt")) >= 2
    assert sorted(crawler_tools.spool_urls(tmp_path)) == sorted(urls)  # each once


def test_a_robots_txt_that_cannot_be_read_again_leaves_the_previous_one_in_force(local_outlet, crawler_tools,
                                                                                 tmp_path):
    site = local_outlet("User-agent: *\nDisallow: /news/2\n")
    urls, proc, log = _start(site, crawler_tools, tmp_path)
    try:
        crawler_tools.wait_for(lambda: site.hits("/news/1"), 30, "the allowed article")
        site.pages["/robots.txt"] = crawler_tools.Page(503, b"<html>Service Unavailable</html>")
        first_refetch = len(site.hits("/robots.txt"))
        # several TTLs and polls go by, with robots.txt answered 503 each time it is read again
        crawler_tools.wait_for(lambda: len(site.hits("/robots.txt")) >= first_refetch + 2, 40,
                               "robots.txt to be tried again")
        crawler_tools.wait_for(lambda: len(site.hits("/feed")) >= 6, 30, "more polls of the feed")
        assert proc.poll() is None, log.read_text()[-3000:]
    finally:
        assert crawler_tools.stop(proc) == 0  # a graceful stop flushes the spool
    assert site.hits("/news/2") == [], "a failed re-read of robots.txt allowed everything"
    assert crawler_tools.spool_urls(tmp_path) == [urls[0]]
    assert "the previous one stays in force" in log.read_text()


def test_a_crawl_delay_dropped_by_a_newer_robots_txt_stops_slowing_the_outlet(local_outlet, crawler_tools,
                                                                              tmp_path):
    site = local_outlet("User-agent: *\nCrawl-delay: 2\nAllow: /\n")
    urls, proc, log = _start(site, crawler_tools, tmp_path)
    try:
        crawler_tools.wait_for(lambda: site.hits("/news/1") and site.hits("/news/2"), 30, "the first two articles")
        first = sorted(site.hits("/news/1") + site.hits("/news/2"))
        assert first[1] - first[0] >= 2 - 0.05  # the Crawl-delay holds
        site.pages["/robots.txt"] = crawler_tools.Page(200, b"User-agent: *\nAllow: /\n", "text/plain")
        time.sleep(2.5)  # older than ROBOTSTXT_TTL: read again with the next request
        new = [site.article(n, f"খবর {n}", f"চট্টগ্রামে আজ নতুন ঘোষণা এসেছে, অনুচ্ছেদ {n}।") for n in range(3, 7)]
        site.feed(urls + new)
        crawler_tools.wait_for(lambda: all(site.hits(f"/news/{n}") for n in range(3, 7)), 30, "the new articles")
        assert proc.poll() is None, log.read_text()[-3000:]
    finally:
        crawler_tools.stop(proc)
    times = sorted(t for n in range(3, 7) for t in site.hits(f"/news/{n}"))
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert max(gaps) < 1.0, gaps  # DOWNLOAD_DELAY 0.25 s ± 50 %, no longer the 2 s Crawl-delay
    assert len(site.hits("/robots.txt")) >= 2
