"""Slack incoming webhooks and the Telegram Bot API against real local HTTP servers, through the notify stage."""

from __future__ import annotations

import random

import pytest
from prometheus_client import REGISTRY

from bnwatch.records import Alert
from consumers.notify.channels import DELIVERED, FAILED, RETRY, Message
from consumers.notify.channels import slack
from consumers.notify.channels.telegram import TelegramSender
from consumers.notify.stage import NotifyStage
from consumers.notify.store import DELIVERED as S_DELIVERED, PARKED, DeliveryStore
from consumers.notify.subscriptions import Subscriptions, parse_subscribers
from consumers.notify.text import alert_doc, html_visible_len

pytestmark = pytest.mark.integration

NAMES = {"prothomalo": "প্রথম আলো", "jugantor": "যুগান্তর"}
TOKEN = "123456:ABC-test_token"


def subs(*channels, **extra):
    return parse_subscribers({"subscribers": [{"name": "desk", "channels": list(channels), **extra}]}, env={})


@pytest.fixture
def stage_for(tmp_path, clock):
    made = []

    def make(subscribers):
        stage = NotifyStage.with_delivery(Subscriptions.from_list(subscribers),
                                          DeliveryStore(tmp_path / "outbox.sqlite3"), clock=clock, rng=random.Random(1),
                                          outlet_names=NAMES)
        made.append(stage)
        return stage

    yield make
    for s in made:
        s.close()


def count(channel, outcome):
    return REGISTRY.get_sample_value("bnwatch_deliveries_total", {"channel": channel, "outcome": outcome}) or 0


def big_alert(alert_factory, n=60):
    base = alert_factory()
    articles = [{"outlet": "prothomalo", "url": f"https://prothomalo.example/{i}",
                 "title": f"রাশিয়া ও উত্তর কোরিয়ার সামরিক সহযোগিতা নিয়ে প্রতিবেদন নম্বর {i} " + "বিস্তারিত " * 60,
                 "published_at": "2026-01-04T10:15:00+06:00"} for i in range(n)]
    return Alert(**{**base.__dict__, "articles": articles})


# ------------------------------------------------------------------------------------------------ Slack


def test_slack_block_kit_payload(slack_server, alert_factory, stage_for):
    stage = stage_for(subs({"type": "slack", "url": slack_server.url("/services/T000/B000/XXX")}))
    stage.process(alert_factory())
    [req] = slack_server.requests
    assert req.path == "/services/T000/B000/XXX"
    assert req.headers["content-type"].startswith("application/json")
    body = req.json
    assert body["text"].startswith("[রাশিয়া–উত্তর কোরিয়া] পুতিন-কিম বৈঠকে")  # notification fallback
    sections = [b["text"]["text"] for b in body["blocks"]]
    assert all(b["type"] == "section" and b["text"]["type"] == "mrkdwn" for b in body["blocks"])
    assert sections[0].startswith("*[রাশিয়া–উত্তর কোরিয়া] পুতিন-কিম বৈঠকে সামরিক সহযোগিতার চুক্তি*")
    joined = "\n".join(sections)
    assert "<https://jugantor.example/world/story-1-1|পুতিন ও কিম জং উনের বৈঠক (jugantor)>" in joined
    assert "যুগান্তর" in joined and "প্রমাণ: রাশিয়া; উত্তর কোরিয়া; কিম জং উন" in joined
    [d] = stage.store.for_story("story-1")
    assert d.status == S_DELIVERED


def test_slack_429_retry_after_is_honoured(slack_server, alert_factory, stage_for, clock):
    before = count("slack", "retry")
    slack_server.respond(429, {"Retry-After": "30"}, b"rate_limited")
    stage = stage_for(subs({"type": "slack", "url": slack_server.url("/hook"), "style": "text"}))
    stage.process(alert_factory())
    [d] = stage.store.pending()
    assert d.last_status == 429 and d.next_attempt_at == clock() + 30
    assert count("slack", "retry") == before + 1
    clock.advance(29)
    stage.delivery.dispatch_due()
    assert len(slack_server.requests) == 1
    clock.advance(1)
    stage.delivery.dispatch_due()
    assert len(slack_server.requests) == 2 and stage.store.get(d.id).status == S_DELIVERED
    assert slack_server.requests[0].body == slack_server.requests[1].body
    assert set(slack_server.requests[1].json) == {"text"}  # style: text


def test_slack_long_alert_is_split_and_a_retry_sends_only_the_rest(slack_server, alert_factory, stage_for, clock):
    stage = stage_for(subs({"type": "slack", "url": slack_server.url("/hook"), "style": "text"}))
    slack_server.respond(200, body=b"ok")
    slack_server.respond(429, {"Retry-After": "5"}, b"rate_limited")  # the second message is rate limited
    stage.process(big_alert(alert_factory))
    [d] = stage.store.pending()
    assert d.parts_done == 1
    clock.advance(5)
    stage.delivery.dispatch_due()
    texts = [r.json["text"] for r in slack_server.requests]
    assert texts[1] == texts[2]  # the rate-limited part again, the first one not
    sent = [texts[0]] + texts[2:]
    assert len(sent) >= 2 and all(len(t) <= 4000 for t in sent)
    assert "\n\n".join(sent).count("https://prothomalo.example/") == 10  # MAX_LINKS links, each once
    assert stage.store.get(d.id).status == S_DELIVERED


def test_slack_blocks_respect_section_and_block_limits(alert_factory):
    parts_sent = []

    big = big_alert(alert_factory)
    message = Message("msg_x", big, "", "desk", doc=alert_doc(big, NAMES))
    for payload in slack.payloads(message, "blocks"):
        assert len(payload["blocks"]) <= 50
        for block in payload["blocks"]:
            assert len(block["text"]["text"]) <= 3000
        parts_sent.append(payload)
    assert len(parts_sent) == 1 and len(parts_sent[0]["blocks"]) >= 3


def test_slack_permanent_errors_park(slack_server, alert_factory, stage_for):
    slack_server.respond(404, body=b"no_service")
    stage = stage_for(subs({"type": "slack", "url": slack_server.url("/hook")}))
    stage.process(alert_factory())
    [d] = stage.store.by_status(PARKED)
    assert d.last_status == 404 and "no_service" in d.last_error


# ------------------------------------------------------------------------------------------------ Telegram


def tg(server, **extra):
    return {"type": "telegram", "token": TOKEN, "chat_id": "-1001234567890", "base_url": server.url(), **extra}


def test_telegram_send_message_with_escaped_html(telegram_server, alert_factory, stage_for):
    delivered = count("telegram", "delivered")
    timed = REGISTRY.get_sample_value("bnwatch_delivery_duration_seconds_count", {"channel": "telegram"}) or 0
    base = alert_factory()
    evil = Alert(**{**base.__dict__, "title": "কিম <ও> পুতিন & সহযোগিতা"})
    stage = stage_for(subs(tg(telegram_server)))
    stage.process(evil)
    [req] = telegram_server.requests
    assert req.path == f"/bot{TOKEN}/sendMessage"
    body = req.json
    assert body["chat_id"] == "-1001234567890" and body["parse_mode"] == "HTML"
    assert body["link_preview_options"] == {"is_disabled": True}
    assert body["text"].startswith("<b>[রাশিয়া–উত্তর কোরিয়া] কিম &lt;ও&gt; পুতিন &amp; সহযোগিতা</b>\n")
    assert '<a href="https://prothomalo.example/world/story-1-0">পুতিন ও কিম জং উনের বৈঠক (prothomalo)</a>' in body["text"]
    assert "প্রথম আলো" in body["text"]
    assert stage.store.counts()[S_DELIVERED] == 1
    assert count("telegram", "delivered") == delivered + 1  # bnwatch_deliveries_total{channel, outcome}
    assert REGISTRY.get_sample_value("bnwatch_delivery_duration_seconds_count", {"channel": "telegram"}) == timed + 1


def test_telegram_429_parameters_retry_after(telegram_server, alert_factory, stage_for, clock):
    telegram_server.respond(429, body={"ok": False, "error_code": 429,
                                       "description": "Too Many Requests: retry after 17",
                                       "parameters": {"retry_after": 17}})
    stage = stage_for(subs(tg(telegram_server)))
    stage.process(alert_factory())
    [d] = stage.store.pending()
    assert d.next_attempt_at == clock() + 17 and d.last_status == 429
    assert TOKEN not in (d.last_error or "")
    clock.advance(17)
    stage.delivery.dispatch_due()
    assert len(telegram_server.requests) == 2 and stage.store.get(d.id).status == S_DELIVERED


def test_telegram_splits_at_4096_on_paragraph_boundaries(telegram_server, alert_factory, stage_for, clock):
    alerts = [big_alert(alert_factory)]
    stage = stage_for(subs(tg(telegram_server), mode="digest", digest="hourly"))
    for i in range(8):  # a digest of 8 long stories
        a = alerts[0]
        stage.process(Alert(**{**a.__dict__, "story_id": f"s{i}", "id": f"a{i}"}))
    assert telegram_server.requests == []
    clock.advance(3600)
    stage.delivery.dispatch_due()
    texts = [r.json["text"] for r in telegram_server.requests]
    assert len(texts) >= 2
    for t in texts:
        assert html_visible_len(t) <= 4096
        assert t.count("<a ") == t.count("</a>") and t.count("<b>") == t.count("</b>")  # no tag cut
        assert not t.startswith("\n") and not t.endswith("\n")
    assert stage.store.counts()[S_DELIVERED] == 8


def test_telegram_blocked_bot_is_permanent_and_5xx_retries(telegram_server, alert_factory):
    sender = TelegramSender()
    [sub] = subs(tg(telegram_server))
    a = alert_factory()
    msg = Message("msg_1", a, "", "desk", doc=alert_doc(a))
    telegram_server.respond(403, body={"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"})
    res = sender.send(msg, sub.channels[0])
    assert res.outcome == FAILED and res.status == 403 and "blocked" in res.error
    telegram_server.respond(502, body=b"bad gateway")
    assert sender.send(msg, sub.channels[0]).outcome == RETRY
    telegram_server.stop()
    res = sender.send(msg, sub.channels[0])
    assert res.outcome == RETRY and "connection" in res.error
    telegram_server.start()
    assert sender.send(msg, sub.channels[0]).outcome == DELIVERED


def test_a_slow_split_message_stops_before_its_lease_and_the_next_attempt_sends_only_the_rest(
        telegram_server, alert_factory, stage_for, clock, monkeypatch):
    """Another notifier sharing the outbox may retake a delivery when its lease ends, so a split message must not
    go on sending parts past it: the attempt stops, records the parts accepted, and the next sends the rest."""
    import consumers.notify.worker as worker_module

    monkeypatch.setattr(worker_module, "LEASE_MARGIN", worker_module.PART_MARGIN + 0.45)  # 0.45 s for parts
    telegram_server.delay = 0.3
    stage = stage_for(subs(tg(telegram_server, timeout=2), mode="digest", digest="hourly"))
    for i in range(8):  # a digest of 8 long stories: several 4096-character parts
        a = big_alert(alert_factory)
        stage.process(Alert(**{**a.__dict__, "story_id": f"s{i}", "id": f"a{i}"}))
    clock.advance(3600)
    stage.delivery.dispatch_due()
    first = [r.json["text"] for r in telegram_server.requests]
    pending = stage.store.pending()
    assert 1 <= len(first) and pending, "the first attempt should have run out of time before the last part"
    assert {d.parts_done for d in pending} == {len(first)}
    telegram_server.delay = 0.0
    for _ in range(10):
        if not stage.store.pending():
            break
        clock.advance(2)
        stage.delivery.dispatch_due()
    texts = [r.json["text"] for r in telegram_server.requests]
    assert stage.store.counts()[S_DELIVERED] == 8
    assert len(texts) == len(set(texts)) and len(texts) > len(first)  # every part once, none again
