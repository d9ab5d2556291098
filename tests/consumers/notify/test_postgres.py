"""The outbox on a real PostgreSQL server shared by several notifiers: each delivery (and each digest) exactly once
while three stages process the same alerts and dispatch at the same time; configured through Settings and the CLI."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

import pytest

from bnwatch.cli import main
from bnwatch.config import Settings
from consumers.notify.stage import NotifyStage
from consumers.notify.worker import Dispatcher
from consumers.notify.store import (DELIVERED, PARKED, PENDING, NewDelivery, PostgresDeliveryStore, batch_id,
                                    open_store)
from consumers.notify.subscriptions import Subscriptions, parse_subscribers

pytestmark = pytest.mark.integration

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _subscribers(url):
    hook = {"type": "webhook", "url": url, "secret": SECRET}
    return Subscriptions.from_list(parse_subscribers({"subscribers": [
        {"name": "desk", "channels": [hook]},
        {"name": "analyst", "channels": [hook]},
        {"name": "morning", "mode": "digest", "digest": "hourly", "channels": [hook]},
    ]}, env={}))


def _run_together(fns):
    barrier = threading.Barrier(len(fns))
    errors = []

    def run(fn):
        barrier.wait()
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []


def test_three_notifiers_on_one_postgres_outbox_send_each_delivery_once(pg_dsn, receiver, clock, alert_factory):
    receiver.respond(503, times=8)  # some attempts fail: retries and recoveries race too
    subs = _subscribers(receiver.url)
    stages = [NotifyStage.with_delivery(subs, PostgresDeliveryStore(pg_dsn), clock=clock, rng=random.Random(i),
                                        outlet_names={})
              for i in range(3)]
    alerts = [alert_factory(f"s{i}", 1) for i in range(45)] + [alert_factory(f"s{i}", 2) for i in range(5)]
    try:
        # each alert reaches two notifiers (Kafka redelivers after a rebalance) while all three dispatch; the
        # clock stands still, so no lease runs out and any second send would be a bug
        def consume(k):
            def run():
                for i, a in enumerate(alerts):
                    if i % 3 in (k, (k - 1) % 3):
                        stages[k].process(a)
            return run

        dispatchers = [Dispatcher(s.delivery, interval=0.005).start() for s in stages]
        _run_together([consume(k) for k in range(3)])
        for d in dispatchers:
            d.stop()
        # then rounds: the clock moves (retries, the hourly digest come due) only while nothing is in flight
        for _ in range(10):
            if not stages[0].store.counts()[PENDING]:
                break
            clock.advance(3700)
            _run_together([s.delivery.dispatch_due for s in stages])
        store = stages[0].store
        assert store.counts() == {PENDING: 0, DELIVERED: 150, PARKED: 0}  # 50 desk, 50 analyst, 50 in the digest
        delivered = store.by_status(DELIVERED)
        expected = {d.id for d in delivered if d.batch is None}
        in_batches: dict[tuple, list[str]] = {}
        for d in delivered:
            if d.batch is not None:
                in_batches.setdefault((d.subscriber, d.channel, d.batch), []).append(d.id)
        batches = {batch_id(*key, ids) for key, ids in in_batches.items()}
        assert len(expected) == 100 and len(batches) == 1
        assert all(r.error is None for r in receiver.received)
        accepted = Counter(r.id for r in receiver.received[8:])  # the first 8 answers were 503
        assert set(accepted) == expected | batches and set(accepted.values()) == {1}
        [digest] = [r for r in receiver.verified if r.id in batches]
        assert len(digest.payload["alerts"]) == 50
    finally:
        for s in stages:
            s.close()


def test_from_settings_uses_the_configured_postgres_outbox(pg_dsn, tmp_path, receiver, alert_factory, monkeypatch):
    from bnwatch.app.stages import build_stage, close_workers, start_workers

    path = tmp_path / "subscribers.yaml"
    path.write_text(f"subscribers:\n  - name: desk\n    channels:\n      - type: webhook\n        url: {receiver.url}\n"
                    f"        secret: {SECRET}\n", encoding="utf-8")
    dsn = pg_dsn.replace("postgresql://bnwatch@", "postgresql://bnwatch:hunter2@")
    monkeypatch.setenv("BNWATCH_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("BNWATCH_SUBSCRIBERS", str(path))
    monkeypatch.setenv("BNWATCH_DELIVERY_STORE", dsn)
    settings = Settings.from_env()
    assert settings.delivery_store == dsn and "hunter2" not in repr(settings)
    workers = start_workers(settings, ("notify",))  # what `bnwatch consume notify` and `bnwatch run` build
    stage = build_stage("notify", settings, workers["notify"])
    try:
        assert isinstance(stage.store, PostgresDeliveryStore)
        stage.process(alert_factory())
        assert len(receiver.verified) == 1
    finally:
        stage.close()
        close_workers(workers)
    assert not (tmp_path / "var" / "notify" / "deliveries.sqlite3").exists()
    other = open_store(pg_dsn)  # the rows are in PostgreSQL, seen by any notifier
    assert other.counts() == {PENDING: 0, DELIVERED: 1, PARKED: 0}
    other.close()


def test_replay_parked_against_postgres(pg_dsn, tmp_path, capsys, monkeypatch):
    store = open_store(pg_dsn)
    new = [NewDelivery(s, sub, 1, "webhook", "webhook", "ru-nk", "{}") for s, sub in
           (("s1", "desk"), ("s2", "desk"), ("s1", "other"))]
    store.enqueue(new, now=0)
    for d in new:
        store.park_unclaimed(d.id, 1, "HTTP 400")
    dsn = pg_dsn.replace("postgresql://bnwatch@", "postgresql://bnwatch:hunter2@")
    monkeypatch.setenv("BNWATCH_DELIVERY_STORE", dsn)
    monkeypatch.setenv("BNWATCH_DATA_DIR", str(tmp_path / "empty"))  # no SQLite outbox there: not used
    assert main(["subscribers", "replay-parked", "--subscriber", "desk", "--story", "s2"]) == 0
    out = capsys.readouterr().out
    assert "requeued 1 parked delivery in postgresql://bnwatch:***@" in out and "hunter2" not in out
    monkeypatch.delenv("BNWATCH_DELIVERY_STORE")
    assert main(["subscribers", "replay-parked", "--store", dsn]) == 0
    captured = capsys.readouterr()
    assert "requeued 2 parked deliveries" in captured.out and "hunter2" not in captured.out + captured.err
    assert store.counts() == {PENDING: 3, DELIVERED: 0, PARKED: 0}
    store.close()
    # an unreachable server: a clear error, exit 2, no password
    assert main(["subscribers", "replay-parked", "--store",
                 "postgresql://bnwatch:hunter2@127.0.0.1:1/x?connect_timeout=2"]) == 2
    err = capsys.readouterr().err
    assert "cannot connect to the outbox at postgresql://bnwatch:***@127.0.0.1:1/x" in err and "hunter2" not in err


def test_a_dispatcher_on_another_host_sends_what_a_dead_notifier_left(pg_dsn, receiver, alert_factory, clock):
    """One notifier claims a delivery and dies before recording it; a notifier elsewhere sends it after the
    lease, with the same webhook-id."""
    subs = _subscribers(receiver.url)
    first = NotifyStage.with_delivery(subs, PostgresDeliveryStore(pg_dsn), clock=clock, outlet_names={})
    second = NotifyStage.with_delivery(subs, PostgresDeliveryStore(pg_dsn), clock=clock, outlet_names={})
    try:
        first.store.enqueue([NewDelivery("s1", "desk", 1, "webhook", "webhook", "ru-nk",
                                         alert_factory("s1").to_json().decode())], clock())
        [d] = first.store.pending()
        assert first.store.claim(d.id, clock(), lease=35)  # ... and the process dies here
        assert second.delivery.dispatch_due().attempted == 0
        clock.advance(36)
        assert second.delivery.dispatch_due().outcomes["delivered"] == 1
        assert receiver.ids() == [d.id]
        time.sleep(0.05)
    finally:
        first.close()
        second.close()
