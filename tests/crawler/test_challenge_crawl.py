"""Bot-challenge pages reach the spider (not dropped as HTTP errors), are counted per outlet, are not retried
and are never published. The page served is the real Cloudflare "Just a moment..." page from the corpus."""

from __future__ import annotations

import re
import urllib.request

from devtools.kafka_local import free_port
from tests.fixtures.paths import real_page


def _metric(port: int, name: str, **labels: str) -> float:
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    except OSError:
        return -1.0
    for m in re.finditer(rf"^{re.escape(name)}\{{([^}}]*)\}} (\S+)$", text, re.M):
        got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if got == labels:
            return float(m.group(2))
    return 0.0


def test_challenge_pages_are_counted_and_not_published(local_outlet, crawler_tools, tmp_path):
    challenge = real_page("banglanews24/cloudflare_challenge_opinion.html").read_bytes()
    site = local_outlet()
    good = site.article(1, "আসল খবর", "এটি একটি আসল প্রতিবেদন।")
    blocked_403, blocked_503 = site.base + "/news/2", site.base + "/news/3"
    site.pages["/news/2"] = crawler_tools.Page(403, challenge, headers={"cf-mitigated": "challenge"})
    site.pages["/news/3"] = crawler_tools.Page(503, challenge)
    site.feed([good, blocked_403, blocked_503])
    outlets = tmp_path / "outlets"
    site.outlet_file(outlets, outlet_id="cfnews")
    port = free_port()
    env = crawler_tools.env(tmp_path, BNWATCH_OUTLETS_DIR=str(outlets), BNWATCH_METRICS_PORT=str(port))
    log = tmp_path / "crawl.log"
    proc = crawler_tools.start(["crawl", "--follow", "--poll-interval", "60"], env, log)
    try:
        crawler_tools.wait_for(lambda: _metric(port, "bnwatch_challenge_pages_total", outlet="cfnews") >= 2, 30,
                               "two challenge pages counted")
        crawler_tools.wait_for(lambda: _metric(port, "bnwatch_items_published_total", outlet="cfnews") == 1, 10,
                               "the real article")
        assert _metric(port, "bnwatch_fetch_errors_total", outlet="cfnews", kind="http_4xx") == 1
        assert _metric(port, "bnwatch_fetch_errors_total", outlet="cfnews", kind="http_5xx") == 1
    finally:
        assert crawler_tools.stop(proc) == 0, log.read_text()[-3000:]
    assert crawler_tools.spool_urls(tmp_path) == [good]
    assert len(site.hits("/news/3")) == 1, "a challenge is not retried (503 is otherwise retried)"
    assert len(site.hits("/news/2")) == 1
    assert "challenge page (cloudflare-challenge, HTTP 503)" in log.read_text()
