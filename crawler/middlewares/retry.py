"""Retries with exponential backoff (Scrapy 2.19's RetryMiddleware retries at once: it has no backoff setting).

A drop-in replacement for scrapy.downloadermiddlewares.retry.RetryMiddleware (same RETRY_* settings and meta
keys). Before a retry goes back to the scheduler it waits

    min(RETRY_BACKOFF_MAX, RETRY_BACKOFF_BASE × 2^(attempt-1)) × jitter(0.5–1.5)

or, for a 429/503 with a Retry-After header, that many seconds (capped at RETRY_BACKOFF_MAX). The wait happens
in the middleware, so the download slot is free for other requests meanwhile.
"""

from __future__ import annotations

import random
from email.utils import parsedate_to_datetime
from time import time

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(text).timestamp() - time())
    except (TypeError, ValueError, IndexError):
        return None


async def _sleep(seconds: float) -> None:
    if seconds > 0:
        await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    def backoff(self, retry_request: Request, response=None) -> float:
        attempt = int(retry_request.meta.get("retry_times", 1))
        wait = min(self.backoff_max, self.backoff_base * 2 ** max(0, attempt - 1)) * random.uniform(0.5, 1.5)
        if response is not None and response.status in (429, 503):
            asked = retry_after_seconds(response.headers.get(b"Retry-After"))
            if asked is not None:
                wait = max(wait, min(asked, self.backoff_max))
        return wait

    async def process_response(self, request, response, spider=None):
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await _sleep(self.backoff(result, response))
        return result

    async def process_exception(self, request, exception, spider=None):
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await _sleep(self.backoff(result))
        return result
