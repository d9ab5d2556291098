"""The webhook channel against a real local receiver: signing, verification, and how answers are classified."""

from __future__ import annotations

import json
import time
from email.utils import formatdate

import pytest

from consumers.notify.channels import DELIVERED, FAILED, RETRY, Message
from consumers.notify.channels.webhook import (
    WebhookSender,
    WebhookVerificationError,
    parse_retry_after,
    sign,
    signed_headers,
    verify,
)
from consumers.notify.subscriptions import ChannelConfig
from consumers.notify.text import render_text

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

pytestmark = pytest.mark.integration


def test_signature_matches_the_standard_webhooks_test_vector():
    # github.com/standard-webhooks/standard-webhooks, libraries' shared example
    body = b'{"test": 2432232314}'
    assert sign(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )
    headers = signed_headers(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert verify(SECRET, headers, body, now=1614265330 + 10) == {"test": 2432232314}


def test_verify_rejects_tampering_stale_timestamps_and_wrong_secrets():
    body, now = b'{"a":1}', int(time.time())
    headers = signed_headers(SECRET, "msg_1", now, body)
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(SECRET, headers, b'{"a":2}')
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verify(SECRET, headers, body, now=now + 301)
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY", headers, body)
    with pytest.raises(WebhookVerificationError, match="missing"):
        verify(SECRET, {"webhook-id": "msg_1"}, body)
    # several signatures (secret rotation): any one matching is enough; header names in any case
    rotated = {k.upper(): v for k, v in headers.items()}
    rotated["WEBHOOK-SIGNATURE"] = "v1,bm90IGl0 " + headers["webhook-signature"]
    assert verify(SECRET, rotated, body) == {"a": 1}


def test_parse_retry_after():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") == 0.0
    now = time.time()
    assert parse_retry_after(formatdate(now + 90, usegmt=True), now=now) == pytest.approx(90, abs=1.5)


def _message(alert_factory, version=1):
    alert = alert_factory(version=version)
    return Message("msg_abc", alert, render_text(alert, {"prothomalo": "প্রথম আলো"}), "desk")


def _channel(url, timeout=5.0):
    return ChannelConfig("webhook", "webhook", url, SECRET, timeout, {"X-Desk": "bn"})


def test_one_signed_post_with_alert_fields_and_bengali_text(receiver, alert_factory):
    result = WebhookSender().send(_message(alert_factory), _channel(receiver.url))
    assert result.outcome == DELIVERED and result.status == 204
    [got] = receiver.received
    assert got.error is None, got.error
    assert got.path == "/hooks/bnwatch"
    assert got.headers["webhook-id"] == "msg_abc"
    assert got.headers["content-type"].startswith("application/json")
    assert got.headers["x-desk"] == "bn"
    p = got.payload
    assert p["kind"] == "alert" and p["story_id"] == "story-1" and p["version"] == 1 and p["rule"] == "ru-nk"
    assert p["type"] == "alert.new" and p["subscriber"] == "desk" and p["delivery_id"] == "msg_abc"
    assert [a["outlet"] for a in p["articles"]] == ["prothomalo", "jugantor"]
    text = p["text"]
    assert "রাশিয়া–উত্তর কোরিয়া" in text and "পুতিন-কিম বৈঠকে" in text
    assert "প্রথম আলো" in text and "jugantor" in text  # a Bengali name when known, else the id
    assert "২০২৬-০১-০৪ ১০:২০ (ঢাকা)" in text  # first_seen 04:20Z in Dhaka time, Bengali digits
    assert "https://prothomalo.example/world/story-1-0" in text
    assert "কিম জং উন" in text
    # the body is UTF-8 JSON, not \u escapes
    assert "পুতিন".encode() in got.body and json.loads(got.body) == p


@pytest.mark.parametrize(
    "status, headers, outcome, retry_after",
    [
        (200, {}, DELIVERED, None),
        (202, {}, DELIVERED, None),
        (429, {"Retry-After": "120"}, RETRY, 120.0),
        (503, {"Retry-After": "7"}, RETRY, 7.0),
        (500, {}, RETRY, None),
        (408, {}, RETRY, None),
        (400, {}, FAILED, None),
        (404, {}, FAILED, None),
        (410, {}, FAILED, None),
        (301, {"Location": "http://127.0.0.1:1/elsewhere"}, FAILED, None),
    ],
)
def test_answers_are_classified(receiver, alert_factory, status, headers, outcome, retry_after):
    receiver.respond(status, headers)
    result = WebhookSender().send(_message(alert_factory), _channel(receiver.url))
    assert (result.outcome, result.status, result.retry_after) == (outcome, status, retry_after)
    assert len(receiver.received) == 1  # redirects are not followed
    if outcome != DELIVERED:
        assert str(status) in result.error


def test_connection_refused_and_timeout_are_retryable(receiver, alert_factory):
    down = receiver.url
    receiver.stop()
    result = WebhookSender().send(_message(alert_factory), _channel(down))
    assert result.outcome == RETRY and result.status is None and "connection" in result.error.lower()
    receiver.start()
    receiver.respond(200, delay=1.5)
    result = WebhookSender().send(_message(alert_factory), _channel(receiver.url, timeout=0.3))
    assert result.outcome == RETRY and "timed out" in result.error


def test_version_two_is_an_update(receiver, alert_factory):
    WebhookSender().send(_message(alert_factory, version=2), _channel(receiver.url))
    p = receiver.received[0].payload
    assert p["type"] == "alert.updated" and "হালনাগাদ (সংস্করণ ২)" in p["text"]
