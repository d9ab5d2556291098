"""Who gets which alert, read from a YAML file (default `deploy/subscribers.yaml`, `BNWATCH_SUBSCRIBERS`).

```yaml
subscribers:
  - name: desk                 # unique; part of every delivery's idempotency key, so do not rename lightly
    rules: [ru-nk]             # watch rules to follow (default [ru-nk]); "*" follows every rule
    min_score: 0.5             # alerts scoring below this are not sent (default 0)
    outlets: [prothomalo]      # optional: only stories carried by at least one of these outlets
    mode: instant              # instant | digest
    digest: hourly             # digest only: hourly | daily (default daily)
    digest_time: "08:00"       # daily digest: when it is sent, local time (default 08:00)
    timezone: Asia/Dhaka       # for quiet hours and digests (default Asia/Dhaka)
    quiet_hours: "22:00-07:00" # optional: held during these hours, sent (or folded into the digest) after
    enabled: true
    channels:
      - type: webhook          # Standard Webhooks-signed JSON
        id: main               # optional, default: the type ("webhook", then "webhook-2", ...)
        url: https://desk.example/hooks/bnwatch
        secret: ${DESK_WEBHOOK_SECRET}   # "whsec_<base64>"
      - type: slack            # Slack incoming webhook
        url: ${DESK_SLACK_URL}
        style: blocks          # blocks (Block Kit, default) | text (mrkdwn text only)
      - type: telegram         # Bot API sendMessage, parse_mode HTML
        token: ${DESK_TELEGRAM_TOKEN}
        chat_id: "-1001234567890"         # or "@channelname"
        base_url: https://api.telegram.org  # optional (tests point it at a local server)
      - type: email            # SMTP, multipart text + HTML
        to: [desk@example.org]
        from: bnwatch@example.org
        host: smtp.example.org
        port: 587              # default 587 with starttls, 465 with ssl, else 25
        tls: starttls          # none (default) | starttls | ssl
        username: bnwatch      # optional: AUTH only when given
        password: ${SMTP_PASSWORD}
        unsubscribe: mailto:bnwatch-admin@example.org?subject=unsubscribe  # List-Unsubscribe (default: mailto from)
      - type: atom             # a feed at /feeds/subscribers/desk.atom (pulled, never held)
        token: ${DESK_FEED_TOKEN}  # optional: then ?token=... is required
```

`${NAME}` in any string of a channel is replaced by the environment variable NAME (unset or empty is an error),
`${NAME:-default}` falls back to `default`; `$${` is a literal `${`. `Subscriptions` re-reads the file when its mtime, size or inode changes (one `stat` per
alert); a file that turns invalid is logged and ignored, the last good configuration stays in force.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bnwatch.records import Alert

log = logging.getLogger(__name__)

DEFAULT_RULES = ("ru-nk",)
MODES = ("instant", "digest")
DIGESTS = ("hourly", "daily")
DEFAULT_TZ = "Asia/Dhaka"
#: channel types this build can deliver to
CHANNEL_TYPES = ("webhook", "slack", "telegram", "email", "atom")
PLANNED_CHANNEL_TYPES: tuple[str, ...] = ()
#: channel types that are pulled by the reader (a feed): never held by quiet hours or digests
PULL_CHANNEL_TYPES = ("atom",)
SECRET_PREFIX = "whsec_"
_ENV_RE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_QUIET_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
_HHMM_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_SUBSCRIBER_KEYS = {"name", "rules", "min_score", "outlets", "channels", "mode", "quiet_hours", "enabled", "digest",
                    "digest_time", "timezone"}
_WEBHOOK_KEYS = {"type", "id", "url", "secret", "timeout", "headers"}
_CHANNEL_KEYS = {
    "webhook": _WEBHOOK_KEYS,
    "slack": {"type", "id", "url", "timeout", "style"},
    "telegram": {"type", "id", "token", "chat_id", "base_url", "timeout", "disable_preview"},
    "email": {"type", "id", "to", "from", "host", "port", "tls", "username", "password", "unsubscribe", "timeout",
              "ca_file", "reply_to"},
    "atom": {"type", "id", "token", "title", "max_entries"},
}
TELEGRAM_API = "https://api.telegram.org"
_EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


class SubscriptionError(ValueError):
    """A subscribers file that cannot be used; the message names the file, the subscriber and the field."""


@dataclass(frozen=True)
class ChannelConfig:
    """One destination of one subscriber. `id` is stable and part of the delivery key.

    `url`: webhook/Slack URL, Telegram API base URL, e-mail `smtp://host:port`, empty for atom. `secret`: webhook
    secret, Telegram bot token, SMTP password, atom feed token (never shown). `options`: the type's other settings
    (slack: style; telegram: chat_id, disable_preview; email: to, from, host, port, tls, username, unsubscribe,
    ca_file, reply_to; atom: title, max_entries)."""

    id: str
    type: str
    url: str
    secret: str = field(default="", repr=False)
    timeout: float = 10.0
    headers: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def pull(self) -> bool:
        return self.type in PULL_CHANNEL_TYPES

    def describe(self) -> str:
        """Where it goes, without secrets (the Slack URL and webhook paths are secrets too)."""
        o = self.options
        if self.type in ("webhook", "slack"):
            parts = urlsplit(self.url)
            return f"{parts.scheme}://{parts.netloc}/…"
        if self.type == "telegram":
            return f"chat {o.get('chat_id')} via {urlsplit(self.url).netloc}"
        if self.type == "email":
            return f"{', '.join(o.get('to', ()))} via {o.get('host')}:{o.get('port')} ({o.get('tls')})"
        if self.type == "atom":
            return "feed /feeds/subscribers/<name>.atom" + (" (token)" if self.secret else "")
        return self.type


@dataclass(frozen=True)
class Subscriber:
    name: str
    channels: tuple[ChannelConfig, ...]
    rules: tuple[str, ...] = DEFAULT_RULES
    min_score: float = 0.0
    outlets: frozenset[str] | None = None
    mode: str = "instant"
    quiet_hours: str | None = None
    enabled: bool = True
    digest: str = "daily"
    digest_time: str = "08:00"
    timezone: str = DEFAULT_TZ

    def release(self, now: float) -> tuple[float, str | None]:
        """(due time, digest batch key) for an alert arriving `now` (see schedule.release)."""
        from consumers.notify.schedule import release

        return release(now, mode=self.mode, quiet=self.quiet_hours, tz_name=self.timezone, digest=self.digest,
                       digest_time=self.digest_time)

    def hold_until(self, now: float) -> float | None:
        """End of the quiet hours `now` falls in, else None."""
        from consumers.notify.schedule import quiet_end, zone

        return quiet_end(now, self.quiet_hours, zone(self.timezone))

    def matches(self, alert: Alert) -> bool:
        if not self.enabled:
            return False
        if "*" not in self.rules and alert.rule not in self.rules:
            return False
        if float(alert.score) < self.min_score:
            return False
        if self.outlets is not None:
            carried = {a.get("outlet") for a in alert.articles if isinstance(a, Mapping)}
            if not carried & self.outlets:
                return False
        return True

    def channel(self, channel_id: str) -> ChannelConfig | None:
        for ch in self.channels:
            if ch.id == channel_id:
                return ch
        return None


# --------------------------------------------------------------------------------------------- parsing


def expand_env(value: str, env: Mapping[str, str], where: str) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$${":
            return "${"
        name, default = m.group(1), m.group(2)
        if env.get(name):
            return env[name]
        if default is not None:
            return default
        raise SubscriptionError(f"{where}: environment variable {name} is not set")

    return _ENV_RE.sub(sub, value)


def decode_secret(secret: str) -> bytes:
    """The key bytes of a Standard Webhooks secret "whsec_<base64>"."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"must start with {SECRET_PREFIX!r} (Standard Webhooks form)")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the part after 'whsec_' is not valid base64") from None
    if not 24 <= len(key) <= 64:
        raise ValueError(f"the key must be 24 to 64 bytes, got {len(key)}")
    return key


def new_secret() -> str:
    """A fresh secret for a subscriber: `python -c "from consumers.notify.subscriptions import new_secret as s; print(s())"`."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(32)).decode("ascii")


def warn_literal_secrets(data: Mapping[str, Any], channel: ChannelConfig, where: str) -> list[str]:
    """Warn (once per load, never showing the value) about each secret written literally in the file next to a
    destination that is not this machine: the file then is a credential. ${ENV} substitution keeps it out.
    Returns the keys warned about."""
    from bnwatch.redaction import is_secret_name

    host = (urlsplit(channel.url).hostname or "") if channel.url else ""
    if channel.type == "email":
        host = str(channel.options.get("host") or "")
    if not host or host == "localhost" or host.endswith(".localhost") or _is_loopback(host):
        return []

    def literal(value: Any) -> bool:
        return isinstance(value, (str, int)) and not isinstance(value, bool) and bool(str(value).strip()) \
            and not _ENV_RE.search(str(value))

    keys = [k for k in ("secret", "token", "password") if literal(data.get(k))]
    headers = data.get("headers") if isinstance(data.get("headers"), Mapping) else {}
    keys += [f"headers.{k}" for k, v in headers.items()
             if literal(v) and (is_secret_name(str(k)) or str(k).lower() in ("authorization", "cookie"))]
    if channel.type == "slack" and literal(data.get("url")):
        keys.append("url")  # a Slack incoming-webhook URL is itself the credential
    for key in keys:
        log.warning("%s.%s: a literal secret next to %s; put it in the environment and write ${NAME} here",
                    where, key, host)
    return keys


def _is_loopback(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise SubscriptionError(f"{where}: must be a non-empty list of strings")
    return tuple(v.strip() for v in value)


def _parse_channel(data: Any, where: str, env: Mapping[str, str], taken: dict[str, int]) -> ChannelConfig:
    if not isinstance(data, Mapping):
        raise SubscriptionError(f"{where}: must be a mapping with at least 'type'")
    ctype = data.get("type")
    if ctype in PLANNED_CHANNEL_TYPES:
        raise SubscriptionError(f"{where}.type: channel type {ctype!r} is not implemented yet")
    if ctype not in CHANNEL_TYPES:
        raise SubscriptionError(f"{where}.type: must be one of {', '.join(CHANNEL_TYPES)}, got {ctype!r}")
    unknown = set(data) - _CHANNEL_KEYS[ctype]
    if unknown:
        raise SubscriptionError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    taken[ctype] = taken.get(ctype, 0) + 1
    cid = data.get("id", ctype if taken[ctype] == 1 else f"{ctype}-{taken[ctype]}")
    if not isinstance(cid, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", cid):
        raise SubscriptionError(f"{where}.id: must be letters, digits, '_', '.', '-'")

    def text(key: str, required: bool = True, default: str = "") -> str:
        value = data.get(key)
        if value is None and not required:
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise SubscriptionError(f"{where}.{key}: required string")
        return expand_env(value.strip(), env, f"{where}.{key}")

    def http_url(key: str, value: str) -> str:
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises for a port out of range or not a number
        except ValueError as exc:
            raise SubscriptionError(f"{where}.{key}: not a URL ({exc}), got {value!r}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SubscriptionError(f"{where}.{key}: must be an http(s) URL with a host, got {value!r}")
        return value

    def flag(key: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise SubscriptionError(f"{where}.{key}: must be true or false")
        return value

    timeout = data.get("timeout", 10.0)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 120:
        raise SubscriptionError(f"{where}.timeout: seconds, more than 0 and at most 120")
    timeout = float(timeout)

    if ctype == "webhook":
        url = http_url("url", text("url"))
        secret = text("secret")
        try:
            decode_secret(secret)
        except ValueError as exc:
            raise SubscriptionError(f"{where}.secret: {exc}") from None
        headers = data.get("headers") or {}
        if not isinstance(headers, Mapping) or not all(isinstance(k, str) and isinstance(v, str)
                                                       for k, v in headers.items()):
            raise SubscriptionError(f"{where}.headers: must map header names to strings")
        headers = {k: expand_env(v, env, f"{where}.headers.{k}") for k, v in headers.items()}
        return ChannelConfig(id=cid, type=ctype, url=url, secret=secret, timeout=timeout, headers=headers)
    if ctype == "slack":
        url = http_url("url", text("url"))
        style = data.get("style", "blocks")
        if style not in ("blocks", "text"):
            raise SubscriptionError(f"{where}.style: must be blocks or text, got {style!r}")
        return ChannelConfig(id=cid, type=ctype, url=url, timeout=timeout, options={"style": style})
    if ctype == "telegram":
        token = text("token")
        if not re.fullmatch(r"[A-Za-z0-9:_-]+", token):
            raise SubscriptionError(f"{where}.token: does not look like a bot token (digits:letters)")
        chat_id = text("chat_id")
        if not re.fullmatch(r"-?\d+|@[A-Za-z0-9_]{4,}", chat_id):
            raise SubscriptionError(f"{where}.chat_id: a numeric chat id or @channelname, got {chat_id!r}")
        base = http_url("base_url", text("base_url", required=False, default=TELEGRAM_API)).rstrip("/")
        return ChannelConfig(id=cid, type=ctype, url=base, secret=token, timeout=timeout,
                             options={"chat_id": chat_id, "disable_preview": flag("disable_preview", True)})
    if ctype == "email":
        to = data.get("to")
        to_list = _str_list(to, f"{where}.to") if to is not None else ()
        if not to_list:
            raise SubscriptionError(f"{where}.to: required (an address or a list of addresses)")
        to_list = tuple(expand_env(a, env, f"{where}.to") for a in to_list)
        sender = text("from")
        for addr in (*to_list, sender):
            if not _EMAIL_RE.match(addr):
                raise SubscriptionError(f"{where}: {addr!r} is not an e-mail address")
        host = text("host")
        tls = data.get("tls", "none")
        if tls not in ("none", "starttls", "ssl"):
            raise SubscriptionError(f"{where}.tls: must be none, starttls or ssl, got {tls!r}")
        port = data.get("port", {"none": 25, "starttls": 587, "ssl": 465}[tls])
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise SubscriptionError(f"{where}.port: must be a port number")
        username = text("username", required=False)
        password = text("password", required=False)
        if password and not username:
            raise SubscriptionError(f"{where}.password: given without a username")
        unsubscribe = text("unsubscribe", required=False, default=f"mailto:{sender}?subject=unsubscribe")
        if not unsubscribe.startswith(("mailto:", "https:", "http:")):
            raise SubscriptionError(f"{where}.unsubscribe: must be a mailto: or http(s) URL")
        options = {"to": to_list, "from": sender, "host": host, "port": port, "tls": tls, "username": username,
                   "unsubscribe": unsubscribe, "ca_file": text("ca_file", required=False) or None,
                   "reply_to": text("reply_to", required=False) or None}
        return ChannelConfig(id=cid, type=ctype, url=f"smtp://{host}:{port}", secret=password, timeout=timeout,
                             options=options)
    # atom
    token = text("token", required=False)
    max_entries = data.get("max_entries", 50)
    if isinstance(max_entries, bool) or not isinstance(max_entries, int) or not 1 <= max_entries <= 1000:
        raise SubscriptionError(f"{where}.max_entries: a number from 1 to 1000")
    return ChannelConfig(id=cid, type=ctype, url="", secret=token, timeout=timeout,
                         options={"title": text("title", required=False) or None, "max_entries": max_entries})


def _parse_subscriber(data: Any, where: str, env: Mapping[str, str]) -> Subscriber:
    if not isinstance(data, Mapping):
        raise SubscriptionError(f"{where}: must be a mapping")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SubscriptionError(f"{where}.name: required string")
    name = name.strip()
    where = f"{where} ({name})"
    unknown = set(data) - _SUBSCRIBER_KEYS
    if unknown:
        raise SubscriptionError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    rules = _str_list(data["rules"], f"{where}.rules") if data.get("rules") is not None else DEFAULT_RULES
    min_score = data.get("min_score", 0.0)
    if isinstance(min_score, bool) or not isinstance(min_score, (int, float)) or not 0 <= min_score <= 1:
        raise SubscriptionError(f"{where}.min_score: must be a number from 0 to 1 (scores are), got {min_score!r}")
    outlets = data.get("outlets")
    outlet_set = frozenset(_str_list(outlets, f"{where}.outlets")) if outlets is not None else None
    mode = data.get("mode", "instant")
    if mode not in MODES:
        raise SubscriptionError(f"{where}.mode: must be one of {', '.join(MODES)}, got {mode!r}")
    digest = data.get("digest", "daily")
    if digest not in DIGESTS:
        raise SubscriptionError(f"{where}.digest: must be one of {', '.join(DIGESTS)}, got {digest!r}")
    digest_time = data.get("digest_time", "08:00")
    if not isinstance(digest_time, str) or not _HHMM_RE.match(digest_time.strip()):
        raise SubscriptionError(f"{where}.digest_time: must look like '08:00'")
    tz_name = data.get("timezone", DEFAULT_TZ)
    try:
        from consumers.notify.schedule import zone

        if not isinstance(tz_name, str):
            raise ValueError(f"unknown time zone {tz_name!r}")
        zone(tz_name)
    except ValueError as exc:
        raise SubscriptionError(f"{where}.timezone: {exc}") from None
    quiet = data.get("quiet_hours")
    if quiet is not None:
        if not isinstance(quiet, str) or not _QUIET_RE.match(quiet.strip()):
            raise SubscriptionError(f"{where}.quiet_hours: must look like '23:00-07:00'")
        quiet = quiet.strip()
        if quiet[:5] == quiet[6:]:
            raise SubscriptionError(f"{where}.quiet_hours: start and end are the same")
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise SubscriptionError(f"{where}.enabled: must be true or false")
    channels = data.get("channels")
    if not isinstance(channels, list) or not channels:
        raise SubscriptionError(f"{where}.channels: must be a non-empty list")
    taken: dict[str, int] = {}
    parsed = tuple(_parse_channel(c, f"{where}.channels[{i}]", env, taken) for i, c in enumerate(channels))
    for i, (raw, channel) in enumerate(zip(channels, parsed)):
        warn_literal_secrets(raw, channel, f"{where}.channels[{i}]")
    ids = [c.id for c in parsed]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise SubscriptionError(f"{where}.channels: duplicate channel id(s) {', '.join(sorted(dup))}")
    return Subscriber(
        name=name,
        channels=parsed,
        rules=rules,
        min_score=float(min_score),
        outlets=outlet_set,
        mode=mode,
        quiet_hours=quiet,
        enabled=enabled,
        digest=digest,
        digest_time=digest_time.strip(),
        timezone=tz_name,
    )


def parse_subscribers(data: Any, source: str = "<subscribers>", env: Mapping[str, str] | None = None) -> list[Subscriber]:
    """Validate the parsed YAML document; raises SubscriptionError naming `source` and the offending field."""
    env = os.environ if env is None else env
    if data is None:
        return []
    if not isinstance(data, Mapping) or set(data) - {"subscribers"}:
        raise SubscriptionError(f"{source}: the document must be a mapping with one key, 'subscribers'")
    items = data.get("subscribers") or []
    if not isinstance(items, list):
        raise SubscriptionError(f"{source}: 'subscribers' must be a list")
    subs = [_parse_subscriber(item, f"{source}: subscribers[{i}]", env) for i, item in enumerate(items)]
    seen: set[str] = set()
    for s in subs:
        if s.name in seen:
            raise SubscriptionError(f"{source}: duplicate subscriber name {s.name!r}")
        seen.add(s.name)
    return subs


def load_subscribers(path: str | Path, env: Mapping[str, str] | None = None) -> list[Subscriber]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SubscriptionError(f"{path}: cannot read: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise SubscriptionError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SubscriptionError(f"{path}: not valid YAML: {exc}") from exc
    return parse_subscribers(data, str(path), env)


def _unknown(kind: str, name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f"unknown {kind} {name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")


def check_references(subscribers: Iterable[Subscriber], rules: Iterable[str], outlets: Iterable[str],
                     source: str = "<subscribers>") -> None:
    """Every rule and outlet a subscriber names exists; SubscriptionError naming the first that does not (with the
    nearest known name). Without it, a typo such as `ru-nkk` is a subscriber who silently never gets an alert."""
    rules, outlets = set(rules), set(outlets)
    for i, sub in enumerate(subscribers):
        where = f"{source}: subscribers[{i}] ({sub.name})"
        for rule in sub.rules:
            if rule != "*" and rule not in rules:
                raise SubscriptionError(f"{where}.rules: {_unknown('rule', rule, rules)}")
        for outlet in sorted(sub.outlets or ()):
            if outlet not in outlets:
                raise SubscriptionError(f"{where}.outlets: {_unknown('outlet', outlet, outlets)}")


# --------------------------------------------------------------------------------------------- live set


class Subscriptions:
    """The current subscribers, reloaded from `path` when the file changes.

    A missing file means no subscribers (logged once) and is picked up when it appears. An invalid file at
    construction raises SubscriptionError; an invalid file later is logged and the previous set is kept.
    """

    def __init__(self, path: str | Path | None = None, *, env: Mapping[str, str] | None = None,
                 subscribers: Iterable[Subscriber] = (),
                 validate: Callable[[list[Subscriber], str], None] | None = None):
        """`validate(subscribers, source)` raises SubscriptionError for a file that parses but cannot work (a rule
        or outlet that does not exist: bnwatch/app/stages.py passes check_references): a reload keeps the previous
        set then, as for a file that does not parse."""
        self.path = Path(path) if path is not None else None
        self._env = env
        self._validate = validate
        self._lock = threading.Lock()
        self._subscribers: tuple[Subscriber, ...] = tuple(subscribers)
        self._stamp: tuple[int, int, int] | None = None
        self.reloads = 0
        self.reload_errors = 0
        if self.path is not None:
            stamp = self._stat()
            if stamp is None:
                log.warning("subscribers file %s does not exist: no subscribers", self.path)
            else:
                self._subscribers = tuple(load_subscribers(self.path, self._env))
            self._stamp = stamp

    @classmethod
    def from_list(cls, subscribers: Iterable[Subscriber]) -> "Subscriptions":
        """A fixed set, no file (tests, embedded demos)."""
        return cls(None, subscribers=subscribers)

    def _stat(self) -> tuple[int, int, int] | None:
        assert self.path is not None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def maybe_reload(self) -> bool:
        """Re-read the file if it changed since the last look. True when a new configuration took effect."""
        if self.path is None:
            return False
        stamp = self._stat()
        if stamp == self._stamp:
            return False
        with self._lock:
            if stamp == self._stamp:
                return False
            self._stamp = stamp
            if stamp is None:
                log.warning("subscribers file %s disappeared: keeping the %d subscriber(s) loaded",
                            self.path, len(self._subscribers))
                return False
            try:
                subs = load_subscribers(self.path, self._env)
                if self._validate is not None:
                    self._validate(subs, str(self.path))
            except Exception as exc:  # noqa: BLE001 - an edit must never fail an alert; SubscriptionError names it
                self.reload_errors += 1
                what = exc if isinstance(exc, SubscriptionError) else f"{type(exc).__name__}: {exc}"
                log.error("subscribers file changed but is invalid, keeping the previous configuration: %s", what)
                return False
            self._subscribers = tuple(subs)
            self.reloads += 1
            log.info("reloaded %d subscriber(s) from %s", len(subs), self.path)
            return True

    @property
    def subscribers(self) -> tuple[Subscriber, ...]:
        return self._subscribers

    def get(self, name: str) -> Subscriber | None:
        for s in self._subscribers:
            if s.name == name:
                return s
        return None

    def matching(self, alert: Alert) -> list[Subscriber]:
        self.maybe_reload()
        return [s for s in self._subscribers if s.matches(alert)]

    def channel_types(self) -> set[str]:
        return {c.type for s in self._subscribers for c in s.channels}
