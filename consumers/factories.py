"""How each stage is built from the Settings: the factories bnwatch/topology.py names (resolved by
bnwatch/app/stages.py), so the same stage objects run under the Kafka and the embedded runners."""

from __future__ import annotations

from typing import Any


def clean(settings: Any):
    from consumers.clean.stage import CleanStage

    return CleanStage()


def tag(settings: Any):
    from consumers.tag.stage import TagStage

    return TagStage(rules=settings.rules_file)


def stories(settings: Any):
    from consumers.stories import StoryStage

    return StoryStage(settings.data_dir / "stories" / "stories.sqlite3")


def notify(settings: Any, worker: Any = None):
    """The stage that enqueues deliveries in the outbox; `worker` (the delivery worker, when it runs in this
    process) shares its outbox and sends the new deliveries at once."""
    from bnwatch.app.checks import subscriber_references
    from consumers.notify.stage import NotifyStage

    return NotifyStage.from_settings(settings, validate_subscribers=subscriber_references(settings),
                                     delivery=worker)


def delivery(settings: Any):
    """The delivery worker on the configured outbox, started: its dispatch thread, and the Atom feeds when
    BNWATCH_FEEDS_PORT is set."""
    from bnwatch.app.checks import subscriber_references
    from consumers.notify.worker import DeliveryWorker

    return DeliveryWorker.from_settings(settings, validate_subscribers=subscriber_references(settings))
