"""Signed JSON webhooks (Standard Webhooks v1, https://github.com/standard-webhooks/standard-webhooks).

Each POST carries
- `webhook-id`: the delivery's idempotency key, identical on every retry, so a receiver can drop a repeat;
- `webhook-timestamp`: unix seconds of this attempt;
- `webhook-signature`: `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` where key is the base64-decoded
  part of the subscriber's `whsec_...` secret and body the exact bytes sent.

Receivers check it with `verify()` (or any Standard Webhooks library). The body is the alert's fields (`kind`,
`schema_version`, `id`, `rule`, `story_id`, `version`, `articles`, ...) plus `type` ("alert.new" for version 1, or the first version this subscriber gets,
"alert.updated" after), `subscriber`, `delivery_id` and `text` (the Bengali summary). A digest is one POST of
`{"type": "alert.digest", "subscriber", "delivery_id", "period", "text", "alerts": [...]}`.

Answers: 2xx delivered; 408, 425, 429, 5xx, connection errors and timeouts retryable (Retry-After honoured,
seconds or HTTP date); redirects and other 4xx permanent. Redirects are not followed (a POST must not turn into
a GET somewhere else).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from consumers.notify.channels import DELIVERED, FAILED, RETRY, Message, SendResult
from consumers.notify.subscriptions import ChannelConfig, decode_secret

USER_AGENT = "bnwatch-notify/0.1 (+https://github.com/bnwatch/bnwatch)"
TOLERANCE = 300  # seconds either side, as the Standard Webhooks spec recommends
RETRYABLE_STATUS = frozenset({408, 425, 429})
MAX_RETRY_AFTER = 24 * 3600.0


class WebhookVerificationError(ValueError):
    """A webhook whose headers or signature do not check out."""


def _key(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else decode_secret(secret)


def sign(secret: str | bytes, msg_id: str, timestamp: int | str, body: bytes) -> str:
    """The `webhook-signature` value for these exact body bytes."""
    signed = f"{msg_id}.{timestamp}.".encode("utf-8") + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(secret: str | bytes, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": sign(secret, msg_id, int(timestamp), body),
    }


def verify(secret: str | bytes, headers: Mapping[str, str], body: bytes, *, now: float | None = None,
           tolerance: float | None = TOLERANCE) -> dict[str, Any]:
    """Check a received webhook and return its JSON payload; raise WebhookVerificationError otherwise.

    `headers` may use any case. `tolerance=None` skips the timestamp window (only for replaying stored requests).
    Any one of several space-separated `v1,` signatures may match (secret rotation)."""
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id, ts, sigs = lower.get("webhook-id"), lower.get("webhook-timestamp"), lower.get("webhook-signature")
    if not msg_id or not ts or not sigs:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature header")
    try:
        ts_int = int(ts)
    except ValueError:
        raise WebhookVerificationError(f"webhook-timestamp is not an integer: {ts!r}") from None
    if tolerance is not None:
        now = time.time() if now is None else now
        if abs(now - ts_int) > tolerance:
            raise WebhookVerificationError("webhook-timestamp outside the tolerance window")
    expected = sign(secret, msg_id, ts_int, body).partition(",")[2]
    for candidate in sigs.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode("ascii", "replace"), expected.encode("ascii")):
            try:
                return json.loads(body)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise WebhookVerificationError(f"signed body is not JSON: {exc}") from None
    raise WebhookVerificationError("no matching v1 signature")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def payload(message: Message) -> dict[str, Any]:
    if message.is_digest:  # one POST for a digest period: {"type": "alert.digest", "alerts": [...], ...}
        return {"type": "alert.digest", "subscriber": message.subscriber, "delivery_id": message.id,
                "period": message.period, "text": message.text, "alerts": [a.to_dict() for a in message.alerts]}
    data = message.alert.to_dict()
    data["type"] = "alert.new" if message.is_new else "alert.updated"
    data["subscriber"] = message.subscriber
    data["delivery_id"] = message.id
    data["text"] = message.text
    return data


def encode_body(message: Message) -> bytes:
    return json.dumps(payload(message), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102 - urllib hook
        return None


def _snippet(raw: bytes | None, limit: int = 200) -> str:
    if not raw:
        return ""
    text = raw[:limit].decode("utf-8", "replace").strip()
    return f": {text}" if text else ""


class WebhookSender:
    """POSTs `Message`s to webhook channels. Thread-safe (no shared mutable state)."""

    type = "webhook"

    def __init__(self, *, clock: Callable[[], float] = time.time, user_agent: str = USER_AGENT):
        #: wall clock for webhook-timestamp (receivers compare it with theirs; keep it real)
        self.clock = clock
        self.user_agent = user_agent
        self._opener = urllib.request.build_opener(_NoRedirect)

    def build_request(self, message: Message, channel: ChannelConfig) -> urllib.request.Request:
        body = encode_body(message)
        headers = {
            **channel.headers,
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": self.user_agent,
            **signed_headers(channel.secret, message.id, int(self.clock()), body),
        }
        return urllib.request.Request(channel.url, data=body, headers=headers, method="POST")

    def send(self, message: Message, channel: ChannelConfig) -> SendResult:
        try:
            request = self.build_request(message, channel)
        except (ValueError, TypeError) as exc:  # bad secret / URL slipped past validation
            return SendResult(FAILED, error=f"cannot build request: {exc}")
        try:
            with self._opener.open(request, timeout=channel.timeout) as response:
                status = response.status
                response.read(4096)
        except urllib.error.HTTPError as exc:
            status = exc.code
            try:
                detail = _snippet(exc.read(4096))
            except (OSError, http.client.HTTPException):
                detail = ""
            finally:
                exc.close()
            error = f"HTTP {status}{detail}"
            if status >= 500 or status in RETRYABLE_STATUS:
                return SendResult(RETRY, status, error, parse_retry_after(exc.headers.get("Retry-After")))
            return SendResult(FAILED, status, error)
        except urllib.error.URLError as exc:
            return SendResult(RETRY, error=f"connection error: {exc.reason}")
        except (socket.timeout, TimeoutError):
            return SendResult(RETRY, error=f"timed out after {channel.timeout:g}s")
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            return SendResult(RETRY, error=f"{type(exc).__name__}: {exc}")
        if 200 <= status < 300:
            return SendResult(DELIVERED, status)
        # 1xx/3xx that urllib handed back without raising
        return SendResult(FAILED, status, f"HTTP {status} (not followed)")
