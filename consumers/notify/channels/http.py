"""One HTTP POST for the chat channels (Slack, Telegram): no redirects followed, errors turned into answers."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from consumers.notify.channels import FAILED, RETRY, SendResult
from consumers.notify.channels.webhook import USER_AGENT, _NoRedirect, parse_retry_after

_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass
class Answer:
    status: int | None  # None: no HTTP answer (connection error, timeout)
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None

    def snippet(self, limit: int = 200) -> str:
        text = self.body[:limit].decode("utf-8", "replace").strip()
        return f": {text}" if text else ""

    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("Retry-After")) if self.headers else None


def post_json(url: str, data: Any, timeout: float, headers: Mapping[str, str] | None = None) -> Answer:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST", headers={
        **(headers or {}), "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Answer(response.status, response.read(65536), dict(response.headers.items()))
    except urllib.error.HTTPError as exc:
        try:
            raw = exc.read(65536)
        except (OSError, http.client.HTTPException):
            raw = b""
        finally:
            exc.close()
        return Answer(exc.code, raw, dict(exc.headers.items()) if exc.headers else {})
    except urllib.error.URLError as exc:
        return Answer(None, error=f"connection error: {exc.reason}")
    except (socket.timeout, TimeoutError):
        return Answer(None, error=f"timed out after {timeout:g}s")
    except (ConnectionError, http.client.HTTPException, OSError, ValueError) as exc:
        return Answer(None, error=f"{type(exc).__name__}: {exc}")


def classify(answer: Answer, parts_done: int, retry_after: float | None = None) -> SendResult:
    """The outcome of a non-success answer: no answer, 408/425/429 and 5xx retry; other codes fail."""
    if answer.status is None:
        return SendResult(RETRY, error=answer.error, parts_done=parts_done)
    error = f"HTTP {answer.status}{answer.snippet()}"
    if answer.status >= 500 or answer.status in (408, 425, 429):
        wait = retry_after if retry_after is not None else answer.retry_after()
        return SendResult(RETRY, answer.status, error, wait, parts_done=parts_done)
    return SendResult(FAILED, answer.status, error, parts_done=parts_done)
