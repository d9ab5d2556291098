"""The notify stage end to end against real local webhook receivers: exactly once, never lost."""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from datetime import datetime, timezone

import pytest
from prometheus_client import REGISTRY

from bnwatch.records import Alert, Article
from consumers.notify.channels import RETRY, SendResult
from consumers.notify.stage import NotifyStage
from consumers.notify.worker import Backoff, DeliveryWorker, Dispatcher, replay_parked
from consumers.notify.store import DELIVERED, PARKED, PENDING, DeliveryStore
from consumers.notify.subscriptions import Subscriptions
from consumers.stage import Stage

pytestmark = pytest.mark.integration

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Metric:
    """Deltas of the delivery counters since the test started."""

    def __init__(self):
        self.start = {o: self._raw(o) for o in ("delivered", "retry", "failed", "parked")}
        self.latency_start = REGISTRY.get_sample_value("bnwatch_end_to_end_latency_seconds_count") or 0

    @staticmethod
    def _raw(outcome):
        return REGISTRY.get_sample_value("bnwatch_deliveries_total", {"channel": "webhook", "outcome": outcome}) or 0

    def __getitem__(self, outcome):
        return self._raw(outcome) - self.start[outcome]

    @property
    def latencies(self):
        return (REGISTRY.get_sample_value("bnwatch_end_to_end_latency_seconds_count") or 0) - self.latency_start


@pytest.fixture
def counters():
    return Metric()


@pytest.fixture
def db(tmp_path):
    return tmp_path / "notify" / "deliveries.sqlite3"


@pytest.fixture
def make_stage(db, clock):
    made = []

    def make(subscribers, **kwargs):
        subs = subscribers if isinstance(subscribers, Subscriptions) else Subscriptions.from_list(subscribers)
        kwargs.setdefault("rng", random.Random(7))
        kwargs.setdefault("outlet_names", {"prothomalo": "প্রথম আলো", "jugantor": "যুগান্তর"})
        stage = NotifyStage.with_delivery(subs, DeliveryStore(db), clock=clock, **kwargs)
        made.append(stage)
        return stage

    yield make
    for s in made:
        try:
            s.close()
        except Exception:
            pass


def test_is_a_stage(make_stage):
    stage = make_stage([])
    assert isinstance(stage, Stage) and stage.name == "notify" and stage.input_type is Alert
    with pytest.raises(TypeError):
        stage.process(Article(url="u", canonical_url="u", outlet="o", title="t", paragraphs=[]))


def test_one_alert_one_signed_post(receiver, subscriber_factory, alert_factory, make_stage, clock, counters):
    stage = make_stage([subscriber_factory("desk", receiver.url)])
    discovered = datetime.fromtimestamp(clock() - 42, timezone.utc).isoformat()
    assert stage.process(alert_factory(discovered_at=discovered)) == []
    assert len(receiver.received) == 1
    got = receiver.verified[0]
    assert got.payload["story_id"] == "story-1" and got.payload["version"] == 1
    assert "যুগান্তর" in got.payload["text"]
    [d] = stage.store.for_story("story-1")
    assert (d.status, d.attempts, d.id) == (DELIVERED, 1, got.id)
    assert counters["delivered"] == 1 and counters["retry"] == 0
    assert counters.latencies == 1


def test_redelivered_alert_is_not_sent_twice_and_a_new_version_is(receiver, subscriber_factory, alert_factory,
                                                                  make_stage):
    stage = make_stage([subscriber_factory("desk", receiver.url)])
    stage.process(alert_factory(version=1))
    stage.process(alert_factory(version=1))  # Kafka redelivery
    stage.delivery.dispatch_due()
    assert len(receiver.received) == 1
    # a restarted notifier on the same outbox gets the same record again
    stage.close()
    again = make_stage([subscriber_factory("desk", receiver.url)])
    again.process(alert_factory(version=1))
    assert len(receiver.received) == 1
    again.process(alert_factory(version=2))
    assert [r.payload["version"] for r in receiver.verified] == [1, 2]
    assert len(set(receiver.ids())) == 2
    assert receiver.verified[1].payload["type"] == "alert.updated"


def test_receiver_down_then_up_delivers_each_exactly_once(receiver, subscriber_factory, alert_factory, make_stage,
                                                          clock, counters):
    url = receiver.url
    receiver.stop()  # connection refused
    stage = make_stage([subscriber_factory("desk", url), subscriber_factory("analyst", url)])
    alerts = [alert_factory("story-a", 1), alert_factory("story-b", 1), alert_factory("story-a", 2)]
    for a in alerts:
        assert stage.process(a) == []  # never raised: the outbox carries the retry
    assert stage.store.counts()[PENDING] == 6
    assert counters["retry"] >= 2 and counters["delivered"] == 0
    for minute in range(5):  # a few minutes of outage, dispatcher keeps knocking
        clock.advance(60)
        stage.delivery.dispatch_due()
    assert stage.store.counts() == {PENDING: 6, DELIVERED: 0, PARKED: 0}
    receiver.start()
    clock.advance(3600)
    result = stage.delivery.dispatch_due()
    assert result.outcomes["delivered"] == 6
    assert stage.store.counts() == {PENDING: 0, DELIVERED: 6, PARKED: 0}
    clock.advance(3600)
    stage.delivery.dispatch_due()
    assert len(receiver.received) == 6 and len(set(receiver.ids())) == 6
    per = {}
    for r in receiver.verified:  # every subscriber: each (story, version) once, versions in order
        per.setdefault(r.payload["subscriber"], []).append((r.payload["story_id"], r.payload["version"]))
    for sub in ("desk", "analyst"):
        assert sorted(per[sub]) == [("story-a", 1), ("story-a", 2), ("story-b", 1)]
        assert per[sub].index(("story-a", 1)) < per[sub].index(("story-a", 2))
    assert counters["delivered"] == 6 and counters["parked"] == 0


def test_notifier_restarted_during_the_outage(receiver, subscriber_factory, alert_factory, make_stage, clock):
    url = receiver.url
    receiver.stop()
    subs = [subscriber_factory("desk", url)]
    first = make_stage(subs)
    for a in (alert_factory("story-a"), alert_factory("story-b")):
        first.process(a)
    clock.advance(30)
    first.delivery.dispatch_due()
    first.close()  # the notifier dies; its Kafka offsets were committed after process() returned
    second = make_stage(subs)
    second.process(alert_factory("story-b"))  # ... or were not, and Kafka redelivers
    assert second.store.counts()[PENDING] == 2
    receiver.start()
    clock.advance(3600)
    second.delivery.dispatch_due()
    second.delivery.dispatch_due()
    assert sorted(r.payload["story_id"] for r in receiver.verified) == ["story-a", "story-b"]
    assert len(receiver.received) == 2
    assert second.store.counts() == {PENDING: 0, DELIVERED: 2, PARKED: 0}


def test_retry_after_is_respected(receiver, subscriber_factory, alert_factory, make_stage, clock):
    receiver.respond(429, {"Retry-After": "120"})
    stage = make_stage([subscriber_factory("desk", receiver.url)])
    stage.process(alert_factory())
    [d] = stage.store.pending()
    assert d.next_attempt_at == clock() + 120 and d.last_status == 429
    clock.advance(119)
    stage.delivery.dispatch_due()
    assert len(receiver.received) == 1
    clock.advance(1)
    stage.delivery.dispatch_due()
    assert len(receiver.received) == 2
    assert receiver.ids()[0] == receiver.ids()[1]  # the same webhook-id on a retry
    assert stage.store.get(d.id).status == DELIVERED


def test_backoff_grows_with_jitter(receiver, subscriber_factory, alert_factory, make_stage, clock):
    receiver.default_status = 503
    stage = make_stage([subscriber_factory("desk", receiver.url)], backoff=Backoff(base=10, factor=2, cap=100,
                                                                                   jitter=0.5))
    stage.process(alert_factory())
    delays = []
    for _ in range(6):
        [d] = stage.store.pending()
        delays.append(d.next_attempt_at - clock())
        clock.advance(d.next_attempt_at - clock())
        stage.delivery.dispatch_due()
    for n, delay in enumerate(delays, start=1):
        full = min(100, 10 * 2 ** (n - 1))
        assert full / 2 <= delay <= full
    assert len(receiver.received) == 7


def test_a_400_parks_the_delivery_and_replay_sends_it(receiver, subscriber_factory, alert_factory, make_stage,
                                                     clock, counters):
    receiver.respond(400)
    stage = make_stage([subscriber_factory("desk", receiver.url)])
    stage.process(alert_factory())
    [d] = stage.store.by_status(PARKED)
    assert d.last_status == 400 and "HTTP 400" in d.last_error
    assert counters["failed"] == 1
    clock.advance(86400)
    stage.delivery.dispatch_due()
    assert len(receiver.received) == 1  # never retried on its own
    assert replay_parked(stage.store, subscriber="desk", clock=clock) == 1
    stage.delivery.dispatch_due()
    assert len(receiver.received) == 2 and receiver.ids()[0] == receiver.ids()[1]
    assert stage.store.get(d.id).status == DELIVERED


def test_parked_after_max_attempts_and_after_max_age(receiver, subscriber_factory, alert_factory, make_stage,
                                                     clock, counters):
    receiver.default_status = 500
    stage = make_stage([subscriber_factory("desk", receiver.url)], max_attempts=3)
    stage.process(alert_factory("story-a"))
    for _ in range(5):
        clock.advance(10_000)
        stage.delivery.dispatch_due()
    [d] = stage.store.by_status(PARKED)
    assert d.attempts == 3 and "gave up after 3 attempt(s)" in d.last_error
    assert len(receiver.received) == 3 and counters["parked"] == 1 and counters["retry"] == 2
    # max age: one attempt after the delivery has waited too long parks it too
    aged = make_stage([subscriber_factory("desk", receiver.url)], max_age=600)
    aged.process(alert_factory("story-b"))
    clock.advance(601)
    aged.delivery.dispatch_due()
    assert {x.story_id for x in aged.store.by_status(PARKED)} == {"story-a", "story-b"}


def test_filtering_by_rule_and_min_score(receiver_factory, subscriber_factory, alert_factory, make_stage):
    ru_nk, strict, other = (receiver_factory().start() for _ in range(3))
    stage = make_stage([
        subscriber_factory("ru-nk", ru_nk.url),
        subscriber_factory("strict", strict.url, min_score=0.8),
        subscriber_factory("other", other.url, rules=("bd-india",)),
    ])
    stage.process(alert_factory("weak", score=0.5))
    stage.process(alert_factory("strong", score=0.95))
    stage.process(alert_factory("india", rule="bd-india", score=0.99))
    assert [r.payload["story_id"] for r in ru_nk.verified] == ["weak", "strong"]
    assert [r.payload["story_id"] for r in strict.verified] == ["strong"]
    assert [r.payload["story_id"] for r in other.verified] == ["india"]


def test_the_first_version_a_subscriber_gets_is_new_to_them(receiver_factory, subscriber_factory, alert_factory,
                                                             make_stage):
    """v1 under a subscriber's min_score, v2 over it: their first message about the story said 'update (version
    2)' — alert.updated, হালনাগাদ — for a story they had never been told of."""
    everyone, strict = receiver_factory().start(), receiver_factory().start()
    stage = make_stage([subscriber_factory("all", everyone.url), subscriber_factory("strict", strict.url,
                                                                                    min_score=0.8)])
    stage.process(alert_factory("s", version=1, score=0.6))
    stage.process(alert_factory("s", version=2, score=0.9))
    stage.process(alert_factory("s", version=3, score=0.9))
    assert [(r.payload["version"], r.payload["type"]) for r in everyone.verified] == [
        (1, "alert.new"), (2, "alert.updated"), (3, "alert.updated")]
    assert [(r.payload["version"], r.payload["type"]) for r in strict.verified] == [
        (2, "alert.new"), (3, "alert.updated")]
    assert "নতুন খবর" in strict.verified[0].payload["text"]
    assert "হালনাগাদ (সংস্করণ" not in strict.verified[0].payload["text"]
    assert "হালনাগাদ (সংস্করণ ২)" in everyone.verified[1].payload["text"]


def test_subscribers_file_is_reloaded(tmp_path, receiver_factory, alert_factory, make_stage):
    a, b = receiver_factory().start(), receiver_factory().start()
    entry = "  - name: {name}\n    channels:\n      - type: webhook\n        url: {url}\n        secret: ${{SECRET}}\n"
    path = tmp_path / "subscribers.yaml"
    path.write_text("subscribers:\n" + entry.format(name="a", url=a.url), encoding="utf-8")
    stage = make_stage(Subscriptions(path, env={"SECRET": SECRET}))
    stage.process(alert_factory("one"))
    st = path.stat()
    path.write_text("subscribers:\n" + entry.format(name="a", url=a.url) + entry.format(name="b", url=b.url),
                    encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    stage.process(alert_factory("two"))
    assert [r.payload["story_id"] for r in a.verified] == ["one", "two"]
    assert [r.payload["story_id"] for r in b.verified] == ["two"]


def test_pending_delivery_of_a_removed_subscriber_is_parked(receiver, subscriber_factory, alert_factory,
                                                           make_stage, clock):
    url = receiver.url
    receiver.stop()
    subs = Subscriptions.from_list([subscriber_factory("desk", url)])
    stage = make_stage(subs)
    stage.process(alert_factory())
    subs._subscribers = ()  # as if the file no longer listed "desk"
    clock.advance(3600)
    stage.delivery.dispatch_due()
    [d] = stage.store.by_status(PARKED)
    assert "no longer configured" in d.last_error


def test_sender_bug_is_retried_not_raised(subscriber_factory, alert_factory, make_stage, clock, receiver):
    class Flaky:
        type = "webhook"
        calls = 0

        def send(self, message, channel):
            Flaky.calls += 1
            if Flaky.calls == 1:
                raise RuntimeError("boom")
            return SendResult("delivered", 200)

    stage = make_stage([subscriber_factory("desk", receiver.url)], channels={"webhook": Flaky()})
    assert stage.process(alert_factory()) == []
    [d] = stage.store.pending()
    assert "internal error: RuntimeError: boom" in d.last_error
    clock.advance(3600)
    stage.delivery.dispatch_due()
    assert stage.store.get(d.id).status == DELIVERED


def test_a_down_endpoint_is_knocked_once_per_pass(receiver, subscriber_factory, alert_factory, make_stage, clock):
    calls = []

    class Down:
        type = "webhook"

        def send(self, message, channel):
            calls.append(message.alert.story_id)
            return SendResult(RETRY, error="connection refused")

    stage = make_stage([subscriber_factory("desk", receiver.url)], channels={"webhook": Down()})
    for i in range(5):
        stage.process(alert_factory(f"s{i}"))
    calls.clear()
    clock.advance(86000)
    stage.delivery.dispatch_due()
    assert len(calls) == 1


def test_versions_of_a_story_go_out_in_order(receiver, subscriber_factory, alert_factory, make_stage, clock):
    receiver.respond(503)
    stage = make_stage([subscriber_factory("desk", receiver.url)])
    stage.process(alert_factory(version=1))  # 503: v1 waits for its retry
    stage.process(alert_factory(version=2))  # must not overtake v1
    assert [r.payload["version"] for r in receiver.received] == [1]
    clock.advance(3600)
    stage.delivery.dispatch_due()
    assert [r.payload["version"] for r in receiver.received] == [1, 1, 2]


def test_an_older_version_after_a_newer_one_is_not_sent(receiver, subscriber_factory, alert_factory, make_stage):
    """A v2 arriving after v3 (a dead letter replayed after its update) went out after it: the subscriber's latest
    message then said what the story no longer says."""
    stage = make_stage([subscriber_factory("desk", receiver.url)])
    stage.process(alert_factory(version=1))
    stage.process(alert_factory(version=3))
    stage.process(alert_factory(version=2))  # late
    stage.process(alert_factory(version=1))  # a redelivery, as before
    stage.delivery.dispatch_due()
    assert [r.payload["version"] for r in receiver.verified] == [1, 3]


def test_the_worker_prunes_the_outbox_and_a_redelivered_alert_within_keep_is_still_not_sent_twice(
        receiver, subscriber_factory, alert_factory, make_stage, clock):
    stage = make_stage([subscriber_factory("desk", receiver.url)])
    stage.process(alert_factory("old"))
    clock.advance(89 * 86400)
    stage.process(alert_factory("old"))  # redelivered within the 90 days: recognised
    assert len(receiver.verified) == 1
    clock.advance(2 * 86400)
    stage.process(alert_factory("new"))  # the next pass deletes the 91-day-old delivery
    assert stage.store.counts()["delivered"] == 1
    assert [r.payload["story_id"] for r in receiver.verified] == ["old", "new"]


def test_dispatcher_thread_and_concurrent_processing_send_each_once(receiver, subscriber_factory, alert_factory,
                                                                     db):
    receiver.respond(503, times=5)
    subs = Subscriptions.from_list([subscriber_factory("desk", receiver.url)])
    stage = NotifyStage.with_delivery(subs, DeliveryStore(db), backoff=Backoff(base=0.01, cap=0.05), min_delay=0.01,
                                      outlet_names={})
    # a second notifier process on the same outbox, with its own dispatcher
    other = NotifyStage.with_delivery(subs, DeliveryStore(db), backoff=Backoff(base=0.01, cap=0.05), min_delay=0.01,
                                      outlet_names={})
    with Dispatcher(stage.delivery, interval=0.01), Dispatcher(other.delivery, interval=0.01):
        def feed(s):
            for i in range(15):
                s.process(alert_factory(f"s{i % 10}", version=1 + i // 10))
        threads = [threading.Thread(target=feed, args=(s,)) for s in (stage, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        deadline = time.monotonic() + 15
        while stage.store.counts()[PENDING] and time.monotonic() < deadline:
            time.sleep(0.02)
    assert stage.store.counts() == {PENDING: 0, DELIVERED: 15, PARKED: 0}
    assert len(receiver.ids()) == len(set(receiver.ids())) + 5  # 5 answers were 503: retried, same id
    assert len(set(receiver.ids())) == 15
    stage.close()
    other.close()


def test_the_worker_from_settings_runs_its_own_dispatch_thread(tmp_path, receiver, alert_factory):
    from bnwatch.config import Settings

    url = receiver.url
    receiver.stop()
    path = tmp_path / "subscribers.yaml"
    path.write_text(f"subscribers:\n  - name: desk\n    channels:\n      - type: webhook\n        url: {url}\n"
                    f"        secret: {SECRET}\n", encoding="utf-8")
    worker = DeliveryWorker.from_settings(Settings(data_dir=tmp_path / "var", subscribers_file=path),
                                          dispatch_interval=0.02, backoff=Backoff(base=0.05, cap=0.1),
                                          min_delay=0.05, outlet_names={})
    stage = NotifyStage.from_settings(None, delivery=worker)
    try:
        stage.process(alert_factory())
        assert receiver.received == [] and stage.store.counts()[PENDING] == 1
        receiver.start()
        deadline = time.monotonic() + 10
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        assert len(receiver.verified) == 1
        assert (tmp_path / "var" / "notify" / "deliveries.sqlite3").exists()
    finally:
        stage.close()
        worker.close()


def _back_off_apart(stage, clock, rounds):
    """While the endpoint is down: each round, let the earliest retry come due and fail again, so the pending
    deliveries end up with different attempt counts and backoffs, all in the future."""
    for _ in range(rounds):
        clock.now = min(d.next_attempt_at for d in stage.store.pending())
        stage.delivery.dispatch_due()
    return stage.store.pending()


def test_recovery_sends_what_waited_on_backoffs_in_the_same_pass(receiver, subscriber_factory, alert_factory,
                                                                 make_stage, clock, counters, caplog):
    url = receiver.url
    receiver.stop()
    stage = make_stage([subscriber_factory("desk", url), subscriber_factory("other", url)], backoff=Backoff(base=30))
    for i in range(5):
        stage.process(alert_factory(f"s{i}"))  # desk and other: connection refused, backoff
        clock.advance(5)
    pending = _back_off_apart(stage, clock, rounds=25)
    assert len(pending) == 10 and all(d.attempts >= 2 for d in pending)
    assert max(d.next_attempt_at for d in pending) - clock() > 60  # some would wait minutes after the recovery
    receiver.start()
    for round_ in range(2):  # "desk" and "other" share the URL but are two destinations: each recovers once
        waiting = stage.store.pending()
        first = min(waiting, key=lambda d: d.next_attempt_at)
        clock.now = first.next_attempt_at  # the earliest retry; the rest of that destination would wait longer
        mine = [d for d in waiting if d.subscriber == first.subscriber]
        assert len(mine) == 5 and all(d.next_attempt_at > clock() for d in mine if d.id != first.id)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="consumers.notify.stage"):
            result = stage.delivery.dispatch_due()
        assert (f"{first.subscriber}/webhook answers again: 4 delivery(ies) waiting on a retry are due now"
                in caplog.text)
        assert result.outcomes == {"delivered": 5, "retry": 0, "failed": 0, "parked": 0}  # all five, this pass
        assert {d.subscriber for d in stage.store.pending()} == ({"desk", "other"} - {first.subscriber}
                                                                 if round_ == 0 else set())
    assert stage.store.counts() == {PENDING: 0, DELIVERED: 10, PARKED: 0}
    clock.advance(7200)
    stage.delivery.dispatch_due()
    assert len(receiver.received) == 10 and sorted(receiver.ids()) == sorted(d.id for d in pending)
    assert counters["delivered"] == 10


def test_quiet_hours_still_hold_what_a_recovery_releases(receiver, alert_factory, make_stage, clock, at_dhaka):
    from consumers.notify.subscriptions import parse_subscribers

    url = receiver.url
    receiver.stop()
    subs = parse_subscribers({"subscribers": [{"name": "desk", "quiet_hours": "22:00-07:00", "channels": [
        {"type": "webhook", "url": url, "secret": SECRET}]}]}, env={})
    clock.now = at_dhaka(2026, 3, 1, 21, 50)
    stage = make_stage(subs, backoff=Backoff(base=60))
    for i in range(3):
        stage.process(alert_factory(f"s{i}"))
    pending = _back_off_apart(stage, clock, rounds=4)
    receiver.start()
    # a retry just before the night gets through (another notifier sent it) and releases the other two; by the
    # time they are attempted quiet hours have begun: held until 07:00, not sent
    first = min(pending, key=lambda d: d.next_attempt_at)
    assert first.next_attempt_at < at_dhaka(2026, 3, 1, 22, 0)
    assert stage.store.claim(first.id, first.next_attempt_at, lease=30)
    assert stage.store.mark_delivered(first.id, first.next_attempt_at) == 2
    clock.now = at_dhaka(2026, 3, 1, 22, 0)
    result = stage.delivery.dispatch_due()
    assert result.held == 2 and receiver.received == []
    assert {d.next_attempt_at for d in stage.store.pending()} == {at_dhaka(2026, 3, 2, 7, 0)}
    clock.now = at_dhaka(2026, 3, 2, 7, 0)
    stage.delivery.dispatch_due()
    assert stage.store.counts()[PENDING] == 0 and len(receiver.received) == 2


def test_an_immediate_send_that_gets_through_wakes_the_dispatcher(receiver, subscriber_factory, alert_factory,
                                                                  make_stage, clock):
    url = receiver.url
    receiver.stop()
    stage = make_stage([subscriber_factory("desk", url)])
    for i in range(3):
        stage.process(alert_factory(f"s{i}"))
    pending = _back_off_apart(stage, clock, rounds=8)
    dispatcher = stage.delivery.start(interval=3600)  # on its own it would look again in an hour
    deadline = time.monotonic() + 5
    while dispatcher.passes < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert dispatcher.passes == 1 and receiver.received == []  # nothing was due
    receiver.start()
    stage.process(alert_factory("fresh"))  # sent at once; the endpoint is back: the three waiting go now too
    deadline = time.monotonic() + 5
    while len(receiver.received) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert sorted(receiver.ids()) == sorted([d.id for d in pending] + [stage.store.for_story("fresh")[0].id])
    assert stage.store.counts() == {PENDING: 0, DELIVERED: 4, PARKED: 0}
