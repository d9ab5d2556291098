"""Discovery parsing on real feeds and listings from the corpus, and refusal of hostile XML."""

import pytest

from bnwatch.outlets import DiscoverySource, Outlet
from crawler.discovery import DiscoveryError, discover, from_feed, from_sitemap
from tests.fixtures.paths import real_page

KALERKANTHO = Outlet.from_dict({
    "id": "kalerkantho", "name": "Kaler Kantho", "domain": "kalerkantho.com", "home": "https://www.kalerkantho.com/",
    "timezone": "Asia/Dhaka", "article_urls": [r"^https://www\.kalerkantho\.com/online/[A-Za-z-]+/\d{4}/\d\d/\d\d/\d+$"],
})
RSS = DiscoverySource(type="rss", url="https://www.kalerkantho.com/rss.xml")


def test_real_kaler_kantho_feed_yields_every_item_link_with_its_date():
    body = real_page("kalerkantho/rss_world_derived.xml").read_bytes()
    items = body.count(b"<item>")
    found = discover(KALERKANTHO, RSS, body, RSS.url)
    assert items > 50
    assert len(found) == len({d.url for d in found})
    assert found[0].url == "https://www.kalerkantho.com/online/world/2025/11/16/1606902"
    assert found[0].stamp == "Sun, 16 Nov 2025 11:13:30 GMT"
    # every distinct online-edition link is kept once; print-edition links do not match the article pattern
    links = from_feed_links(body)
    online = {u for u in links if "/online/" in u}
    assert any("/print-edition/" in u for u in links)
    assert {d.url for d in found} == online


def from_feed_links(body):
    return [d.url for d in from_feed(body, RSS.url)]


def test_urls_outside_the_article_pattern_are_dropped():
    body = b"""<rss><channel>
      <item><link>https://www.kalerkantho.com/online/world/2025/11/16/1606902</link></item>
      <item><link>https://www.kalerkantho.com/tags/russia</link></item>
      <item><link>https://evil.example.org/online/world/2025/11/16/1</link></item>
    </channel></rss>"""
    assert [d.url for d in discover(KALERKANTHO, RSS, body, RSS.url)] == [
        "https://www.kalerkantho.com/online/world/2025/11/16/1606902"
    ]


def test_atom_feed_links_and_relative_urls():
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry>
      <link rel="alternate" href="/online/world/2025/11/16/42"/><updated>2025-11-16T10:00:00Z</updated>
    </entry></feed>"""
    found = discover(KALERKANTHO, RSS, body, "https://www.kalerkantho.com/rss.xml")
    assert [(d.url, d.stamp) for d in found] == [
        ("https://www.kalerkantho.com/online/world/2025/11/16/42", "2025-11-16T10:00:00Z")
    ]


def test_news_sitemap_and_sitemap_index():
    news = """<?xml version="1.0" encoding="UTF-8"?>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
            xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
      <url><loc>https://www.kalerkantho.com/online/world/2025/11/16/7</loc>
        <news:news><news:publication_date>2025-11-16T17:13:30+06:00</news:publication_date>
        <news:title>রাশিয়া সফরে কিম</news:title></news:news></url>
    </urlset>""".encode()
    (d,) = from_sitemap(news, "https://www.kalerkantho.com/")
    assert d.stamp == "2025-11-16T17:13:30+06:00" and not d.is_source
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://www.kalerkantho.com/daily-sitemap/2025-11-16/sitemap.xml</loc></sitemap></sitemapindex>"""
    found = discover(KALERKANTHO, DiscoverySource(type="sitemap", url="x"), index, "https://www.kalerkantho.com/")
    assert [(f.url, f.is_source) for f in found] == [
        ("https://www.kalerkantho.com/daily-sitemap/2025-11-16/sitemap.xml", True)
    ]


@pytest.mark.parametrize("payload", [
    b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
        <rss><channel><item><link>&lol2;</link></item></channel></rss>""",
    b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
        <rss><channel><item><link>&xxe;</link></item></channel></rss>""",
])
def test_entity_bombs_and_external_entities_are_refused(payload):
    with pytest.raises(DiscoveryError, match="entities"):
        discover(KALERKANTHO, RSS, payload, RSS.url)


def test_garbage_is_a_discovery_error_not_a_crash():
    with pytest.raises(DiscoveryError):
        discover(KALERKANTHO, RSS, b"\x00\x01 not xml at all", RSS.url)


def test_listing_page_links_by_css():
    html = """<html><body><nav><a href="/">প্রচ্ছদ</a></nav>
      <div class="news"><a href="/online/world/2025/11/16/11">রাশিয়া–উত্তর কোরিয়া বৈঠক</a></div>
      <div class="news"><a href="https://www.kalerkantho.com/online/world/2025/11/16/12">খবর</a></div></body></html>"""
    src = DiscoverySource(type="listing", url="https://www.kalerkantho.com/online/world", links="div.news a")
    found = discover(KALERKANTHO, src, html.encode(), src.url)
    assert [d.url for d in found] == [
        "https://www.kalerkantho.com/online/world/2025/11/16/11",
        "https://www.kalerkantho.com/online/world/2025/11/16/12",
    ]


def test_json_api_items():
    body = '{"data": {"items": [{"url": "/online/world/2025/11/16/5", "headline": "উত্তর কোরিয়া"}, {"x": 1}]}}'
    src = DiscoverySource(type="json_api", url="https://www.kalerkantho.com/api", links="data.items", link_field="url")
    assert [d.url for d in discover(KALERKANTHO, src, body.encode(), src.url)] == [
        "https://www.kalerkantho.com/online/world/2025/11/16/5"
    ]


def test_listing_selector_with_several_parts_takes_links_from_every_part():
    html = """<div class="lead"><a href="/online/world/2025/11/16/21">প্রধান খবর</a></div>
      <ul class="more"><li><a href="/online/world/2025/11/16/22">আরও একটি খবর</a></li></ul>"""
    src = DiscoverySource(type="listing", url="https://www.kalerkantho.com/online/world", links="div.lead a, ul.more a")
    found = discover(KALERKANTHO, src, html.encode(), src.url)
    assert [d.url for d in found] == [
        "https://www.kalerkantho.com/online/world/2025/11/16/21",
        "https://www.kalerkantho.com/online/world/2025/11/16/22",
    ]
