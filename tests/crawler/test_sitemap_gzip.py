"""Gzipped sitemaps, read with Scrapy's helpers: the discovery code on the outlet replay's Daily Inqilab news
sitemap gzipped, and a real crawl of a local outlet whose sitemap index and child sitemap are .xml.gz files and
whose news sitemap is sent with Content-Encoding: gzip."""

from __future__ import annotations

import gzip
import json
import time

import pytest

from bnwatch.outlets import DiscoverySource, default_registry
from crawler.discovery import DiscoveryError, discover, from_sitemap
from devtools.replay.server import ReplayServer

SITEMAP = DiscoverySource(type="sitemap", url="https://dailyinqilab.com/news-sitemap.xml")


@pytest.fixture(scope="module")
def inqilab_sitemap() -> bytes:
    """The replay's Daily Inqilab news sitemap an hour into the replay, when its articles are all listed."""
    page = ReplayServer(port=0).render("dailyinqilab", "/news-sitemap.xml", now=time.time() + 3600)
    assert page.status == 200 and page.body.count(b"<url>") >= 10
    return page.body


def test_a_gzipped_news_sitemap_yields_what_the_plain_one_does(inqilab_sitemap):
    outlet = default_registry().get("dailyinqilab")
    plain = discover(outlet, SITEMAP, inqilab_sitemap, SITEMAP.url)
    gzipped = discover(outlet, SITEMAP, gzip.compress(inqilab_sitemap), SITEMAP.url + ".gz")
    assert len(plain) == inqilab_sitemap.count(b"<url>")
    assert gzipped == plain
    assert all(d.stamp and not d.is_source for d in gzipped), "news:publication_date kept as the stamp"


def test_a_gzipped_sitemap_larger_than_the_maximum_is_refused(inqilab_sitemap):
    with pytest.raises(DiscoveryError, match="larger than 1000 bytes"):
        from_sitemap(gzip.compress(inqilab_sitemap), SITEMAP.url, max_size=1000)


def test_broken_gzip_and_a_non_sitemap_are_discovery_errors(inqilab_sitemap):
    with pytest.raises(DiscoveryError):
        from_sitemap(gzip.compress(inqilab_sitemap)[:12], SITEMAP.url)
    with pytest.raises(DiscoveryError, match="not a sitemap"):
        from_sitemap(b"<html><body><a href='/news/1'>x</a></body></html>", SITEMAP.url)


def test_a_gzipped_sitemap_declaring_entities_is_refused():
    bomb = b"""<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>
        <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://dailyinqilab.com/&b;</loc></url>
        </urlset>"""
    with pytest.raises(DiscoveryError, match="entities"):
        from_sitemap(gzip.compress(bomb), SITEMAP.url)


def _urlset(urls: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{u}</loc><lastmod>2026-11-30T10:00:00+06:00</lastmod></url>" for u in urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{entries}</urlset>").encode()


def test_a_crawl_follows_gzipped_sitemaps(local_outlet, crawler_tools, tmp_path):
    site = local_outlet()
    urls = [site.article(n, f"খবর {n}", f"অনুচ্ছেদ {n}") for n in range(1, 5)]
    Page = crawler_tools.Page
    index = (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f"<sitemap><loc>{site.base}/sitemaps/1.xml.gz</loc></sitemap></sitemapindex>").encode()
    site.pages["/sitemap-index.xml.gz"] = Page(200, gzip.compress(index), "application/x-gzip")
    site.pages["/sitemaps/1.xml.gz"] = Page(200, gzip.compress(_urlset(urls[:2])), "application/gzip")
    site.pages["/news-sitemap.xml"] = Page(200, gzip.compress(_urlset(urls[2:])), "application/xml",
                                           headers={"Content-Encoding": "gzip"})
    outlets = tmp_path / "outlets"
    (outlets / "localnews").mkdir(parents=True)  # one folder per outlet
    (outlets / "localnews" / "outlet.yaml").write_text(json.dumps({
        "id": "localnews", "name": "Local News", "domain": "127.0.0.1", "home": site.base + "/",
        "timezone": "Asia/Dhaka",
        "discovery": [{"type": "sitemap", "url": site.base + "/sitemap-index.xml.gz"},
                      {"type": "sitemap", "url": site.base + "/news-sitemap.xml"}],
        "article_urls": [r"^http://127\.0\.0\.1:\d+/news/\d+$"],
        "selectors": {"title": "h1.title::text", "body": "div.body > p"},
    }), encoding="utf-8")
    env = crawler_tools.env(tmp_path, BNWATCH_OUTLETS_DIR=str(outlets))
    log = tmp_path / "crawl.log"
    assert crawler_tools.start(["crawl"], env, log).wait(60) == 0, log.read_text()[-3000:]
    text = log.read_text()
    assert sorted(crawler_tools.spool_urls(tmp_path)) == sorted(urls), text[-3000:]
    for path in ("/sitemap-index.xml.gz", "/sitemaps/1.xml.gz", "/news-sitemap.xml"):
        assert site.hits(path), path
    assert not [line for line in text.splitlines() if "WARNING" in line and "discovery" in line]
