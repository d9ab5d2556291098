import pytest

from bnwatch.extract import CHALLENGE, NotAnArticle, extract
from bnwatch.extract.verdicts import CHALLENGE_MARKERS, CHALLENGE_TITLES, page_verdict
from bnwatch.outlets import Registry
from crawler.challenge import challenge_reason
from tests.fixtures.paths import real_page


def test_real_cloudflare_challenge_page_is_recognised():
    body = real_page("banglanews24/cloudflare_challenge_opinion.html").read_bytes()
    assert challenge_reason(200, body) == "cloudflare-challenge"
    assert challenge_reason(403, body) == "cloudflare-challenge"
    assert page_verdict(body.decode("utf-8")) == CHALLENGE


def test_real_article_page_is_not_a_challenge():
    body = real_page("ukbdnews/article_2020-08_23646.html").read_bytes()
    assert challenge_reason(200, body) is None
    assert page_verdict(body.decode("utf-8")) is None


def test_bare_403_wall():
    assert challenge_reason(403, b"<html><body>Forbidden</body></html>") == "http-403"


_INTERSTITIAL = "<html><head><title>{title}</title><script src='https://cdn.example/{marker}/x.js'></script></head>" \
                "<body><p>Checking…</p></body></html>"
_ARTICLE = ("<html><head><title>খবর</title><script src='https://cdn.example/{marker}/x.js'></script></head><body>"
            "<article><h1>শিরোনাম</h1>" + "<p>ঢাকায় আজ নতুন ঘোষণা এসেছে, জানিয়েছে মন্ত্রণালয়।</p>" * 8 +
            "</article></body></html>")


@pytest.mark.parametrize("marker,kind", CHALLENGE_MARKERS)
def test_one_marker_list_for_the_crawler_and_the_clean_stage(marker, kind):
    """Every marker of the one list is recognised by both sides (issue #15: they had different lists)."""
    page = _INTERSTITIAL.format(title="site", marker=marker)
    assert challenge_reason(200, page.encode()) == kind
    assert page_verdict(page) == CHALLENGE
    with pytest.raises(NotAnArticle) as caught:
        extract(page, registry=Registry([]))
    assert caught.value.reason == CHALLENGE
    # an article page that loads the same script (Cloudflare injects them) is an article on both sides
    article = _ARTICLE.format(marker=marker)
    assert challenge_reason(200, article.encode()) is None
    assert page_verdict(article) is None


@pytest.mark.parametrize("title", ["Just a moment...", "Attention Required! | Cloudflare", "DDoS-Guard",
                                   "Please wait..."])
def test_challenge_titles_are_recognised_on_both_sides(title):
    page = _INTERSTITIAL.format(title=title, marker="nothing")
    kinds = {kind for pattern, kind in CHALLENGE_TITLES if pattern.match(title.lower())}
    assert len(kinds) == 1 and challenge_reason(200, page.encode()) in kinds
    assert page_verdict(page) == CHALLENGE


@pytest.mark.parametrize("page,verdict", [
    ("<html><head><TiTlE>Just a moment...</tItLe></head><body></body></html>", CHALLENGE),  # any ASCII case
    ("<html><body>CF-CHL-বাংলা পাতা</body></html>", CHALLENGE),  # a marker in capitals, Bengali around it
    ("<html><body><Article>লেখা</Article> cf-chl</body></html>", None),  # <Article> is <article>
    ("<html><body>cf-c\u09a8hl</body></html>", None),  # a Bengali letter inside is no marker
    ("<html><body><art\u00adicle>x</art\u00adicle> cf-chl</body></html>", CHALLENGE),  # no <article> at all
    ("<html><head><title>404 Not Found</title></head><body></body></html>", "error_page"),
    ("<html><head><title>x", None),
])
def test_page_verdict_reads_the_head_case_insensitively(page, verdict):
    """page_verdict lower-cases only what it must (the title; the whole head only on a page without <article>
    whose ASCII text holds a marker): these are what the lower-cased head gave."""
    assert page_verdict(page) == verdict


def _article_response(body: bytes, status: int = 200):
    from scrapy import Request
    from scrapy.http import HtmlResponse

    url = "https://www.banglanews24.com/national/news/bd/1"
    request = Request(url, meta={"outlet": "banglanews24", "article_url": url})
    return HtmlResponse(url, status=status, body=body, request=request)


@pytest.mark.parametrize("checked", [False, True])
def test_the_spider_reads_a_200_for_challenges_only_when_the_middleware_did_not(tmp_path, monkeypatch, checked):
    """A 200 that reaches the spider was read by ChallengeMiddleware when the crawl has it (a challenge is marked in
    request.meta, as the crawl test shows); without the middleware the spider reads the page itself."""
    from bnwatch.outlets import default_registry
    from crawler.middlewares.health import ChallengeMiddleware
    from crawler.seen import SeenStore
    from crawler.spiders import outlets as spider_module

    reads = []
    monkeypatch.setattr(spider_module, "challenge_reason",
                        lambda status, page: reads.append(status) or challenge_reason(status, page))
    store = SeenStore(tmp_path / "seen.sqlite")
    spider = spider_module.OutletsSpider(registry=default_registry(), seen=store)

    def crawl(body: bytes) -> list:
        response = _article_response(body)
        if checked:
            ChallengeMiddleware().process_response(response.request, response)
        return list(spider.parse_article(response))

    article = real_page("ukbdnews/article_2020-08_23646.html").read_bytes()
    challenge = real_page("banglanews24/cloudflare_challenge_opinion.html").read_bytes()
    assert [p.body for p in crawl(article)] == [article]
    assert crawl(challenge) == [], "a challenge page is never published"
    assert reads == ([] if checked else [200, 200])
    store.close()


def test_the_project_crawl_has_the_challenge_middleware():
    from scrapy.settings import Settings

    from crawler import settings as project

    from crawler.middlewares.health import ChallengeMiddleware

    settings = Settings()
    settings.setmodule(project)
    enabled = {path for path, order in settings.getwithbase("DOWNLOADER_MIDDLEWARES").items() if order is not None}
    assert "crawler.middlewares.health.ChallengeMiddleware" in enabled
    response = _article_response(real_page("ukbdnews/article_2020-08_23646.html").read_bytes())
    ChallengeMiddleware().process_response(response.request, response)
    assert response.meta["challenge_checked"] is True  # the mark the spider reads
