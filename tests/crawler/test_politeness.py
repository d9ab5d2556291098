"""Politeness: robots.txt Crawl-delay and the outlet file's crawl.download_delay space the requests to a host,
with AutoThrottle on (it would otherwise lower the delay) and the default ±50 % delay jitter."""

from __future__ import annotations

import random

import pytest

from crawler.middlewares.politeness import FlooredSlot
from crawler.settings import user_agent_with_contact


def test_floored_slot_never_goes_below_its_floor():
    random.seed(7)
    slot = FlooredSlot(concurrency=4, delay=0.25, jitter=0.5, floor=2.0)
    assert min(slot.download_delay() for _ in range(500)) >= 2.0
    slot.delay = 5.0  # AutoThrottle may raise it
    assert min(slot.download_delay() for _ in range(500)) >= 2.5  # 5 × (1 − 0.5)


def test_user_agent_carries_the_contact():
    ua = user_agent_with_contact("bnwatch/0.1 (+https://example.org/bot; news monitor)", "ops@example.org")
    assert ua == "bnwatch/0.1 (+https://example.org/bot; news monitor; contact: ops@example.org)"
    assert user_agent_with_contact(ua, "ops@example.org") == ua
    assert user_agent_with_contact("mybot/1", "https://x.org/c") == "mybot/1 (contact: https://x.org/c)"


def _gaps(times: list[float]) -> list[float]:
    times = sorted(times)
    return [b - a for a, b in zip(times, times[1:])]


@pytest.mark.parametrize("case", ["robots-crawl-delay", "outlet-download-delay"])
def test_requests_to_a_host_are_spaced_by_the_delay(case, local_outlet, crawler_tools, tmp_path):
    delay = 0.8
    if case == "robots-crawl-delay":
        site = local_outlet(f"User-agent: bnwatch\nCrawl-delay: {delay}\nAllow: /\n\nUser-agent: *\nDisallow: /\n")
        crawl = {}
    else:
        site = local_outlet()
        crawl = {"download_delay": delay, "concurrency": 2}
    urls = [site.article(n, f"খবর {n}", f"অনুচ্ছেদ {n}") for n in range(1, 5)]
    site.feed(urls)
    outlets = tmp_path / "outlets"
    site.outlet_file(outlets, crawl=crawl)
    env = crawler_tools.env(tmp_path, BNWATCH_OUTLETS_DIR=str(outlets), BNWATCH_CONTACT="ops@example.org")
    log = tmp_path / "crawl.log"
    proc = crawler_tools.start(["crawl"], env, log)
    assert proc.wait(60) == 0, log.read_text()[-3000:]

    assert sorted(crawler_tools.spool_urls(tmp_path)) == sorted(urls)
    times = [t for t, path, _h in site.requests]
    assert len(times) == 6  # robots.txt, the feed, four articles
    gaps = _gaps(times)
    # robots.txt comes first, before its Crawl-delay is known; every request after it keeps the delay
    assert min(gaps[1:]) >= delay - 0.03, gaps
    ua = site.requests[-1][2].get("User-Agent", "")
    assert ua.startswith("bnwatch/") and "contact: ops@example.org" in ua
