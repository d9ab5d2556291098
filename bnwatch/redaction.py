"""The one interpreter of "what is secret" in anything bnwatch prints, logs or stores (the notifier's errors and
outbox, `bnwatch subscribers test`, `bnwatch config`).

Endpoints echo requests in their errors (a 500 page that shows the request line, the headers and the body), so
an error text can carry a channel's secrets: a webhook URL's secret path, an Authorization token, a Slack hooks
path, a Telegram bot token. Every text that leaves a sender (SendResult.error: logs, the outbox's stored error,
`bnwatch subscribers test`) and every URL shown goes through `redact_text` / `redact_url` / `redact_result`.

Secret by shape, in any text: URL userinfo; values of token/key/secret/sig/password/auth query parameters (and
the same names as JSON or `name: value` fields); Slack hooks paths (hooks.slack.com/services/...); Telegram bot
tokens (/bot<token>/); Authorization/Bearer/Basic values. Secret by configuration: the channel's secret, the
secret-looking header values, and the path and query of webhook/Slack URLs, literally wherever they appear
(also cut off at the end of a truncated snippet).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

MASK = "***"
#: parameter/field/header names whose values are secret
SECRET_NAME = r"[A-Za-z0-9_.-]*(?:token|key|secret|sig|signature|password|passwd|pwd|auth|credential|session)" \
              r"[A-Za-z0-9_.-]*"
_SECRET_NAME_RE = re.compile(rf"^{SECRET_NAME}$", re.I)
#: a configured secret shorter than this is not searched for literally (it would mangle ordinary words)
MIN_LITERAL = 6

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # scheme://user:password@host -> scheme://***@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@\"'<>]+@"), rf"\1{MASK}@"),
    # Slack incoming-webhook paths, with or without the host
    (re.compile(r"(?i)(hooks\.slack\.com/services|/services)/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+"), rf"\1/{MASK}"),
    (re.compile(r"(?i)(hooks\.slack\.com/(?:services|workflows|triggers))/[^\s\"'<>]+"), rf"\1/{MASK}"),
    # Telegram bot tokens: /bot123456:ABC.../
    (re.compile(r"(?i)\bbot\d+:[A-Za-z0-9_-]+"), f"bot{MASK}"),
    # Authorization: <scheme> <credentials>, and bare Bearer/Basic credentials
    (re.compile(r"(?i)((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)(?:(bearer|basic|token|digest)\s+)?"
                r"[^\s\"',;}]+"), lambda m: f"{m.group(1)}{m.group(2) + ' ' if m.group(2) else ''}{MASK}"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{4,}"), rf"\1 {MASK}"),
    # name=value (query strings, forms) and "name": "value" / name: value (JSON, headers) for secret names
    (re.compile(rf"(?i)([?&;\s\"'{{,]|^)({SECRET_NAME})=([^&\s\"'<>#]*)"), rf"\1\2={MASK}"),
    (re.compile(rf"(?i)([\"']{SECRET_NAME}[\"']\s*:\s*[\"'])[^\"']*"), rf"\1{MASK}"),
    (re.compile(rf"(?im)^(\s*{SECRET_NAME}\s*:\s*)\S.*$"), rf"\1{MASK}"),
]


def is_secret_name(name: str) -> bool:
    """True for a parameter, field or header name whose value is secret (token, api_key, X-Signature, ...)."""
    return bool(_SECRET_NAME_RE.match(name or ""))


def redact_text(text: str | None, secrets: Iterable[str] = ()) -> str | None:
    """`text` with every secret masked: the given `secrets` literally (also URL-quoted, and a prefix of one cut off
    at the end of the text), then everything secret by shape."""
    if not text:
        return text
    literal = sorted({v for s in secrets if s and len(s) >= MIN_LITERAL for v in (s, quote(s, safe=""))},
                     key=len, reverse=True)
    for secret in literal:
        text = text.replace(secret, MASK)
    for secret in literal:  # a snippet cut inside a secret
        for n in range(len(secret) - 1, MIN_LITERAL - 1, -1):
            if text.endswith(secret[:n]):
                text = text[:-n] + MASK
                break
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


def redact_url(url: str | None) -> str | None:
    """A URL as it may be shown: no userinfo password, no secret query values, no Slack or Telegram secret path."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        netloc = f"{userinfo.split(':', 1)[0]}:{MASK}@{host}" if ":" in userinfo else f"{MASK}@{host}"
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(is_secret_name(k) for k, _ in pairs):
        query = urlencode([(k, MASK if is_secret_name(k) else v) for k, v in pairs], safe="*")
    path = redact_text(parts.path) or ""
    return urlunsplit((parts.scheme, netloc, path, query, parts.fragment))


def channel_secrets(channel: Any) -> list[str]:
    """What a channel's configuration holds that is secret: its secret (webhook secret, bot token, SMTP password,
    feed token, also without the whsec_ prefix), secret-looking header values (and the credentials after
    "Bearer "), URL userinfo, secret query values, and the path and query of webhook/Slack URLs."""
    out: list[str] = []
    secret = getattr(channel, "secret", "") or ""
    if secret:
        out += [secret, secret.removeprefix("whsec_")]
    for name, value in (getattr(channel, "headers", None) or {}).items():
        if value and (is_secret_name(name) or name.lower() in ("cookie", "authorization", "proxy-authorization")):
            out += [value, value.split(None, 1)[-1]]
    url = getattr(channel, "url", "") or ""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is not None and parts.netloc:
        if parts.password:
            out.append(parts.password)
        if parts.username and "@" in parts.netloc:
            out.append(parts.netloc.rpartition("@")[0])
        out += [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if v and is_secret_name(k)]
        if getattr(channel, "type", "") in ("webhook", "slack") and parts.path.strip("/"):
            out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
            out.append(parts.path)
            if parts.query:
                out.append(parts.query)
    return [s for s in out if s]


def redact_result(result: Any, channel: Any):
    """A SendResult whose error text carries none of the channel's secrets (nor anything secret by shape), on one
    line (an echoed request has several: logs and the CLI table keep one line per event)."""
    error = getattr(result, "error", None)
    if not error:
        return result
    return replace(result, error=one_line(redact_text(error, channel_secrets(channel))))


def one_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text else text
