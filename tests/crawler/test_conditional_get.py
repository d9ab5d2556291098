"""Conditional GET of discovery sources: the second poll of an unchanged replay gets 304s and publishes nothing;
a re-check of a published article whose feed stamp did not change still catches an edit."""

from __future__ import annotations

import re

from devtools.replay.server import ReplayServer

OUTLETS = "dailyinqilab,somoyerkonthosor,vietnamvn"


def _replay_env(crawler_tools, tmp_path, replay):
    return crawler_tools.env(tmp_path, BNWATCH_REPLAY_HOSTS=f"*=127.0.0.1:{replay.port}")


def test_second_poll_gets_304_and_publishes_nothing(crawler_tools, tmp_path):
    with ReplayServer(port=0) as replay:
        env = _replay_env(crawler_tools, tmp_path, replay)
        expected = sorted(a["url"] for a in replay.articles() if a["outlet"] in OUTLETS.split(","))
        first, second = tmp_path / "first.log", tmp_path / "second.log"
        assert crawler_tools.start(["crawl", "--outlets", OUTLETS], env, first).wait(60) == 0
        assert sorted(crawler_tools.spool_urls(tmp_path)) == expected
        assert crawler_tools.start(["crawl", "--log-level", "DEBUG", "--outlets", OUTLETS], env, second).wait(60) == 0
        assert sorted(crawler_tools.spool_urls(tmp_path)) == expected, "nothing published the second time"

    log = second.read_text()
    sources = ["https://dailyinqilab.com/news-sitemap.xml", "https://dailyinqilab.com/category/international",
               "https://www.somoyerkonthosor.com/feed", "https://www.vietnam.vn/bn/the-gioi/",
               "https://www.vietnam.vn/bn/"]
    for url in sources:
        assert f"Crawled (304) <GET {url}>" in log, url
    assert not re.search(r"Crawled \(200\) <GET https://[^ ]+/(news|post|bn)/", log), "no article fetched again"


def test_recheck_catches_an_edit_that_no_discovery_stamp_shows(crawler_tools, tmp_path):
    with ReplayServer(port=0) as replay:
        env = _replay_env(crawler_tools, tmp_path, replay)
        urls = sorted(a["url"] for a in replay.articles() if a["outlet"] == "somoyerkonthosor")
        log = tmp_path / "follow.log"
        proc = crawler_tools.start(None, env, log, settings={"RECHECK_AFTER": [2.0, 4.0], "POLL_INTERVAL": 1.0,
                                                             "POLL_INTERVAL_OVERRIDE": True,
                                                             "POLL_MAX_INTERVAL": 2.0},
                                   spider={"outlets": "somoyerkonthosor", "follow": True})
        try:
            crawler_tools.wait_for(lambda: len(crawler_tools.spool_urls(tmp_path)) >= len(urls), 30,
                                   "the first publication of every article")
            # the feed only carries pubDate: an edit changes no discovery stamp
            replay.edit_article(urls[0], paragraphs=["সংশোধিত: প্রতিবেদনটি হালনাগাদ করা হয়েছে।"])
            crawler_tools.wait_for(lambda: crawler_tools.spool_urls(tmp_path).count(urls[0]) == 2, 30,
                                   "the re-check to publish the update")
            crawler_tools.wait_for(lambda: log.read_text().count("Crawled (304) <GET https://www.somoyerkonthosor"
                                                                 ".com/post/") >= 2 * (len(urls) - 1), 20,
                                   "both re-checks of the unchanged articles")
        finally:
            assert crawler_tools.stop(proc) == 0
    published = crawler_tools.spool_urls(tmp_path)
    assert sorted(published) == sorted(urls + [urls[0]]), "the update once; unchanged articles never again"
