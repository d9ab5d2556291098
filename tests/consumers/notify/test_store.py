"""The SQLite outbox: idempotent enqueue, leases, durability across reopen, parking and replay."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from consumers.notify.store import DELIVERED, PARKED, PENDING, DeliveryStore, NewDelivery, StoreError, delivery_id


def nd(story="s1", sub="desk", version=1, channel="webhook"):
    return NewDelivery(story, sub, version, channel, "webhook", "ru-nk", '{"kind":"alert"}')


@pytest.fixture
def store(tmp_path):
    s = DeliveryStore(tmp_path / "outbox.sqlite3")
    yield s
    s.close()


def test_enqueue_is_idempotent_on_the_key(store, tmp_path):
    assert store.enqueue([nd(), nd(sub="other")], now=100) == [nd().id, nd(sub="other").id]
    assert store.enqueue([nd()], now=200) == []  # redelivered alert
    assert store.enqueue([nd(version=2)], now=300) == [nd(version=2).id]  # a new version is a new delivery
    assert store.counts() == {PENDING: 3, DELIVERED: 0, PARKED: 0}
    assert store.get(nd().id).created_at == 100  # the first enqueue stands
    # and across a reopen (another process / a restarted notifier)
    other = DeliveryStore(tmp_path / "outbox.sqlite3")
    assert other.enqueue([nd(), nd(version=2)], now=400) == []
    other.close()


def test_ids_are_stable_and_header_safe():
    a = delivery_id("story/১", "ডেস্ক", 1, "webhook")
    assert a == delivery_id("story/১", "ডেস্ক", 1, "webhook")
    assert a != delivery_id("story/১", "ডেস্ক", 2, "webhook")
    assert a.startswith("msg_") and a.isascii() and len(a) == 36


def test_wal_and_full_sync(store):
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_claim_is_exclusive_until_the_lease_runs_out(store, tmp_path):
    store.enqueue([nd()], now=100)
    other = DeliveryStore(tmp_path / "outbox.sqlite3")  # a second dispatcher on the same file
    claimed = store.claim(nd().id, now=100, lease=40)
    assert claimed is not None and claimed.attempts == 1
    assert other.claim(nd().id, now=120, lease=40) is None
    with pytest.raises(StoreError):  # only the lease holder may finish it
        other.mark_delivered(nd().id, now=120)
    # the holder died without finishing: after the lease, the other may try (same id -> receiver dedupes)
    again = other.claim(nd().id, now=141, lease=40)
    assert again is not None and again.attempts == 2
    other.mark_delivered(nd().id, now=142, status=200, duration=0.01)
    assert store.get(nd().id).status == DELIVERED
    assert store.claim(nd().id, now=500, lease=40) is None  # delivered is final
    other.close()


def test_concurrent_claims_give_one_winner(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    stores = [DeliveryStore(path) for _ in range(6)]
    stores[0].enqueue([nd()], now=0)
    wins = []
    barrier = threading.Barrier(len(stores))

    def race(s):
        barrier.wait()
        if s.claim(nd().id, now=1, lease=30):
            wins.append(s)

    threads = [threading.Thread(target=race, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1
    for s in stores:
        s.close()


def test_retry_schedule_park_and_replay(store):
    store.enqueue([nd()], now=0)
    store.claim(nd().id, now=0, lease=30)
    store.mark_retry(nd().id, now=1, next_attempt_at=61, status=503, error="HTTP 503")
    assert store.claim(nd().id, now=60, lease=30) is None  # not due yet
    assert store.claim(nd().id, now=61, lease=30) is not None
    store.mark_parked(nd().id, now=62, outcome="failed", status=400, error="HTTP 400")
    d = store.get(nd().id)
    assert (d.status, d.attempts, d.last_status, d.last_error) == (PARKED, 2, 400, "HTTP 400")
    assert [a["outcome"] for a in store.attempts(nd().id)] == ["retry", "failed"]
    assert store.replay_parked(100, subscriber="nobody") == 0
    assert store.replay_parked(100, subscriber="desk") == 1
    d = store.get(nd().id)
    assert (d.status, d.attempts, d.next_attempt_at) == (PENDING, 0, 100)
    assert store.next_due_at() == 100


def test_an_outbox_from_the_first_release_is_upgraded(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE deliveries (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
            story_id TEXT NOT NULL, subscriber TEXT NOT NULL, version INTEGER NOT NULL, channel TEXT NOT NULL,
            channel_type TEXT NOT NULL, rule TEXT NOT NULL, alert TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL, next_attempt_at REAL NOT NULL,
            last_attempt_at REAL, delivered_at REAL, last_status INTEGER, last_error TEXT, lease_owner TEXT,
            lease_until REAL, UNIQUE (story_id, subscriber, version, channel));
    """)
    d = nd()
    db.execute("INSERT INTO deliveries (id, story_id, subscriber, version, channel, channel_type, rule, alert,"
               " created_at, next_attempt_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
               (d.id, d.story_id, d.subscriber, d.version, d.channel, d.channel_type, d.rule, d.alert, 1, 1))
    db.commit()
    db.close()
    store = DeliveryStore(path)
    old = store.get(d.id)
    assert old.batch is None and old.parts_done == 0 and old.status == PENDING
    store.enqueue([NewDelivery("s2", "desk", 1, "webhook", "webhook", "ru-nk", "{}", batch="hourly@x", due_at=50)], 10)
    [new] = store.for_story("s2")
    assert (new.batch, new.next_attempt_at, new.created_at) == ("hourly@x", 50, 50)
    assert [x.id for x in store.claim_batch("desk", "webhook", "hourly@x", now=49, lease=30)] == []
    assert [x.id for x in store.claim_batch("desk", "webhook", "hourly@x", now=50, lease=30)] == [new.id]
    store.mark_retry([new.id], 51, 100, parts_done=2)
    assert store.get(new.id).parts_done == 2
    store.close()
