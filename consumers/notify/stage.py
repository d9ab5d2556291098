"""The notify stage: Alert -> durable deliveries in the outbox, one per (story, subscriber, version, channel).

It only enqueues; sending is the DeliveryWorker's (worker.py), which runs beside it or in a process of its own
(`bnwatch deliver`). For one alert (the runner commits the alert's Kafka offset after `process` returns):
1. match subscribers (the subscribers file is re-read if it changed);
2. enqueue one delivery per (story, subscriber, version, channel) in one committed outbox transaction (SQLite, or
   PostgreSQL when `BNWATCH_DELIVERY_STORE` is a URL) — idempotent, so a redelivered alert or a restarted
   notifier adds nothing. Only a failure to enqueue raises (the runner then dead-letters the alert);
3. when a worker runs in this process (`delivery`), hand it the deliveries that are due now, so they go out at
   once instead of at the worker's next pass.

Quiet hours and digests (schedule.py): a delivery for a subscriber in quiet hours is enqueued due when they end;
one for a digest subscriber carries its period as `batch` and is due at the period's end. Feed (atom) channels
are never held. All of it lives in the outbox, driven by `clock`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bnwatch.records import Alert, Record
from consumers.notify.store import NewDelivery, OutboxStore, open_store, store_target
from consumers.notify.subscriptions import Subscriptions

if TYPE_CHECKING:
    from consumers.notify.worker import DeliveryWorker

log = logging.getLogger(__name__)


class NotifyStage:
    name = "notify"
    input_type = Alert

    def __init__(self, subscriptions: Subscriptions, store: OutboxStore, clock: Callable[[], float] = time.time, *,
                 delivery: "DeliveryWorker | None" = None, owns_store: bool = True, owns_delivery: bool = False):
        """`delivery`: a worker on the same outbox in this process, told about each new due delivery.
        `owns_store` / `owns_delivery`: close() closes the outbox / the worker too."""
        self.subscriptions = subscriptions
        self.store = store
        self.clock = clock
        self.delivery = delivery
        self.owns_store = owns_store
        self.owns_delivery = owns_delivery

    @classmethod
    def with_delivery(cls, subscriptions: Subscriptions, store: OutboxStore, clock: Callable[[], float] = time.time,
                      **worker_options: Any) -> "NotifyStage":
        """The stage and a delivery worker of its own on `store`, in one process (the worker's thread is not
        started: call `stage.delivery.start()`, or drive `stage.delivery.dispatch_due()`); close() closes both."""
        from consumers.notify.worker import DeliveryWorker

        worker = DeliveryWorker(subscriptions, store, clock=clock, owns_store=True, **worker_options)
        return cls(subscriptions, store, clock, delivery=worker, owns_store=False, owns_delivery=True)

    @classmethod
    def from_settings(cls, settings: Any, *, validate_subscribers: Any = None,
                      delivery: "DeliveryWorker | None" = None) -> "NotifyStage":
        """Subscribers from `settings.subscribers_file`, the outbox `settings.delivery_store` (a path or a
        postgresql:// URL; by default SQLite at `<data_dir>/notify/deliveries.sqlite3`). With a `delivery` worker,
        its subscribers and outbox are shared (and stay the worker's to close)."""
        if delivery is not None:
            return cls(delivery.subscriptions, delivery.store, delivery.clock, delivery=delivery, owns_store=False)
        store = open_store(store_target(settings))
        try:
            stage = cls(Subscriptions(settings.subscribers_file, validate=validate_subscribers), store)
        except BaseException:
            store.close()
            raise
        log.info("notify: outbox %s (%s)", store.target, store.backend)
        return stage

    # ------------------------------------------------------------------ Stage protocol

    def process(self, record: Record) -> list[Record]:
        if not isinstance(record, Alert):
            raise TypeError(f"notify expects an Alert, got {type(record).__name__}")
        subscribers = self.subscriptions.matching(record)
        if not subscribers:
            return []
        payload = record.to_json().decode("utf-8")
        now = self.clock()
        new = []
        for s in subscribers:
            due, batch = s.release(now)
            for ch in s.channels:
                due_at, key = (None, None) if ch.pull else (due if due > now else None, batch)
                new.append(NewDelivery(record.story_id, s.name, record.version, ch.id, ch.type, record.rule, payload,
                                       batch=key, due_at=due_at))
        self.store.enqueue(new, now)  # raises only if the outbox cannot take it: then not committed
        immediate = {(d.subscriber, d.channel, d.story_id) for d in new if d.due_at is None and d.batch is None}
        if immediate and self.delivery is not None:
            self.delivery.deliver_new(immediate)
        return []

    def close(self) -> None:
        if self.owns_delivery and self.delivery is not None:
            self.delivery.close()
        if self.owns_store:
            self.store.close()
