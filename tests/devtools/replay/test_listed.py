"""devtools/replay/listed.py: a list of articles served as outlet pages the clean stage reads back — publication
time exactly as given (full, date only, none), outlets resolved against the registry, a registry for the crawler."""

from __future__ import annotations

import json

from bnwatch.outlets import Registry
from bnwatch.records import RawPage
from consumers.clean.stage import CleanStage
from devtools.replay.listed import article_url, listed_sites, resolve_outlets, write_registry
from devtools.replay.server import ReplayServer

PARAS = ["রাশিয়ার প্রতিরক্ষামন্ত্রী আন্দ্রেই বেলোউসভ পিয়ংইয়ংয়ে কিম জং উনের সঙ্গে বৈঠক করেছেন।",
         "দুই দেশের সামরিক সহযোগিতা নিয়ে আলোচনা হয়েছে বলে জানিয়েছে কেসিএনএ।"]
ITEMS = [
    {"id": "a-1", "outlet": "Daily Inqilab", "url": None, "title": "বেলোউসভের পিয়ংইয়ং সফর", "paragraphs": PARAS,
     "published_at": "2024-11-30T19:35:00+06:00"},
    {"id": "set_2024#7", "outlet": "vietnam.vn", "url": None, "title": "কিমের সঙ্গে বেলোউসভ", "paragraphs": PARAS,
     "published_at": "2024-11-30"},
    {"id": "c-3", "outlet": "Chaarcha", "url": "https://www.chaarcha.com/explainer#8ce3", "title": "ব্যাখ্যা",
     "paragraphs": PARAS, "published_at": None},
]


def _served(tmp_path):
    outlets = resolve_outlets(ITEMS)
    registry = Registry.load(write_registry(tmp_path / "outlets", outlets.values()))
    replay = ReplayServer(port=0, sites=listed_sites(ITEMS, outlets), start_time=0)
    return outlets, registry, replay


def test_outlets_resolve_to_the_registry_or_to_their_article_host(tmp_path):
    outlets, registry, _replay = _served(tmp_path)
    assert (outlets["Daily Inqilab"].id, outlets["vietnam.vn"].timezone) == ("dailyinqilab", "Asia/Ho_Chi_Minh")
    assert (outlets["Chaarcha"].id, outlets["Chaarcha"].host) == ("chaarcha", "www.chaarcha.com")
    assert article_url(outlets["vietnam.vn"], "set_2024#7") == "https://vietnam.vn/news/set_2024-7"
    for o in outlets.values():
        assert registry.for_url(f"https://{o.host}/news/x").is_article_url(f"https://{o.host}/news/x")


def test_pages_carry_the_publication_time_as_given_and_read_back(tmp_path):
    outlets, registry, replay = _served(tmp_path)
    clean = CleanStage(registry)
    got = {}
    for item in ITEMS:
        o = outlets[item["outlet"]]
        url = article_url(o, item["id"])
        page = replay.render(o.id, url.split(o.host, 1)[1])
        assert page.status == 200
        body = page.body.decode()
        ld = json.loads(body.split("application/ld+json'>", 1)[1].split("</script>", 1)[0])
        assert ld.get("datePublished") == item["published_at"]
        art = clean.process(RawPage(url=url, canonical_url=url, outlet=o.id, fetched_at="2026-12-01T00:00:00+00:00",
                                    status=200, headers={"content-type": "text/html; charset=utf-8"},
                                    declared_encoding=None, body=page.body))[0]
        assert art.title == item["title"] and len(art.paragraphs) == 2
        got[item["id"]] = art.published_at
    assert got == {"a-1": "2024-11-30T19:35:00+06:00", "set_2024#7": "2024-11-30T00:00:00+07:00", "c-3": None}
    sitemap = replay.render("vietnamvn", "/sitemap.xml").body.decode()
    assert "<loc>https://vietnam.vn/news/set_2024-7</loc>" in sitemap and "<lastmod>2024-11-30</lastmod>" in sitemap
