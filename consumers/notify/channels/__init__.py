"""Channels: how one delivery reaches one destination. A sender is stateless per channel type and gets the
channel's configuration with each message, so a reloaded subscribers file takes effect on the next attempt.

Every sender answers with a `SendResult` and never raises for a delivery problem:
- `delivered`: the destination accepted it (webhook: 2xx);
- `retry`: try again later (429, 5xx, 408, connection errors, timeouts), `retry_after` when the destination said;
- `failed`: permanent (other 4xx, redirects, a bad configuration): retrying the same request cannot succeed.

A message too long for one platform message (Telegram 4096 characters, Slack block and text limits) is sent as
several parts; `Message.parts_done` says how many were accepted by earlier attempts (the sender skips them) and
`SendResult.parts_done` how many are accepted after this one, so a retry never repeats a part.

Types: `webhook` (webhook.py), `slack` (slack.py), `telegram` (telegram.py), `email` (mail.py), `atom`
(atom.py: a pull feed; "sending" publishes the entry, the feed server reads it from the outbox).
"""

from __future__ import annotations

from dataclasses import dataclass
import time
from typing import Protocol

from bnwatch.records import Alert
from consumers.notify.subscriptions import ChannelConfig
from consumers.notify.text import Doc, alert_doc, digest_doc

DELIVERED, RETRY, FAILED = "delivered", "retry", "failed"


@dataclass(frozen=True)
class Message:
    """What one delivery attempt sends. `id` is the idempotency key (webhook-id), the same on every attempt."""

    id: str
    alert: Alert
    text: str
    subscriber: str
    attempt: int = 1
    #: a digest: every alert it carries (`alert` is the newest); empty for a single alert
    alerts: tuple[Alert, ...] = ()
    #: the structured text the platform renderers work from (default: built from `alert`/`alerts`)
    doc: Doc | None = None
    #: parts of a split message already accepted by earlier attempts
    parts_done: int = 0
    #: a digest's period, in words
    period: str | None = None
    #: the first message of this story to this subscriber's channel (None: its version says, v1 is): a v2 can be
    #: the first a subscriber gets, when v1 was under their min_score or from an outlet they do not follow
    first: bool | None = None

    @property
    def is_new(self) -> bool:
        return self.first if self.first is not None else self.alert.version <= 1
    #: time.monotonic() after which no further part of a split message is started in this attempt: the claim's
    #: lease must outlast the last part sent, or another notifier (sharing the outbox) sends it again
    start_parts_until: float | None = None

    def out_of_time(self, sent_in_this_attempt: int) -> bool:
        """True when the next part must wait for the next attempt (at least one part went out in this one)."""
        return (self.start_parts_until is not None and sent_in_this_attempt > 0
                and time.monotonic() > self.start_parts_until)

    @property
    def is_digest(self) -> bool:
        return bool(self.alerts)

    def document(self) -> Doc:
        if self.doc is not None:
            return self.doc
        if self.alerts:
            return digest_doc(self.alerts, period=self.period or "")
        return alert_doc(self.alert, first=self.first)


@dataclass(frozen=True)
class SendResult:
    outcome: str
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None
    #: parts of a split message accepted so far (None: the sender does not split)
    parts_done: int | None = None

    @property
    def delivered(self) -> bool:
        return self.outcome == DELIVERED


def rest_next_attempt(parts_done: int) -> SendResult:
    """A split message whose remaining parts go out in the next attempt, at once (the lease ran short)."""
    return SendResult(RETRY, error="this attempt's time is up: the remaining parts go out in the next one",
                      retry_after=0.0, parts_done=parts_done)


class Sender(Protocol):
    type: str

    def send(self, message: Message, channel: ChannelConfig) -> SendResult: ...


def default_senders() -> dict[str, Sender]:
    from consumers.notify.channels.atom import AtomSender
    from consumers.notify.channels.mail import EmailSender
    from consumers.notify.channels.slack import SlackSender
    from consumers.notify.channels.telegram import TelegramSender
    from consumers.notify.channels.webhook import WebhookSender

    return {"webhook": WebhookSender(), "slack": SlackSender(), "telegram": TelegramSender(), "email": EmailSender(),
            "atom": AtomSender()}
