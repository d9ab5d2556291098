"""Notify stage: subscribers (subscriptions.py), quiet hours and digests (schedule.py), channels (channels/: webhook,
slack, telegram, email, atom), the Bengali text (text.py), the delivery outbox (store.py: SQLite or PostgreSQL) and the stage that ties
them together (stage.py)."""

from consumers.notify.stage import Backoff, Dispatcher, NotifyStage, replay_parked
from consumers.notify.store import DeliveryStore, OutboxStore, PostgresDeliveryStore, open_store
from consumers.notify.subscriptions import Subscriptions

__all__ = ["Backoff", "DeliveryStore", "Dispatcher", "NotifyStage", "OutboxStore", "PostgresDeliveryStore", "Subscriptions",
           "open_store", "replay_parked"]
