"""The outlet replay over HTTP: sites by Host, robots.txt, discovery documents, conditional GET, the control API."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urljoin, urlsplit

import pytest
from parsel import Selector

from devtools.replay import ReplayServer
from devtools.replay.site import Site

from .conftest import HOSTS, OUTLETS, Client

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "news": "http://www.google.com/schemas/sitemap-news/0.9"}


def source_urls(registry, outlet: str, replay=None) -> list[tuple]:
    """(source, URL to fetch) for each discovery source. A dated source (`{date}`, a daily sitemap) is fetched for
    the day of the outlet's newest replay article, as the crawler would on that day."""
    o = registry.get(outlet)
    when = None
    if replay is not None and replay.sites[outlet].articles:
        when = max(a.published for a in replay.sites[outlet].articles)
    return [(s, s.url_for(o.timezone, when)) for s in o.discovery]


def discovery_urls(client: Client, registry, outlet: str, replay=None) -> dict[str, list[str]]:
    """Article URLs found in each of the outlet's discovery sources (as its YAML lists them)."""
    from parsel import Selector

    found = {}
    for source, source_url in source_urls(registry, outlet, replay):
        resp = client.get_url(source_url)
        assert resp.status == 200, source_url
        if source.type == "sitemap":
            root = ET.fromstring(resp.body)
            urls = [u.findtext("sm:loc", namespaces=NS) for u in root.findall("sm:url", NS)]
            # a sitemap index: the article URLs are in its child sitemaps
            for child in [c.findtext("sm:loc", namespaces=NS) for c in root.findall("sm:sitemap", NS)]:
                child_resp = client.get_url(child)
                assert child_resp.status == 200, child
                urls += [u.findtext("sm:loc", namespaces=NS)
                         for u in ET.fromstring(child_resp.body).findall("sm:url", NS)]
        elif source.type == "rss":
            root = ET.fromstring(resp.body)
            urls = [i.findtext("link") for i in root.iter("item")]
        elif source.type == "json_api":
            assert resp.headers["content-type"].startswith("application/json")
            data = json.loads(resp.body)
            for key in (source.links or "").split("."):
                data = data[key] if key else data
            urls = [resolve(client, urljoin(source_url, item[source.link_field or "url"])) for item in data]
        else:
            # hrefs resolved against the page (Ittefaq's listing links are protocol-relative: //www.ittefaq.com.bd/…)
            urls = [urljoin(source_url, h.strip())
                    for h in Selector(text=resp.text).css(f"{source.links or 'a'}::attr(href)").getall()]
        found[source_url] = urls
    return found


def resolve(client: Client, url: str) -> str:
    """The URL a (permanent) redirect leads to, else the URL itself (Bonik Barta's API gives /home/… paths)."""
    resp = client.get_url(url)
    if resp.status in (301, 308):
        return urljoin(url, resp.headers["location"])
    return url


@pytest.mark.parametrize("outlet", OUTLETS)
def test_each_site_is_served_by_its_host(client, replay, outlet):
    site = replay.sites[outlet]
    article = site.articles[0]
    for host in site.hosts:
        resp = client.get(host, article.path)
        assert resp.status == 200, host
        assert resp.headers["content-type"].startswith("text/html")
        assert article.title in resp.text
        assert Selector(text=resp.text).css('link[rel="canonical"]::attr(href)').get() == site.url(article.path)
    # another outlet's host does not serve it
    other = next(o for o in OUTLETS if o != outlet)
    assert client.get(HOSTS[other], article.path).status == 404


def test_host_with_port_and_absolute_request_uri(client, replay):
    a = replay.sites["dailyinqilab"].articles[0]
    assert client.get("dailyinqilab.com:443", a.path).status == 200
    assert client.get("127.0.0.1", f"https://dailyinqilab.com{a.path}").status == 200


def test_unknown_host_gets_an_index_or_404(client):
    index = client.get("127.0.0.1", "/")
    assert index.status == 200 and "outlet replay" in index.text
    assert client.get("example.org", "/international/news/1").status == 404


@pytest.mark.parametrize("outlet", OUTLETS)
def test_robots_txt_allows_the_crawl(client, replay, registry, outlet):
    from urllib.robotparser import RobotFileParser

    resp = client.get(HOSTS[outlet], "/robots.txt")
    assert resp.status == 200 and resp.headers["content-type"].startswith("text/plain")
    rp = RobotFileParser()
    rp.parse(resp.text.splitlines())
    o = registry.get(outlet)
    for url in [s.url for s in o.discovery] + [replay.sites[outlet].url(a.path) for a in replay.sites[outlet].articles]:
        assert rp.can_fetch("bnwatch", url), url


@pytest.mark.parametrize("outlet", OUTLETS)
def test_discovery_lists_every_article_and_matches_the_patterns(client, replay, registry, outlet):
    o = registry.get(outlet)
    site = replay.sites[outlet]
    everything = {site.url(a.path) for a in site.articles}
    found = discovery_urls(client, registry, outlet, replay)
    union = set()
    for source_url, urls in found.items():
        article_urls = [u for u in urls if o.is_article_url(u)]
        assert article_urls, f"{source_url} lists no article URLs"
        assert set(article_urls) <= everything, set(article_urls) - everything
        union |= set(article_urls)
    assert union == everything, "some articles are not discoverable"
    # every article URL matches the outlet's patterns and belongs to the outlet's host
    for url in everything:
        assert o.is_article_url(url), url
        assert o.owns_host(urlsplit(url).hostname)
    # and the discovery pages themselves are not mistaken for articles
    for source in o.discovery:
        assert not o.is_article_url(source.url)


def test_news_sitemap_has_publication_dates(client):
    resp = client.get("dailyinqilab.com", "/news-sitemap.xml")
    root = ET.fromstring(resp.body)
    for url in root.findall("sm:url", NS):
        date = url.findtext("news:news/news:publication_date", namespaces=NS)
        assert datetime.fromisoformat(date).utcoffset() == timedelta(hours=6)
        assert url.findtext("news:news/news:title", namespaces=NS)


def test_rss_feed_parses_with_feedparser(client, replay):
    feedparser = pytest.importorskip("feedparser")
    resp = client.get("www.somoyerkonthosor.com", "/feed")
    assert resp.headers["content-type"].startswith("application/rss+xml")
    feed = feedparser.parse(resp.body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) == len(replay.sites["somoyerkonthosor"].articles)
    assert all(e.published_parsed for e in feed.entries)
    # newest first
    stamps = [e.published_parsed for e in feed.entries]
    assert stamps == sorted(stamps, reverse=True)


def test_discovery_matches_the_crawlers_own_parser(client, replay, registry):
    from crawler import discovery
    for outlet in OUTLETS:
        o = registry.get(outlet)
        site = replay.sites[outlet]
        seen = set()
        for source, source_url in source_urls(registry, outlet, replay):
            docs = [source_url]
            while docs:  # a sitemap index yields its child sitemaps as further discovery documents
                doc = docs.pop()
                resp = client.get_url(doc)
                for d in discovery.discover(o, source, resp.body, doc):
                    if d.is_source:
                        docs.append(d.url)
                    else:
                        seen.add(resolve(client, d.url))
        assert seen == {site.url(a.path) for a in site.articles}, outlet


@pytest.mark.parametrize("outlet,path", [("dailyinqilab", "/news-sitemap.xml"), ("somoyerkonthosor", "/feed"),
                                         ("vietnamvn", "/bn/the-gioi/")])
def test_conditional_get_answers_304(client, outlet, path):
    host = HOSTS[outlet]
    first = client.get(host, path)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    again = client.get(host, path, If_None_Match=etag)
    assert again.status == 304 and again.body == b""
    assert again.headers["etag"] == etag
    assert client.get(host, path, If_Modified_Since=last_modified).status == 304
    assert client.get(host, path, If_None_Match='"something-else"').status == 200
    older = format_datetime(datetime.fromtimestamp(0).astimezone(), usegmt=False)
    assert client.get(host, path, If_Modified_Since=older).status == 200


def test_article_page_304_until_the_article_changes(fresh):
    server, client, clock = fresh
    a = server.sites["dailyinqilab"].articles[0]
    first = client.get("dailyinqilab.com", a.path)
    etag, lm = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('W/"')
    # new articles elsewhere change the related lists (chrome), not the article
    server.add_article("dailyinqilab", "নতুন খবর", ["প্রথম অনুচ্ছেদ।"])
    assert client.get("dailyinqilab.com", a.path, If_None_Match=etag).status == 304
    clock.advance(1)
    server.edit_article(server.sites["dailyinqilab"].url(a.path), paragraphs=a.paragraphs + ["হালনাগাদ অনুচ্ছেদ।"])
    assert client.get("dailyinqilab.com", a.path, If_None_Match=etag).status == 200
    assert client.get("dailyinqilab.com", a.path, If_Modified_Since=lm).status == 200


def _post(client: Client, path: str, payload: dict, method: str = "POST"):
    resp = client.request(method, "replay.control", path, body=json.dumps(payload, ensure_ascii=False).encode())
    return resp.status, json.loads(resp.body)


@pytest.mark.parametrize("outlet", OUTLETS)
def test_added_article_shows_up_in_discovery_and_is_served(fresh, registry, outlet):
    server, client, clock = fresh
    before = discovery_urls(client, registry, outlet)
    etags = {u: client.get_url(u).headers["etag"] for u in before}
    status, added = _post(client, "/_replay/articles", {
        "outlet": outlet, "title": "পিয়ংইয়ংয়ে পুতিন-কিম বৈঠক", "paragraphs": ["প্রথম অনুচ্ছেদ।", "দ্বিতীয় অনুচ্ছেদ।"],
        "ru_nk": True})
    assert status == 201, added
    url = added["url"]
    assert registry.get(outlet).is_article_url(url), url
    after = discovery_urls(client, registry, outlet)
    assert any(url in urls for urls in after.values())
    for u, etag in etags.items():  # the discovery documents that list it changed: no 304 on the old validator
        if url in after[u]:
            assert client.get_url(u, If_None_Match=etag).status == 200
    page = client.get_url(url)
    assert page.status == 200
    text = page.text
    if server.sites[outlet].config.get("render") == "script":  # a JavaScript outlet: as the browser shows it
        assert "দ্বিতীয় অনুচ্ছেদ।" not in text
        text = server.render(outlet, urlsplit(url).path).body.decode("utf-8")
    assert "পিয়ংইয়ংয়ে পুতিন-কিম বৈঠক" in text and "দ্বিতীয় অনুচ্ছেদ।" in text
    assert url in {a["url"] for a in server.articles() if a["ru_nk"]}


def test_edit_changes_update_time_content_and_discovery(fresh):
    server, client, clock = fresh
    site = server.sites["dailyinqilab"]
    a = site.articles[0]
    url = site.url(a.path)
    sitemap = client.get("dailyinqilab.com", "/news-sitemap.xml")
    clock.advance(120)
    status, edited = _post(client, "/_replay/edit", {"url": url, "title": a.title + " (হালনাগাদ)",
                                                      "paragraphs": ["নতুন তথ্য যোগ হয়েছে।"]})
    assert status == 200, edited
    assert edited["version"] == 2
    assert datetime.fromisoformat(edited["updated"]).timestamp() == pytest.approx(clock(), abs=1)
    page = client.get_url(url).text
    assert "(হালনাগাদ)" in page and "নতুন তথ্য যোগ হয়েছে।" in page
    new_stamp = site.dateline(datetime.fromisoformat(edited["updated"]))
    assert f"আপডেট: {new_stamp}" in page
    again = client.get("dailyinqilab.com", "/news-sitemap.xml", If_Modified_Since=sitemap.headers["last-modified"])
    assert again.status == 200
    root = ET.fromstring(again.body)
    lastmods = {u.findtext("sm:loc", namespaces=NS): u.findtext("sm:lastmod", namespaces=NS)
                for u in root.findall("sm:url", NS)}
    assert lastmods[url] == edited["updated"]
    # PATCH works too, by slug
    status, edited2 = _post(client, "/_replay/articles", {"slug": a.slug, "outlet": "dailyinqilab",
                                                          "paragraphs": ["আবারও হালনাগাদ।"]}, method="PATCH")
    assert status == 200 and edited2["version"] == 3


def test_rss_item_of_an_edited_article_keeps_its_guid(fresh):
    server, client, clock = fresh
    site = server.sites["somoyerkonthosor"]
    a = site.articles[0]
    clock.advance(60)
    server.edit_article(a.slug, outlet="somoyerkonthosor", paragraphs=["সংশোধিত।"])
    root = ET.fromstring(client.get("www.somoyerkonthosor.com", "/feed").body)
    guids = [i.findtext("guid") for i in root.iter("item")]
    assert guids.count(site.url(a.path)) == 1


def test_appears_at_schedules_articles(clock):
    server = ReplayServer(port=0, clock=clock).start()
    try:
        client = Client(server)
        added = server.add_article("vietnamvn", "পরে আসবে এমন খবর", ["অনুচ্ছেদ।"], appears_in=30,
                                   slug="tin-se-xuat-hien-sau")
        assert not added["visible"]
        assert client.get_url(added["url"]).status == 404
        listing = client.get("www.vietnam.vn", "/bn/the-gioi/")
        assert added["url"] not in listing.text
        clock.advance(31)
        assert client.get_url(added["url"]).status == 200
        again = client.get("www.vietnam.vn", "/bn/the-gioi/", If_None_Match=listing.headers["etag"],
                           If_Modified_Since=listing.headers["last-modified"])
        assert again.status == 200 and added["url"] in again.text
        # it was published when it appeared
        assert datetime.fromisoformat(added["published"]).timestamp() == pytest.approx(server.start_time + 30, abs=1)
    finally:
        server.stop()


def test_state_and_errors(fresh):
    server, client, clock = fresh
    state = json.loads(client.get("anything", "/_replay/state").body)
    assert set(state["sites"]) == set(OUTLETS)
    total = sum(len(s["articles"]) for s in state["sites"].values())
    assert total == len(server.articles())
    assert json.loads(client.get("anything", "/_replay/hosts").body)["dailyinqilab.com"] == server.address
    assert _post(client, "/_replay/articles", {"outlet": "nope", "title": "x", "paragraphs": ["y"]})[0] == 400
    assert _post(client, "/_replay/articles", {"outlet": "vietnamvn", "title": "x"})[0] == 400
    assert _post(client, "/_replay/edit", {"url": "https://dailyinqilab.com/x/news/1"})[0] == 400
    resp = client.request("POST", "anything", "/_replay/articles", body=b"not json")
    assert resp.status == 400


def test_reset_restores_the_default_sites(fresh):
    server, client, clock = fresh
    n = len(server.articles())
    server.add_article("dailyinqilab", "শিরোনাম", ["অনুচ্ছেদ।"])
    assert len(server.articles()) == n + 1
    assert _post(client, "/_replay/reset", {})[0] == 200
    assert len(server.articles()) == n


def test_head_request(client, replay):
    a = replay.sites["vietnamvn"].articles[0]
    resp = client.request("HEAD", "www.vietnam.vn", a.path)
    assert resp.status == 200 and resp.body == b"" and int(resp.headers["content-length"]) > 1000


def test_vietnam_root_redirects_to_the_bengali_edition(client):
    resp = client.get("www.vietnam.vn", "/")
    assert resp.status == 301 and resp.headers["location"] == "https://www.vietnam.vn/bn/"


# -- bot challenges ------------------------------------------------------------------------------------------------

CHALLENGE_SITES = [o for o in OUTLETS if (ReplayServer(outlets=(o,)).sites[o].config.get("challenge") or {}).get("file")]


@pytest.mark.parametrize("outlet", CHALLENGE_SITES)
def test_challenge_page_is_served_where_configured(client, replay, outlet):
    """The real Cloudflare interstitial from the corpus, byte for byte, at the configured paths: the crawler's and
    the clean stage's challenge detection both recognise it."""
    from consumers.clean.extract import CHALLENGE, challenge_reason as page_challenge_reason
    from crawler.challenge import challenge_reason

    site = replay.sites[outlet]
    cfg = site.config["challenge"]
    real = (site._folder / cfg["file"]).read_bytes()
    assert b"<title>Just a moment...</title>" in real
    for path in cfg["paths"]:
        resp = client.get(HOSTS[outlet], path)
        assert resp.status == cfg.get("status", 403)
        assert resp.body == real
        assert resp.headers.get("cf-mitigated") == "challenge"
        assert challenge_reason(resp.status, resp.body) == "cloudflare-challenge"
        assert page_challenge_reason(resp.text) == CHALLENGE
        # the query string does not get around it
        assert client.get(HOSTS[outlet], path + "?page=2").body == real


@pytest.mark.parametrize("outlet", CHALLENGE_SITES)
def test_challenge_can_be_switched_on_for_any_url(fresh, outlet):
    server, client, clock = fresh
    site = server.sites[outlet]
    url = site.url(site.articles[0].path)
    assert client.get_url(url).status == 200
    status, state = _post(client, "/_replay/challenge", {"outlet": outlet, "url": url})
    assert status == 200 and site.articles[0].path in state["challenged"]
    resp = client.get_url(url)
    assert resp.status == 403 and b"Just a moment..." in resp.body and site.articles[0].title not in resp.text
    assert _post(client, "/_replay/challenge", {"outlet": outlet, "url": url, "on": False})[0] == 200
    assert client.get_url(url).status == 200
    # outlets without a challenge page refuse
    other = next(o for o in OUTLETS if o not in CHALLENGE_SITES)
    assert _post(client, "/_replay/challenge", {"outlet": other, "path": "/"})[0] == 400


def test_json_api_and_sitemap_index_shapes(client, replay):
    """Generic discovery shapes of the site model: a JSON list API (items under a dotted path, fields mapped from
    the article) and a sitemap index of daily news sitemaps."""
    for outlet, site in replay.sites.items():
        for path, route in site.routes.items():
            if route["kind"] == "json_api":
                data = json.loads(client.get(HOSTS[outlet], path).body)
                for key in [k for k in str(route.get("items_path", "")).split(".") if k]:
                    data = data[key]
                assert data and all(set(route["item"]) == set(item) for item in data)
            if route["kind"] == "sitemap_index":
                root = ET.fromstring(client.get(HOSTS[outlet], path).body)
                children = [c.findtext("sm:loc", namespaces=NS) for c in root.findall("sm:sitemap", NS)]
                days = {a.published.astimezone(site.tz).date().isoformat() for a in site.articles}
                assert len(children) == len(days) and all(any(d in c for d in days) for c in children)
                for c in children:
                    day = next(d for d in days if d in c)
                    urls = ET.fromstring(client.get_url(c).body).findall("sm:url", NS)
                    want = [a for a in site.articles if a.published.astimezone(site.tz).date().isoformat() == day]
                    assert len(urls) == len(want)
                # an unknown day is an empty sitemap, a malformed one a 404
                assert client.get(HOSTS[outlet], "/sitemaps/sitemap-news-1999-01-01.xml").status in (200, 404)


# -- dated discovery documents and full-text feeds (generic over the site models) ------------------------------------

_MODELS = {o: Site.load(o) for o in OUTLETS}
DATED = [(o, r["path"]) for o, site in _MODELS.items() for r in site.config.get("routes") or [] if "{date}" in r["path"]]


@pytest.mark.parametrize("outlet,template", DATED, ids=[f"{o}:{p}" for o, p in DATED])
def test_daily_sitemap_lists_that_days_articles(client, replay, registry, outlet, template):
    """Daily sitemaps (Prothom Alo /sitemap/sitemap-daily-{date}.xml, Kaler Kantho /daily-sitemap/{date}/sitemap.xml…):
    each day's document lists exactly the articles published that day (outlet time zone), all matching the outlet's
    article patterns; a day without articles is an empty urlset."""
    site = replay.sites[outlet]
    o = registry.get(outlet)
    days = {a.published.astimezone(site.tz).date().isoformat() for a in site.articles}
    for day in days:
        resp = client.get(HOSTS[outlet], template.replace("{date}", day))
        assert resp.status == 200 and resp.headers["content-type"].startswith("application/xml")
        urls = [u.findtext("sm:loc", namespaces=NS) for u in ET.fromstring(resp.body).findall("sm:url", NS)]
        want = {site.url(a.path) for a in site.articles if a.published.astimezone(site.tz).date().isoformat() == day}
        assert set(urls) == want and len(urls) == len(want)
        assert all(o.is_article_url(u) for u in urls)
    empty = client.get(HOSTS[outlet], template.replace("{date}", "1999-01-01"))
    assert empty.status == 200 and not ET.fromstring(empty.body).findall("sm:url", NS)


FULL_TEXT = [(o, p) for o, site in _MODELS.items() for p, r in site.routes.items()
             if r["kind"] == "rss" and r.get("full_text")]


@pytest.mark.parametrize("outlet,path", FULL_TEXT, ids=[f"{o}:{p}" for o, p in FULL_TEXT])
def test_full_text_and_section_feeds(client, replay, outlet, path):
    """Feeds that carry the whole article (content:encoded: Samakal, Jagonews24, Bangla Tribune, BD Pratidin) and
    per-section feeds (Jagonews24 /rss/sports.xml, Bangla Tribune /feed/columns) list only their section."""
    feedparser = pytest.importorskip("feedparser")
    site = replay.sites[outlet]
    route = site.routes[path]
    feed = feedparser.parse(client.get(HOSTS[outlet], path).body)
    assert not feed.bozo, feed.get("bozo_exception")
    want = [a for a in site.visible(replay.elapsed())
            if not route.get("section_slug") or a.section_slug == route["section_slug"]]
    assert [e.link for e in feed.entries] == [site.url(a.path) for a in want] and want
    for e, a in zip(feed.entries, want):
        text = Selector(text=e.content[0].value).css("p")
        assert ["".join(p.css("::text").getall()) for p in text] == a.served_paragraphs()
