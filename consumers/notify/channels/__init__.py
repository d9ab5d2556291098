"""Channels: how one delivery reaches one destination. A sender is stateless per channel type and gets the
channel's configuration with each message, so a reloaded subscribers file takes effect on the next attempt.

Every sender answers with a `SendResult` and never raises for a delivery problem:
- `delivered`: the destination accepted it (webhook: 2xx);
- `retry`: try again later (429, 5xx, 408, connection errors, timeouts), `retry_after` when the destination said;
- `failed`: permanent (other 4xx, redirects, a bad configuration): retrying the same request cannot succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bnwatch.records import Alert
from consumers.notify.subscriptions import ChannelConfig

DELIVERED, RETRY, FAILED = "delivered", "retry", "failed"


@dataclass(frozen=True)
class Message:
    """What one delivery attempt sends. `id` is the idempotency key (webhook-id), the same on every attempt."""

    id: str
    alert: Alert
    text: str
    subscriber: str
    attempt: int = 1


@dataclass(frozen=True)
class SendResult:
    outcome: str
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None

    @property
    def delivered(self) -> bool:
        return self.outcome == DELIVERED


class Sender(Protocol):
    type: str

    def send(self, message: Message, channel: ChannelConfig) -> SendResult: ...


def default_senders() -> dict[str, Sender]:
    from consumers.notify.channels.webhook import WebhookSender

    return {"webhook": WebhookSender()}
