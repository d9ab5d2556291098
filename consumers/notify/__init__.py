"""Notify stage: subscribers (subscriptions.py), channels (channels/), the delivery outbox (store.py) and the
stage that ties them together (stage.py)."""

from consumers.notify.stage import Backoff, Dispatcher, NotifyStage, replay_parked
from consumers.notify.store import DeliveryStore
from consumers.notify.subscriptions import Subscriptions

__all__ = ["Backoff", "DeliveryStore", "Dispatcher", "NotifyStage", "Subscriptions", "replay_parked"]
