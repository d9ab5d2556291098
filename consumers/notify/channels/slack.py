"""Slack incoming webhooks: POST `{"text": ..., "blocks": [...]}` to the channel's secret hooks URL.

Style `blocks` (default): one Block Kit `section` (mrkdwn) per paragraph, each at most 3000 characters, at most
50 blocks per message, and `text` as the notification fallback; style `text`: mrkdwn `text` only, at most 4000
characters per message. Longer alerts (digests) go out as several messages, split on paragraph boundaries.
Text is escaped the Slack way (`&`, `<`, `>`), links are `<url|title>`.

Answers: 200 (`ok`) delivered; 429 retry after `Retry-After`; 5xx and connection errors retry; other codes
(`invalid_payload`, `no_service`, `channel_is_archived`, ...) are permanent.
"""

from __future__ import annotations

from typing import Any

from consumers.notify.channels import DELIVERED, Message, SendResult, rest_next_attempt
from consumers.notify.channels.http import classify, post_json
from consumers.notify.subscriptions import ChannelConfig
from consumers.notify.text import bn_digits, split_rendered

SECTION_LIMIT = 3000  # Block Kit section text
BLOCKS_PER_MESSAGE = 50
TEXT_LIMIT = 4000  # Slack's advice for `text`; longer is truncated
FALLBACK_LIMIT = 150


def _fallback(message: Message, part: int, total: int) -> str:
    title = message.document().title
    if len(title) > FALLBACK_LIMIT:
        title = title[: FALLBACK_LIMIT - 1] + "…"
    return title if total == 1 else f"{title} ({bn_digits(part)}/{bn_digits(total)})"


def payloads(message: Message, style: str = "blocks") -> list[dict[str, Any]]:
    """The Slack messages for this alert or digest, in order."""
    doc = message.document()
    if style == "text":
        return [{"text": t} for t in split_rendered(doc, "mrkdwn", TEXT_LIMIT)]
    sections = split_rendered_sections(doc)
    chunks = [sections[i:i + BLOCKS_PER_MESSAGE] for i in range(0, len(sections), BLOCKS_PER_MESSAGE)]
    return [
        {"text": _fallback(message, n, len(chunks)),
         "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": t}} for t in chunk]}
        for n, chunk in enumerate(chunks, 1)
    ]


def split_rendered_sections(doc) -> list[str]:
    """One section per paragraph; a paragraph longer than a section is cut on lines, then graphemes."""
    from consumers.notify.text import Doc

    out: list[str] = []
    for para in doc.paragraphs:
        out.extend(split_rendered(Doc(doc.title, [para]), "mrkdwn", SECTION_LIMIT))
    return [t for t in out if t.strip()]


class SlackSender:
    type = "slack"

    def send(self, message: Message, channel: ChannelConfig) -> SendResult:
        parts = payloads(message, str(channel.options.get("style", "blocks")))
        done = min(message.parts_done, len(parts))
        first = done
        last = None
        for part in parts[done:]:
            if message.out_of_time(done - first):
                return rest_next_attempt(done)
            answer = post_json(channel.url, part, channel.timeout, channel.headers)
            if answer.status is None or not 200 <= answer.status < 300:
                return classify(answer, done)
            last = answer.status
            done += 1
        return SendResult(DELIVERED, last, parts_done=done)
