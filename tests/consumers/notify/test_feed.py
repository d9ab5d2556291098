"""Atom feeds over HTTP, read with feedparser: per subscriber and per rule, ETag/Last-Modified -> 304."""

from __future__ import annotations

import random
import socket
import urllib.error
import urllib.request

import feedparser
import pytest

from consumers.notify.channels.atom import FeedServer
from consumers.notify.stage import NotifyStage
from consumers.notify.worker import DeliveryWorker
from consumers.notify.store import DELIVERED, DeliveryStore
from consumers.notify.subscriptions import Subscriptions, parse_subscribers

pytestmark = pytest.mark.integration

NAMES = {"prothomalo": "প্রথম আলো", "jugantor": "যুগান্তর"}


@pytest.fixture
def feeds(tmp_path, clock):
    subs = Subscriptions.from_list(parse_subscribers({"subscribers": [
        {"name": "reader", "channels": [{"type": "atom", "title": "বিশ্লেষক ডেস্ক"}],
         # quiet hours and digests do not hold a pulled feed
         "mode": "digest", "digest": "daily", "quiet_hours": "00:00-23:59"},
        {"name": "private", "channels": [{"type": "atom", "token": "t0ps3cret"}]},
    ]}, env={}))
    stage = NotifyStage.with_delivery(subs, DeliveryStore(tmp_path / "o.sqlite3"), clock=clock, rng=random.Random(1),
                                      outlet_names=NAMES)
    server = FeedServer(stage.store, subs, outlet_names=NAMES).start()
    yield stage, server
    server.stop()
    stage.close()


def test_subscriber_feed_with_bengali_entries_and_304(feeds, alert_factory, clock):
    stage, server = feeds
    stage.process(alert_factory("story-a", 1))
    clock.advance(60)
    stage.process(alert_factory("story-b", 1))
    assert stage.store.counts()[DELIVERED] == 4
    url = server.subscriber_url("reader")
    first = feedparser.parse(url)
    assert first.status == 200 and not first.bozo, first.get("bozo_exception")
    assert first.version == "atom10"
    assert first.feed.title == "বিশ্লেষক ডেস্ক"
    assert [e.title for e in first.entries] == ["[রাশিয়া–উত্তর কোরিয়া] পুতিন-কিম বৈঠকে সামরিক সহযোগিতার চুক্তি"] * 2
    newest = first.entries[0]
    assert newest.id == "tag:bnwatch,2026:story/story-b"  # newest first
    assert newest.link == "https://prothomalo.example/world/story-b-0"
    assert "প্রথম আলো" in newest.content[0].value and "প্রমাণ: রাশিয়া" in newest.content[0].value
    assert newest.tags[0].term == "ru-nk"
    assert first.etag and first.modified
    # second fetch: nothing changed -> 304 (If-None-Match), and with If-Modified-Since alone
    again = feedparser.parse(url, etag=first.etag)
    assert again.status == 304 and again.entries == []
    assert feedparser.parse(url, modified=first.modified).status == 304
    # a new version of story-a updates its entry (same id) and the ETag
    clock.advance(60)
    stage.process(alert_factory("story-a", 2))
    third = feedparser.parse(url, etag=first.etag)
    assert third.status == 200 and third.etag != first.etag
    assert [e.id for e in third.entries] == ["tag:bnwatch,2026:story/story-a", "tag:bnwatch,2026:story/story-b"]
    assert "হালনাগাদ (সংস্করণ ২)" in third.entries[0].content[0].value


def test_rule_feed_token_and_unknown_feeds(feeds, alert_factory):
    stage, server = feeds
    stage.process(alert_factory("story-a"))
    stage.process(alert_factory("story-x", rule="bd-india"))
    rule = feedparser.parse(server.rule_url("ru-nk"))
    assert rule.status == 200 and [e.id for e in rule.entries] == ["tag:bnwatch,2026:story/story-a"]
    assert rule.feed.title == "bnwatch: রাশিয়া–উত্তর কোরিয়া"
    every = feedparser.parse(server.rule_url("*"))
    assert len(every.entries) == 1  # no subscriber follows bd-india: the outbox never held it
    for url, code in ((server.subscriber_url("private"), 403), (server.subscriber_url("private", "nope"), 403),
                      (server.subscriber_url("nobody"), 404), (server.base_url + "/feeds/x", 404)):
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(url, timeout=5)
        assert info.value.code == code
    ok = feedparser.parse(server.subscriber_url("private", "t0ps3cret"))
    assert ok.status == 200 and len(ok.entries) == 1


def test_from_settings_serves_feeds(tmp_path, alert_factory):
    from bnwatch.config import Settings

    path = tmp_path / "subscribers.yaml"
    path.write_text("subscribers:\n  - name: reader\n    channels:\n      - type: atom\n", encoding="utf-8")
    worker = DeliveryWorker.from_settings(Settings(data_dir=tmp_path / "var", subscribers_file=path),
                                          dispatch_interval=None, feed_port=0, outlet_names=NAMES)
    stage = NotifyStage.from_settings(None, delivery=worker)  # the stage shares the worker's outbox
    try:
        stage.process(alert_factory())
        parsed = feedparser.parse(worker.feeds.subscriber_url("reader"))
        assert parsed.status == 200 and len(parsed.entries) == 1
    finally:
        stage.close()
        worker.close()
    assert worker.feeds is None


def test_the_pipelines_notify_stage_serves_feeds_when_configured(tmp_path, alert_factory, monkeypatch):
    """BNWATCH_FEEDS_PORT: `bnwatch consume notify`, `bnwatch run` and `bnwatch deliver` start the delivery
    worker with the feed server."""
    from bnwatch.app.stages import build_stage, close_workers, start_workers
    from bnwatch.config import Settings

    path = tmp_path / "subscribers.yaml"
    path.write_text("subscribers:\n  - name: reader\n    channels:\n      - type: atom\n        title: ডেস্ক\n",
                    encoding="utf-8")
    monkeypatch.setenv("BNWATCH_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("BNWATCH_SUBSCRIBERS", str(path))
    monkeypatch.setenv("BNWATCH_FEEDS_PORT", "0")  # any free port
    monkeypatch.setenv("BNWATCH_FEEDS_ADDR", "127.0.0.1")
    settings = Settings.from_env()
    assert (settings.feeds_port, settings.feeds_addr) == (0, "127.0.0.1")
    workers = start_workers(settings, ("notify",))
    worker = workers["notify"]
    stage = build_stage("notify", settings, worker)
    try:
        assert worker.feeds is not None and worker.feeds.base_url.startswith("http://127.0.0.1:")
        assert stage.delivery is worker and stage.store is worker.store
        stage.process(alert_factory("story-a"))
        parsed = feedparser.parse(worker.feeds.base_url + "/feeds/subscribers/reader.atom")
        assert parsed.status == 200 and not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.feed.title == "ডেস্ক"
        assert [e.id for e in parsed.entries] == ["tag:bnwatch,2026:story/story-a"]
        assert "প্রথম আলো" in parsed.entries[0].content[0].value
    finally:
        stage.close()
        close_workers(workers)
    assert worker.feeds is None
    # without a port no feed server, and an explicit feed_port= still wins over the setting
    quiet = DeliveryWorker.from_settings(settings.with_(feeds_port=None), dispatch_interval=None, outlet_names=NAMES)
    assert quiet.feeds is None
    quiet.close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        explicit = DeliveryWorker.from_settings(settings.with_(feeds_port=taken.getsockname()[1]),
                                             dispatch_interval=None, feed_port=0, outlet_names=NAMES)
        assert explicit.feeds.port != taken.getsockname()[1]
        explicit.close()
