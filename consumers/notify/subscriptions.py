"""Who gets which alert, read from a YAML file (default `deploy/subscribers.yaml`, `BNWATCH_SUBSCRIBERS`).

```yaml
subscribers:
  - name: desk                 # unique; part of every delivery's idempotency key, so do not rename lightly
    rules: [ru-nk]             # watch rules to follow (default [ru-nk]); "*" follows every rule
    min_score: 0.5             # alerts scoring below this are not sent (default 0)
    outlets: [prothomalo]      # optional: only stories carried by at least one of these outlets
    mode: instant              # reserved: instant | digest (digest is not implemented yet: sent instantly)
    quiet_hours: "23:00-07:00" # reserved: validated, not applied yet
    enabled: true
    channels:
      - type: webhook
        id: main               # optional, default: the type ("webhook", then "webhook-2", ...)
        url: https://desk.example/hooks/bnwatch
        secret: ${DESK_WEBHOOK_SECRET}   # Standard Webhooks secret, "whsec_<base64>"
```

`${NAME}` in any string of a channel is replaced by the environment variable NAME (unset or empty is an error),
`${NAME:-default}` falls back to `default`; `$${` is a literal `${`. `Subscriptions` re-reads the file when its mtime, size or inode changes (one `stat` per
alert); a file that turns invalid is logged and ignored, the last good configuration stays in force.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bnwatch.records import Alert

log = logging.getLogger(__name__)

DEFAULT_RULES = ("ru-nk",)
MODES = ("instant", "digest")
#: channel types this build can deliver to; the others are recognised so the error says "not implemented yet"
CHANNEL_TYPES = ("webhook",)
PLANNED_CHANNEL_TYPES = ("email", "slack", "telegram", "atom")
SECRET_PREFIX = "whsec_"
_ENV_RE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_QUIET_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
_SUBSCRIBER_KEYS = {"name", "rules", "min_score", "outlets", "channels", "mode", "quiet_hours", "enabled"}
_WEBHOOK_KEYS = {"type", "id", "url", "secret", "timeout", "headers"}


class SubscriptionError(ValueError):
    """A subscribers file that cannot be used; the message names the file, the subscriber and the field."""


@dataclass(frozen=True)
class ChannelConfig:
    """One destination of one subscriber. `id` is stable and part of the delivery key."""

    id: str
    type: str
    url: str
    secret: str = field(default="", repr=False)
    timeout: float = 10.0
    headers: Mapping[str, str] = field(default_factory=dict)


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
        raise SubscriptionError(f"{where}.type: channel type {ctype!r} is not implemented yet (use webhook)")
    if ctype not in CHANNEL_TYPES:
        raise SubscriptionError(f"{where}.type: must be one of {', '.join(CHANNEL_TYPES)}, got {ctype!r}")
    unknown = set(data) - _WEBHOOK_KEYS
    if unknown:
        raise SubscriptionError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    taken[ctype] = taken.get(ctype, 0) + 1
    cid = data.get("id", ctype if taken[ctype] == 1 else f"{ctype}-{taken[ctype]}")
    if not isinstance(cid, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", cid):
        raise SubscriptionError(f"{where}.id: must be letters, digits, '_', '.', '-'")

    def text(key: str, required: bool = True) -> str:
        value = data.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise SubscriptionError(f"{where}.{key}: required string")
        return expand_env(value.strip(), env, f"{where}.{key}")

    url = text("url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SubscriptionError(f"{where}.url: must be an http(s) URL with a host, got {url!r}")
    secret = text("secret")
    try:
        decode_secret(secret)
    except ValueError as exc:
        raise SubscriptionError(f"{where}.secret: {exc}") from None
    timeout = data.get("timeout", 10.0)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 120:
        raise SubscriptionError(f"{where}.timeout: seconds, more than 0 and at most 120")
    headers = data.get("headers") or {}
    if not isinstance(headers, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise SubscriptionError(f"{where}.headers: must map header names to strings")
    headers = {k: expand_env(v, env, f"{where}.headers.{k}") for k, v in headers.items()}
    return ChannelConfig(id=cid, type=ctype, url=url, secret=secret, timeout=float(timeout), headers=headers)


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
    if isinstance(min_score, bool) or not isinstance(min_score, (int, float)) or min_score < 0:
        raise SubscriptionError(f"{where}.min_score: must be a number >= 0")
    outlets = data.get("outlets")
    outlet_set = frozenset(_str_list(outlets, f"{where}.outlets")) if outlets is not None else None
    mode = data.get("mode", "instant")
    if mode not in MODES:
        raise SubscriptionError(f"{where}.mode: must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "digest":
        log.warning("%s: mode 'digest' is not implemented yet; alerts are sent instantly", where)
    quiet = data.get("quiet_hours")
    if quiet is not None:
        if not isinstance(quiet, str) or not _QUIET_RE.match(quiet.strip()):
            raise SubscriptionError(f"{where}.quiet_hours: must look like '23:00-07:00'")
        quiet = quiet.strip()
        log.warning("%s: quiet_hours are not applied yet", where)
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise SubscriptionError(f"{where}.enabled: must be true or false")
    channels = data.get("channels")
    if not isinstance(channels, list) or not channels:
        raise SubscriptionError(f"{where}.channels: must be a non-empty list")
    taken: dict[str, int] = {}
    parsed = tuple(_parse_channel(c, f"{where}.channels[{i}]", env, taken) for i, c in enumerate(channels))
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
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SubscriptionError(f"{path}: not valid YAML: {exc}") from exc
    return parse_subscribers(data, str(path), env)


# --------------------------------------------------------------------------------------------- live set


class Subscriptions:
    """The current subscribers, reloaded from `path` when the file changes.

    A missing file means no subscribers (logged once) and is picked up when it appears. An invalid file at
    construction raises SubscriptionError; an invalid file later is logged and the previous set is kept.
    """

    def __init__(self, path: str | Path | None = None, *, env: Mapping[str, str] | None = None,
                 subscribers: Iterable[Subscriber] = ()):
        self.path = Path(path) if path is not None else None
        self._env = env
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
            except SubscriptionError as exc:
                self.reload_errors += 1
                log.error("subscribers file changed but is invalid, keeping the previous configuration: %s", exc)
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
