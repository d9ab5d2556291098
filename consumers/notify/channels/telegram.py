"""Telegram Bot API: `POST {base_url}/bot<token>/sendMessage` with `chat_id`, `text`, `parse_mode: HTML`.

The text is HTML with `<b>` and `<a href>` only; everything else is escaped (`&`, `<`, `>`; quotes in hrefs).
A message is at most 4096 characters after entity parsing (counted in UTF-16 units): longer alerts and digests
go out as several messages, split on paragraph boundaries (never inside a tag or a grapheme). `base_url` is
configurable so tests (and Bot API servers of one's own) work.

Answers: `{"ok": true}` delivered; 429 retry after `parameters.retry_after` (or Retry-After); 5xx and connection
errors retry; 400 (bad chat id, bad HTML), 401 (bad token), 403 (bot blocked or kicked) are permanent.
"""

from __future__ import annotations

from typing import Any

from consumers.notify.channels import DELIVERED, FAILED, Message, SendResult, rest_next_attempt
from consumers.notify.channels.http import classify, post_json
from bnwatch.redaction import redact_result
from consumers.notify.subscriptions import ChannelConfig
from consumers.notify.text import html_visible_len, split_rendered

MESSAGE_LIMIT = 4096


def texts(message: Message) -> list[str]:
    return split_rendered(message.document(), "html", MESSAGE_LIMIT, measure=html_visible_len)


def request_body(channel: ChannelConfig, text: str) -> dict[str, Any]:
    body: dict[str, Any] = {"chat_id": channel.options["chat_id"], "text": text, "parse_mode": "HTML"}
    if channel.options.get("disable_preview", True):
        body["link_preview_options"] = {"is_disabled": True}
    return body


def endpoint(channel: ChannelConfig) -> str:
    return f"{channel.url}/bot{channel.secret}/sendMessage"


class TelegramSender:
    type = "telegram"

    def send(self, message: Message, channel: ChannelConfig) -> SendResult:
        parts = texts(message)
        done = min(message.parts_done, len(parts))
        first = done
        for text in parts[done:]:
            if message.out_of_time(done - first):
                return rest_next_attempt(done)
            answer = post_json(endpoint(channel), request_body(channel, text), channel.timeout)
            data = answer.json()
            ok = isinstance(data, dict) and data.get("ok") is True
            if answer.status is not None and 200 <= answer.status < 300 and ok:
                done += 1
                continue
            if answer.status is not None and 200 <= answer.status < 300:
                return SendResult(FAILED, answer.status, f"Bot API answered without ok{answer.snippet()}",
                                  parts_done=done)
            retry_after = None
            if isinstance(data, dict) and isinstance(data.get("parameters"), dict):
                value = data["parameters"].get("retry_after")
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    retry_after = float(value)
            return redact_result(classify(answer, done, retry_after), channel)  # the token is in the URL
        return SendResult(DELIVERED, 200, parts_done=done)
