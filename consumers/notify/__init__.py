"""Notify stage: subscribers (subscriptions.py), quiet hours and digests (schedule.py), channels (channels/: webhook,
slack, telegram, email, atom), the Bengali text (text.py), the delivery outbox (store.py: SQLite or PostgreSQL) and the stage that ties
them together: the stage that enqueues deliveries (stage.py) and the worker that sends them (worker.py)."""

from consumers.notify.stage import NotifyStage
from consumers.notify.worker import Backoff, DeliveryWorker, Dispatcher, replay_parked
from consumers.notify.store import DeliveryStore, OutboxStore, PostgresDeliveryStore, open_store
from consumers.notify.subscriptions import Subscriptions

__all__ = ["Backoff", "DeliveryStore", "DeliveryWorker", "Dispatcher", "NotifyStage", "OutboxStore", "PostgresDeliveryStore", "Subscriptions",
           "open_store", "replay_parked"]
