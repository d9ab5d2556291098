"""The outbox on SQLite and on PostgreSQL (`outbox_target` runs a test once per backend): idempotent enqueue,
leases, durability across reopen, parking and replay, releasing a destination's backoffs; and what is particular
to each backend (SQLite pragmas and upgrades; PostgreSQL schema races, reconnects, no password in logs)."""

from __future__ import annotations

import logging
import sqlite3
import threading

import pytest

from consumers.notify.store import (DELIVERED, PARKED, PENDING, DeliveryStore, NewDelivery, PostgresDeliveryStore,
                                    StoreError, delivery_id, open_store, redact)


def nd(story="s1", sub="desk", version=1, channel="webhook"):
    return NewDelivery(story, sub, version, channel, "webhook", "ru-nk", '{"kind":"alert"}')


@pytest.fixture
def sqlite_store(tmp_path):
    s = DeliveryStore(tmp_path / "outbox.sqlite3")
    yield s
    s.close()


@pytest.fixture
def open_outbox(outbox_target):
    """open_outbox() -> another store (another notifier) on this test's outbox; all closed at the end."""
    made = []

    def make():
        s = open_store(outbox_target)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


@pytest.fixture
def store(open_outbox):
    return open_outbox()


def test_enqueue_is_idempotent_on_the_key(store, open_outbox):
    assert store.enqueue([nd(), nd(sub="other")], now=100) == [nd().id, nd(sub="other").id]
    assert store.enqueue([nd()], now=200) == []  # redelivered alert
    assert store.enqueue([nd(version=2)], now=300) == [nd(version=2).id]  # a new version is a new delivery
    assert store.counts() == {PENDING: 3, DELIVERED: 0, PARKED: 0}
    assert store.get(nd().id).created_at == 100  # the first enqueue stands
    # and across a reopen (another process / a restarted notifier)
    other = open_outbox()
    assert other.enqueue([nd(), nd(version=2)], now=400) == []


def test_ids_are_stable_and_header_safe():
    a = delivery_id("story/১", "ডেস্ক", 1, "webhook")
    assert a == delivery_id("story/১", "ডেস্ক", 1, "webhook")
    assert a != delivery_id("story/১", "ডেস্ক", 2, "webhook")
    assert a.startswith("msg_") and a.isascii() and len(a) == 36


def test_wal_and_full_sync(sqlite_store):
    db = sqlite3.connect(sqlite_store.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    # synchronous is per connection: the store's own must be FULL (2), since the Kafka offset commit relies on it
    assert sqlite_store._db.execute("PRAGMA synchronous").fetchone()[0] == 2


def test_claim_is_exclusive_until_the_lease_runs_out(store, open_outbox):
    store.enqueue([nd()], now=100)
    other = open_outbox()  # a second dispatcher on the same outbox
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


def test_concurrent_claims_give_one_winner(open_outbox):
    stores = [open_outbox() for _ in range(6)]
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


def test_concurrent_batch_claims_give_one_winner_with_the_whole_batch(open_outbox):
    stores = [open_outbox() for _ in range(6)]
    rows = [NewDelivery(f"s{i}", "desk", 1, "webhook", "webhook", "ru-nk", "{}", batch="hourly@b", due_at=10)
            for i in range(20)]
    stores[0].enqueue(rows, now=0)
    for _round in range(5):  # several races, each over a fresh lease
        claimed: list[list] = []
        barrier = threading.Barrier(len(stores))
        now = 100 + _round * 100

        def race(s, now=now):
            barrier.wait()
            got = s.claim_batch("desk", "webhook", "hourly@b", now=now, lease=30)
            if got:
                claimed.append(got)

        threads = [threading.Thread(target=race, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(claimed) == 1 and sorted(d.id for d in claimed[0]) == sorted(r.id for r in rows)
        assert {d.attempts for d in claimed[0]} == {_round + 1}


def test_a_delivery_releases_its_destinations_backoffs(store):
    store.enqueue([nd("a"), nd("b"), nd("c"), nd("d", sub="other"), nd("q")], now=0)
    store.enqueue([NewDelivery("e", "desk", 1, "webhook", "webhook", "ru-nk", "{}", due_at=5000)], now=0)  # held
    store.enqueue([nd("f", channel="slack"), nd("r")], now=0)  # f: same subscriber, another channel
    # g: refused (no HTTP status); h: a 500 on this very message; i: our own rendering failed (no HTTP status)
    store.enqueue([nd("g"), nd("h"), nd("i")], now=0)
    statuses = {"g": None, "h": 500, "i": None}
    errors = {"g": "connection error: [Errno 111] Connection refused", "h": "HTTP 500",
              "i": "internal error: KeyError: 'title'"}
    for story, retry_at in (("a", 60), ("b", 300), ("d", 300), ("f", 300), ("q", 600), ("r", 300), ("g", 300),
                            ("h", 300), ("i", 300)):
        d = nd(story, sub="other" if story == "d" else "desk", channel="slack" if story == "f" else "webhook")
        assert store.claim(d.id, now=1, lease=30)
        store.mark_retry(d.id, now=2, next_attempt_at=retry_at, status=statuses.get(story, 503),
                         error=errors.get(story, "HTTP 503"),
                         retry_after=298 if story == "r" else None)  # r: the destination said when
    store.claim(nd("q").id, now=600, lease=1000)  # another dispatcher is on it right now
    assert store.claim(nd("a").id, now=60, lease=30)
    assert store.mark_delivered(nd("a").id, now=61, status=204) == 2  # b (503) and g (refused)
    assert store.get(nd("b").id).next_attempt_at == 61
    assert store.get(nd("g").id).next_attempt_at == 61
    assert store.get(nd("h").id).next_attempt_at == 300  # rejected by the endpoint, not absent: keeps its backoff
    assert store.get(nd("i").id).next_attempt_at == 300  # our own failure: the endpoint coming back cures nothing
    assert store.get(nd("c").id).next_attempt_at == 0  # due anyway, never tried: untouched
    assert store.get(nd("d", sub="other").id).next_attempt_at == 300  # another subscriber
    assert store.get(nd("f", channel="slack").id).next_attempt_at == 300  # another channel
    assert store.get(nd("q").id).next_attempt_at == 600  # leased elsewhere
    assert store.get(nd("r").id).next_attempt_at == 300 and store.get(nd("r").id).retry_after == 298  # honoured
    assert store.get(NewDelivery("e", "desk", 1, "webhook", "webhook", "ru-nk", "{}").id).next_attempt_at == 5000
    assert store.claim(nd("c").id, now=62, lease=30)
    assert store.mark_delivered(nd("c").id, now=63, release=False) == 0


def test_feed_rows_newest_version_per_story(store):
    store.enqueue([nd("a", version=1), nd("a", version=2), nd("b")], now=0)
    for d, at in ((nd("a", version=1), 10), (nd("b"), 20), (nd("a", version=2), 30)):
        store.claim(d.id, now=at, lease=30)
        store.mark_delivered(d.id, now=at)
    rows = store.feed_rows(subscriber="desk")
    assert [(r.story_id, r.version) for r in rows] == [("a", 2), ("b", 1)]
    assert [r.story_id for r in store.feed_rows(rule="*", status=None, limit=1)] == ["a"]


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
    assert store.counts() == {PENDING: 1, DELIVERED: 0, PARKED: 0}


def test_delivered_and_parked_deliveries_are_pruned_pending_ones_never(store):
    """Nothing deleted from the outbox: months of alerts grew it without bound (30 days of 40 alerts for five
    subscribers: 6,000 deliveries and 6,000 attempts)."""
    store.enqueue([nd("a"), nd("b"), nd("c"), nd("d")], now=0)
    for story in ("a", "b"):
        store.claim(nd(story).id, now=0, lease=30)
    store.mark_delivered(nd("a").id, now=10, status=204)
    store.mark_parked(nd("b").id, now=20, outcome="failed", status=400, error="HTTP 400")
    store.claim(nd("d").id, now=0, lease=30)
    store.mark_delivered(nd("d").id, now=1000, status=204)
    assert store.prune(before=500) == 2  # a and b; c is pending however old, d is recent
    assert store.get(nd("a").id) is None and store.get(nd("b").id) is None and store.attempts(nd("a").id) == []
    assert store.counts() == {PENDING: 1, DELIVERED: 1, PARKED: 0}
    assert store.prune(before=500) == 0


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
    assert old.batch is None and old.parts_done == 0 and old.status == PENDING and old.retry_after is None
    store.enqueue([NewDelivery("s2", "desk", 1, "webhook", "webhook", "ru-nk", "{}", batch="hourly@x", due_at=50)], 10)
    [new] = store.for_story("s2")
    assert (new.batch, new.next_attempt_at, new.created_at) == ("hourly@x", 50, 50)
    assert [x.id for x in store.claim_batch("desk", "webhook", "hourly@x", now=49, lease=30)] == []
    assert [x.id for x in store.claim_batch("desk", "webhook", "hourly@x", now=50, lease=30)] == [new.id]
    store.mark_retry([new.id], 51, 100, parts_done=2)
    assert store.get(new.id).parts_done == 2
    store.close()


# ------------------------------------------------------------------------------------------------ PostgreSQL only


def test_open_store_picks_the_backend_and_redacts_passwords(tmp_path):
    s = open_store(tmp_path / "x.sqlite3")
    assert isinstance(s, DeliveryStore) and s.backend == "sqlite"
    s.close()
    assert redact("postgresql://bn:hunter2@db.example:5432/bnwatch") == "postgresql://bn:***@db.example:5432/bnwatch"
    assert (redact("postgres://db/bn?sslmode=require&password=hunter2")
            == "postgres://db/bn?sslmode=require&password=***")
    assert redact("postgresql://db.example/bnwatch") == "postgresql://db.example/bnwatch"
    with pytest.raises(StoreError) as info:
        open_store("postgresql://bn:hunter2@127.0.0.1:1/bnwatch?connect_timeout=2")  # nothing listens on port 1
    assert "hunter2" not in str(info.value) and "bn:***@127.0.0.1:1" in str(info.value)


@pytest.mark.integration
def test_postgres_store_with_a_password_never_logs_it(pg_dsn, caplog):
    # the test server trusts loopback connections, so any password is accepted, and must never be printed
    dsn = pg_dsn.replace("postgresql://bnwatch@", "postgresql://bnwatch:hunter2@")
    with caplog.at_level(logging.DEBUG, logger="consumers.notify.store"):
        s = open_store(dsn)
    assert isinstance(s, PostgresDeliveryStore) and s.backend == "postgresql"
    assert "hunter2" not in repr(s) and "hunter2" not in s.target and "bnwatch:***@" in s.target
    assert "PostgreSQL at postgresql://bnwatch:***@" in caplog.text and "hunter2" not in caplog.text
    s.close()


@pytest.mark.integration
def test_postgres_schema_created_once_by_notifiers_starting_together(pg_dsn):
    barrier = threading.Barrier(5)
    stores, errors = [], []

    def start():
        barrier.wait()
        try:
            stores.append(PostgresDeliveryStore(pg_dsn))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(stores) == 5
    stores[0].enqueue([nd()], now=0)
    assert all(s.counts()[PENDING] == 1 for s in stores)
    for s in stores:
        s.close()


@pytest.mark.integration
def test_postgres_store_reconnects_after_the_server_drops_it(pg_dsn, postgres_url):
    import psycopg

    store = PostgresDeliveryStore(pg_dsn)
    store.enqueue([nd()], now=0)
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (store._db.info.backend_pid,))
    assert store.counts()[PENDING] == 1  # a read on a fresh connection
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (store._db.info.backend_pid,))
    assert store.enqueue([nd(version=2)], now=1) == [nd(version=2).id]  # and a write
    store.close()
    with pytest.raises(StoreError):
        store.counts()
