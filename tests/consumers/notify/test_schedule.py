"""Quiet hours and digests, driven by a hand-moved clock, persisted in the outbox across restarts."""

from __future__ import annotations

import random

import pytest

from consumers.notify.schedule import in_quiet, period_end, quiet_end, release, zone
from consumers.notify.stage import NotifyStage
from consumers.notify.store import DELIVERED, PENDING, DeliveryStore
from consumers.notify.subscriptions import SubscriptionError, Subscriptions, parse_subscribers

pytestmark = pytest.mark.integration

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
DHAKA = zone("Asia/Dhaka")


def test_quiet_hours_wrap_midnight(at_dhaka):
    q = "22:00-07:00"
    assert in_quiet(at_dhaka(2026, 3, 1, 23, 30), q, DHAKA) and in_quiet(at_dhaka(2026, 3, 2, 6, 59), q, DHAKA)
    assert not in_quiet(at_dhaka(2026, 3, 1, 21, 59), q, DHAKA) and not in_quiet(at_dhaka(2026, 3, 2, 7, 0), q, DHAKA)
    assert quiet_end(at_dhaka(2026, 3, 1, 23, 30), q, DHAKA) == at_dhaka(2026, 3, 2, 7)
    assert quiet_end(at_dhaka(2026, 3, 2, 3, 0), q, DHAKA) == at_dhaka(2026, 3, 2, 7)
    assert quiet_end(at_dhaka(2026, 3, 2, 12, 0), q, DHAKA) is None
    assert in_quiet(at_dhaka(2026, 3, 2, 13, 0), "12:00-14:00", DHAKA)
    # the same instant is quiet in Dhaka (23:00) and not in London (17:00)
    assert not in_quiet(at_dhaka(2026, 3, 1, 23, 0), q, zone("Europe/London"))


def test_periods_and_release(at_dhaka):
    assert period_end(at_dhaka(2026, 3, 1, 10, 20), "hourly", DHAKA) == at_dhaka(2026, 3, 1, 11)
    assert period_end(at_dhaka(2026, 3, 1, 11, 0), "hourly", DHAKA) == at_dhaka(2026, 3, 1, 12)
    assert period_end(at_dhaka(2026, 3, 1, 7, 0), "daily", DHAKA, "08:00") == at_dhaka(2026, 3, 1, 8)
    assert period_end(at_dhaka(2026, 3, 1, 8, 0), "daily", DHAKA, "08:00") == at_dhaka(2026, 3, 2, 8)
    now = at_dhaka(2026, 3, 1, 23, 10)
    assert release(now, mode="instant", quiet=None, tz_name="Asia/Dhaka") == (now, None)
    assert release(now, mode="instant", quiet="22:00-07:00", tz_name="Asia/Dhaka") == (at_dhaka(2026, 3, 2, 7), None)
    # an hourly digest whose period ends in quiet hours is folded into the one sent when they end
    due, batch = release(now, mode="digest", quiet="22:00-07:00", tz_name="Asia/Dhaka", digest="hourly")
    assert due == at_dhaka(2026, 3, 2, 7) and batch == "hourly@2026-03-02T07:00:00+06:00"
    assert release(at_dhaka(2026, 3, 2, 3, 40), mode="digest", quiet="22:00-07:00", tz_name="Asia/Dhaka",
                   digest="hourly") == (due, batch)


def test_schedule_settings_are_validated():
    def sub(**kw):
        return {"subscribers": [{"name": "d", "channels": [{"type": "webhook", "url": "http://x/h",
                                                            "secret": SECRET}], **kw}]}

    [s] = parse_subscribers(sub(mode="digest", digest="hourly", timezone="Asia/Kolkata", quiet_hours="22:00-07:00"),
                            env={})
    assert (s.mode, s.digest, s.timezone, s.quiet_hours) == ("digest", "hourly", "Asia/Kolkata", "22:00-07:00")
    for bad, msg in (({"digest": "weekly"}, "digest: must be one of hourly, daily"),
                     ({"timezone": "Mars/Olympus"}, "timezone: unknown time zone"),
                     ({"digest_time": "8am"}, "digest_time: must look like"),
                     ({"quiet_hours": "07:00-07:00"}, "start and end are the same")):
        with pytest.raises(SubscriptionError, match=msg):
            parse_subscribers(sub(**bad), env={})


@pytest.fixture
def outbox(tmp_path):
    return tmp_path / "outbox.sqlite3"


@pytest.fixture
def start_stage(outbox, clock):
    made = []

    def make(subscribers):
        stage = NotifyStage.with_delivery(Subscriptions.from_list(subscribers), DeliveryStore(outbox), clock=clock,
                                          rng=random.Random(3),
                                          outlet_names={"prothomalo": "প্রথম আলো", "jugantor": "যুগান্তর"})
        made.append(stage)
        return stage

    yield make
    for s in made:
        try:
            s.close()
        except Exception:
            pass


def subscribers(url, **kw):
    return parse_subscribers({"subscribers": [{"name": "desk", "channels": [
        {"type": "webhook", "url": url, "secret": SECRET}], **kw}]}, env={})


def test_quiet_hours_hold_instant_alerts_across_a_restart(receiver, alert_factory, start_stage, clock, at_dhaka):
    subs = subscribers(receiver.url, quiet_hours="22:00-07:00")
    clock.now = at_dhaka(2026, 3, 1, 21, 30)
    stage = start_stage(subs)
    stage.process(alert_factory("before"))  # not quiet yet: sent at once
    assert [r.payload["story_id"] for r in receiver.verified] == ["before"]
    clock.now = at_dhaka(2026, 3, 1, 23, 15)
    stage.process(alert_factory("night-1"))
    clock.now = at_dhaka(2026, 3, 2, 2, 0)
    stage.process(alert_factory("night-2"))
    stage.delivery.dispatch_due()
    assert len(receiver.received) == 1
    [d1, d2] = stage.store.pending()
    assert d1.next_attempt_at == d2.next_attempt_at == at_dhaka(2026, 3, 2, 7)
    stage.close()  # the notifier restarts during the night
    clock.now = at_dhaka(2026, 3, 2, 4, 0)
    stage = start_stage(subs)
    stage.process(alert_factory("night-2"))  # Kafka redelivers: nothing new
    stage.delivery.dispatch_due()
    assert len(receiver.received) == 1
    clock.now = at_dhaka(2026, 3, 2, 7, 0)
    stage.delivery.dispatch_due()
    assert [r.payload["story_id"] for r in receiver.verified] == ["before", "night-1", "night-2"]
    clock.now = at_dhaka(2026, 3, 2, 9, 0)
    stage.delivery.dispatch_due()
    assert len(receiver.received) == 3 and stage.store.counts()[DELIVERED] == 3


def test_a_retry_that_falls_in_quiet_hours_waits_for_their_end(receiver, alert_factory, start_stage, clock,
                                                               at_dhaka):
    receiver.respond(503)
    clock.now = at_dhaka(2026, 3, 1, 21, 59)
    stage = start_stage(subscribers(receiver.url, quiet_hours="22:00-07:00"))
    stage.process(alert_factory())
    clock.now = at_dhaka(2026, 3, 1, 22, 30)
    result = stage.delivery.dispatch_due()
    assert result.held == 1 and result.attempted == 0 and len(receiver.received) == 1
    [d] = stage.store.pending()
    assert d.next_attempt_at == at_dhaka(2026, 3, 2, 7) and d.attempts == 1
    clock.now = at_dhaka(2026, 3, 2, 7, 0)
    stage.delivery.dispatch_due()
    assert len(receiver.received) == 2 and stage.store.get(d.id).status == DELIVERED


def test_hourly_digest_is_one_message_per_period_even_across_a_restart(receiver, alert_factory, start_stage, clock,
                                                                        at_dhaka):
    subs = subscribers(receiver.url, mode="digest", digest="hourly")
    clock.now = at_dhaka(2026, 3, 1, 10, 5)
    stage = start_stage(subs)
    stage.process(alert_factory("a", 1))
    clock.now = at_dhaka(2026, 3, 1, 10, 20)
    stage.process(alert_factory("b", 1))
    assert receiver.received == [] and stage.store.counts()[PENDING] == 2
    stage.close()  # restart in the middle of the period
    stage = start_stage(subs)
    clock.now = at_dhaka(2026, 3, 1, 10, 40)
    stage.process(alert_factory("b", 1))  # redelivered
    stage.process(alert_factory("a", 2))  # an update in the same period
    clock.now = at_dhaka(2026, 3, 1, 10, 59)
    stage.delivery.dispatch_due()
    assert receiver.received == []
    clock.now = at_dhaka(2026, 3, 1, 11, 0)
    stage.process(alert_factory("c", 1))  # the next period
    stage.delivery.dispatch_due()
    [digest] = receiver.verified
    p = digest.payload
    assert p["type"] == "alert.digest" and p["subscriber"] == "desk"
    assert sorted((a["story_id"], a["version"]) for a in p["alerts"]) == [("a", 1), ("a", 2), ("b", 1)]
    assert p["text"].startswith("সারসংক্ষেপ: ২টি খবর") and "ঘণ্টার সারসংক্ষেপ" in p["period"]
    assert "হালনাগাদ (সংস্করণ ২)" in p["text"]
    stage.delivery.dispatch_due()
    stage.close()
    stage = start_stage(subs)  # another restart: the sent digest is not sent again
    clock.now = at_dhaka(2026, 3, 1, 12, 0)
    stage.delivery.dispatch_due()
    assert len(receiver.verified) == 2
    assert [a["story_id"] for a in receiver.verified[1].payload["alerts"]] == ["c"]
    assert stage.store.counts() == {PENDING: 0, DELIVERED: 4, "parked": 0}
    assert receiver.ids()[0] != receiver.ids()[1]


def test_a_delivery_that_joins_its_batch_after_it_was_sent_goes_out_under_an_id_of_its_own(
        receiver, alert_factory, start_stage, clock, at_dhaka):
    """The stage reads the clock before its enqueue commits: 'b', read at 10:59:59.8, joined the 11:00 batch after
    the worker had sent it at 11:00:00.5. It then went out alone under the batch's id, and receivers that drop a
    repeated webhook-id dropped it: a lost alert."""
    stage = start_stage(subscribers(receiver.url, mode="digest", digest="hourly"))
    clock.now = at_dhaka(2026, 3, 1, 10, 30)
    stage.process(alert_factory("a"))
    clock.now = at_dhaka(2026, 3, 1, 11, 0) + 0.5
    stage.delivery.dispatch_due()
    clock.now = at_dhaka(2026, 3, 1, 11, 0) - 0.2  # the late enqueue's clock reading
    stage.process(alert_factory("b"))
    clock.now = at_dhaka(2026, 3, 1, 11, 0) + 2
    stage.delivery.dispatch_due()
    assert [[a["story_id"] for a in r.payload["alerts"]] for r in receiver.verified] == [["a"], ["b"]]
    assert len(set(receiver.ids())) == 2


def test_a_failed_digest_is_retried_whole_with_the_same_id(receiver, alert_factory, start_stage, clock, at_dhaka):
    receiver.respond(429, {"Retry-After": "90"})
    clock.now = at_dhaka(2026, 3, 1, 7, 30)
    stage = start_stage(subscribers(receiver.url, mode="digest", digest="daily", digest_time="08:00"))
    stage.process(alert_factory("a"))
    stage.process(alert_factory("b"))
    clock.now = at_dhaka(2026, 3, 1, 8, 0)
    stage.delivery.dispatch_due()
    assert [r.payload is None or r.payload["type"] for r in receiver.received] == ["alert.digest"]
    assert {d.next_attempt_at for d in stage.store.pending()} == {clock() + 90}
    clock.advance(90)
    stage.delivery.dispatch_due()
    assert len(receiver.verified) == 2 and receiver.ids()[0] == receiver.ids()[1]
    assert len(receiver.verified[1].payload["alerts"]) == 2
    assert "দৈনিক সারসংক্ষেপ" in receiver.verified[1].payload["period"]


def test_digest_during_quiet_hours_folds_the_night_into_one_message(receiver, alert_factory, start_stage, clock,
                                                                     at_dhaka):
    stage = start_stage(subscribers(receiver.url, mode="digest", digest="hourly", quiet_hours="22:00-07:00"))
    # 20:30 -> the 21:00 digest; 21:30 would be due at 22:00, already quiet, so it joins the night's
    for h, story in ((20, "evening"), (21, "n0"), (23, "n1"), (2, "n2"), (5, "n3")):
        clock.now = at_dhaka(2026, 3, 1 if h >= 20 else 2, h, 30)
        stage.delivery.dispatch_due()
        stage.process(alert_factory(story))
    assert [[a["story_id"] for a in r.payload["alerts"]] for r in receiver.verified] == [["evening"]]
    clock.now = at_dhaka(2026, 3, 2, 7, 0)
    stage.delivery.dispatch_due()
    assert [[a["story_id"] for a in r.payload["alerts"]] for r in receiver.verified] == [["evening"],
                                                                                         ["n0", "n1", "n2", "n3"]]
