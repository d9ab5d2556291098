from crawler.challenge import challenge_reason
from tests.fixtures.paths import CORPUS_PAGES as CORPUS


def test_real_cloudflare_challenge_page_is_recognised():
    body = (CORPUS / "banglanews24" / "cloudflare_challenge_opinion.html").read_bytes()
    assert challenge_reason(200, body) == "cloudflare-challenge"
    assert challenge_reason(403, body) == "cloudflare-challenge"


def test_real_article_page_is_not_a_challenge():
    body = (CORPUS / "ukbdnews" / "article_2020-08_23646.html").read_bytes()
    assert challenge_reason(200, body) is None


def test_bare_403_wall():
    assert challenge_reason(403, b"<html><body>Forbidden</body></html>") == "http-403"
