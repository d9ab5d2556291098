"""Retry backoff, fetch-error kinds and challenge recognition in the downloader middlewares (no network)."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from twisted.internet import error as terr

from bnwatch import metrics
from crawler.middlewares.health import ChallengeMiddleware, error_kind
from crawler.middlewares.retry import BackoffRetryMiddleware, retry_after_seconds
from tests.fixtures.paths import real_page


def test_backoff_grows_exponentially_is_capped_and_honours_retry_after():
    mw = BackoffRetryMiddleware(Settings({"RETRY_BACKOFF_BASE": 2.0, "RETRY_BACKOFF_MAX": 30.0}))
    waits = [mw.backoff(Request("https://x.test/", meta={"retry_times": n})) for n in (1, 2, 3, 10)]
    assert 1.0 <= waits[0] <= 3.0 and 2.0 <= waits[1] <= 6.0 and 4.0 <= waits[2] <= 12.0
    assert waits[3] <= 45.0  # 30 s cap × jitter
    resp = HtmlResponse("https://x.test/", status=503, headers={"Retry-After": "20"}, body=b"")
    assert mw.backoff(Request("https://x.test/", meta={"retry_times": 1}), resp) >= 20
    assert retry_after_seconds(b"120") == 120 and retry_after_seconds(None) is None


def test_error_kinds():
    assert error_kind(terr.TimeoutError()) == "timeout"
    assert error_kind(terr.DNSLookupError()) == "dns"
    assert error_kind(terr.ConnectionRefusedError()) == "connection"
    assert error_kind(ValueError("x")) == "other"


def _count(outlet: str) -> float:
    return metrics.challenge_pages.labels(outlet)._value.get()


def test_challenge_is_marked_counted_and_not_retried():
    body = real_page("banglanews24/cloudflare_challenge_opinion.html").read_bytes()
    mw = ChallengeMiddleware()
    req = Request("https://www.banglanews24.com/opinion/x", meta={"outlet": "mwtest"})
    before = _count("mwtest")
    resp = mw.process_response(req, HtmlResponse(req.url, status=503, body=body, request=req))
    assert resp.status == 503 and req.meta["challenge"] == "cloudflare-challenge" and req.meta["dont_retry"]
    assert _count("mwtest") == before + 1
    # a bare 429 is overload: left to the retry middleware; a normal page passes untouched
    req2 = Request("https://www.banglanews24.com/a", meta={"outlet": "mwtest"})
    mw.process_response(req2, HtmlResponse(req2.url, status=429, body=b"slow down", request=req2))
    req3 = Request("https://www.banglanews24.com/b", meta={"outlet": "mwtest"})
    mw.process_response(req3, HtmlResponse(req3.url, status=200, body=b"<html><p>news</p></html>", request=req3))
    assert "challenge" not in req2.meta and "challenge" not in req3.meta
    assert _count("mwtest") == before + 1
