"""Per-outlet fetch health: bot-challenge pages and fetch errors by kind.

ChallengeMiddleware sits just outside RetryMiddleware (process_response sees the response before Retry does):
a Cloudflare "Just a moment…" page or a 403 wall is recognised (crawler.challenge), counted once per fetch in
bnwatch_challenge_pages_total{outlet}, marked in request.meta['challenge'] for the spider (which does not
publish it) and not retried — hammering a challenge only makes it worse; a page found clean is marked
'challenge_checked', so the spider does not read it again. Requests carry
handle_httpstatus_list for these statuses, so the page reaches the spider instead of being dropped by
HttpErrorMiddleware.

FetchErrorsMiddleware sits next to the download handler and sees every attempt, retried or not: exceptions as
timeout / dns / connection / tls / other, and HTTP responses as http_4xx / http_5xx, in
bnwatch_fetch_errors_total{outlet, kind}.
"""

from __future__ import annotations

import logging

from bnwatch import metrics
from crawler.challenge import challenge_reason

logger = logging.getLogger(__name__)

CHALLENGE_STATUSES = (401, 403, 429, 503)


class ChallengeMiddleware:
    @classmethod
    def from_crawler(cls, crawler):
        return cls()

    def process_response(self, request, response, spider=None):
        status = response.status
        if request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt"):
            return response
        if not (200 <= status < 300 or status in CHALLENGE_STATUSES):
            return response
        reason = challenge_reason(status, response.body)
        if reason is None:
            request.meta["challenge_checked"] = True  # read once here: the spider does not read it again
            return response
        if reason == "http-429":
            # a bare 429 is overload, not a challenge: the retry middleware backs off
            return response
        outlet = request.meta.get("outlet", "unknown")
        request.meta["challenge"] = reason
        request.meta["dont_retry"] = True
        metrics.challenge_pages.labels(outlet).inc()
        logger.warning("challenge page (%s, HTTP %s) from %s at %s: not published", reason, response.status,
                       outlet, request.url)
        return response


def error_kind(exception: BaseException) -> str:
    from twisted.internet import error as terr
    from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

    if isinstance(exception, (TimeoutError, terr.TimeoutError, terr.TCPTimedOutError)):
        return "timeout"
    name = type(exception).__name__
    if "Timeout" in name:
        return "timeout"
    if isinstance(exception, terr.DNSLookupError):
        return "dns"
    if isinstance(exception, (ResponseFailed, ResponseNeverReceived)):
        reasons = getattr(exception, "reasons", []) or []
        text = " ".join(str(getattr(r, "value", r)) for r in reasons)
        if "SSL" in text or "TLS" in text or "certificate" in text:
            return "tls"
        return "connection"
    if isinstance(exception, (terr.ConnectError, terr.ConnectionLost, terr.ConnectionDone, ConnectionError)):
        return "connection"
    if "SSL" in name or "TLS" in name:
        return "tls"
    return "other"


class FetchErrorsMiddleware:
    @classmethod
    def from_crawler(cls, crawler):
        return cls()

    def process_response(self, request, response, spider=None):
        if response.status >= 400 and not request.url.endswith("/robots.txt"):
            metrics.fetch_errors.labels(request.meta.get("outlet", "unknown"), f"http_{response.status // 100}xx").inc()
        return response

    def process_exception(self, request, exception, spider=None):
        from scrapy.exceptions import IgnoreRequest

        if not isinstance(exception, IgnoreRequest):
            metrics.fetch_errors.labels(request.meta.get("outlet", "unknown"), error_kind(exception)).inc()
        return None
