"""One frozen configuration object, built from BNWATCH_* environment variables (and KAFKA_BOOTSTRAP_SERVERS),
passed to the components that need it. No component reads the environment on its own.

`Settings.from_env()` parses *and validates* every variable, so a typo is one line naming the variable and what
is wrong (`ConfigError`) before anything starts, instead of a traceback or a silent fallback later. What needs the
filesystem or the other layers (outlet files, subscribers, rules) is checked by `bnwatch.app.checks`.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from bnwatch.redaction import redact_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_USER_AGENT = "bnwatch/0.1 (+https://github.com/bnwatch/bnwatch; news monitor)"
DEFAULT_KAFKA_TIMEOUT = 30.0
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|CREDENTIAL", re.I)
_HOST = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)$")


class ConfigError(ValueError):
    """A configuration value or file that cannot work. The message is one line naming it and what is wrong."""


def _env(name: str, default: str | None = None, env: Mapping[str, str] | None = None) -> str | None:
    value = (os.environ if env is None else env).get(name)
    return value if value not in (None, "") else default


# -- parsers: each takes the raw text and returns the value, or raises ValueError saying what is wrong ---------------


def parse_port(text: str) -> int:
    try:
        port = int(text.strip())
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise ValueError("not a port number (1-65535, or 0 for any free port)")
    return port


def parse_seconds(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise ValueError("not a number of seconds greater than 0")
    return value


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host or not _HOST.match(host) or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError
    return host, int(port)


def parse_bootstrap(text: str) -> str:
    """`host:port[,host:port...]`, returned without blanks."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        if not parts:
            raise ValueError
        for p in parts:
            _host_port(p)
    except ValueError:
        raise ValueError("not host:port[,host:port...]") from None
    return ",".join(parts)


def parse_replay_hosts(text: str) -> dict[str, str]:
    """`dailyinqilab.com=127.0.0.1:8800,www.vietnam.vn=127.0.0.1:8800` or `*=127.0.0.1:8800`."""
    replay = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        host, eq, target = (s.strip() for s in part.partition("="))
        try:
            if not eq or not host or not (host == "*" or _HOST.match(host)):
                raise ValueError
            ip, _port = _host_port(target)
            if ip != "localhost":
                ipaddress.ip_address(ip.strip("[]"))
        except ValueError:
            raise ValueError(f"{part!r} is not host=ip:port (e.g. *=127.0.0.1:8800)") from None
        replay[host.lower()] = target
    if not replay:
        raise ValueError("no host=ip:port pairs (e.g. *=127.0.0.1:8800)")
    return replay


def parse_delivery_store(text: str) -> str:
    """A SQLite file path or a postgresql:// URL. Anything else with a scheme is an error (it would otherwise
    become a SQLite file named after the URL). The error never repeats the value: it may carry a password."""
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", text)
    if text.lower().startswith(POSTGRES_SCHEMES):
        if not urlsplit(text).hostname and "host=" not in text:
            raise ValueError("a postgresql:// URL needs a host (postgresql://user:password@host/db)")
        return text
    if scheme and "://" in text:
        raise ValueError(f"{scheme.group(1)}:// is not supported: give a SQLite file path or a postgresql:// URL")
    return text


def parse_addr(text: str) -> str:
    text = text.strip()
    if not _HOST.match(text):
        raise ValueError("not an address to listen on (e.g. 127.0.0.1 or 0.0.0.0)")
    return text


def _text(text: str) -> str:
    return text


def parse_count(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError("not a whole number of at least 1")
    return value


def parse_flag(text: str) -> bool:
    value = text.strip().lower()
    if value not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
        raise ValueError("not a yes/no value (1 or 0)")
    return value in ("1", "true", "yes", "on")


def redact_value(name: str, value: str) -> str:
    """A variable's value as `bnwatch config` prints it: secrets hidden, URLs without passwords."""
    if _SECRET_NAME.search(name):
        return "***" if value else value
    return redact_url(value) if "://" in value else value


@dataclass(frozen=True)
class Variable:
    """One environment variable: the Settings field it fills, how it is parsed, what applies when it is unset."""

    name: str
    field: str | None  # None: read elsewhere (crawler settings, subscribers file); shown and checked only
    parse: Callable[[str], Any]
    default: str
    meaning: str
    aliases: tuple[str, ...] = ()


VARIABLES: tuple[Variable, ...] = (
    Variable("BNWATCH_KAFKA_BOOTSTRAP", "kafka_bootstrap", parse_bootstrap, "unset (embedded mode)",
             "Kafka bootstrap servers", aliases=("KAFKA_BOOTSTRAP_SERVERS",)),
    Variable("BNWATCH_KAFKA_TIMEOUT", "kafka_timeout", parse_seconds, f"{DEFAULT_KAFKA_TIMEOUT:g}",
             "seconds to wait for the Kafka broker at start-up"),
    # Kafka client and topic settings (bnwatch.kafka_client.client_config checks how they combine)
    Variable("BNWATCH_KAFKA_SECURITY_PROTOCOL", "kafka_security_protocol", _text, "PLAINTEXT",
             "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"),
    Variable("BNWATCH_KAFKA_SASL_MECHANISM", "kafka_sasl_mechanism", _text, "unset (PLAIN with SASL)",
             "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"),
    Variable("BNWATCH_KAFKA_SASL_USERNAME", "kafka_sasl_username", _text, "unset", "SASL user"),
    Variable("BNWATCH_KAFKA_SASL_PASSWORD", "kafka_sasl_password", _text, "unset", "SASL password"),
    Variable("BNWATCH_KAFKA_SSL_CAFILE", "kafka_ssl_cafile", _text, "unset (system CAs)", "CA file for TLS"),
    Variable("BNWATCH_KAFKA_SSL_CERTFILE", "kafka_ssl_certfile", _text, "unset", "client certificate"),
    Variable("BNWATCH_KAFKA_SSL_KEYFILE", "kafka_ssl_keyfile", _text, "unset", "client key"),
    Variable("BNWATCH_KAFKA_SSL_PASSWORD", "kafka_ssl_password", _text, "unset", "client key password"),
    Variable("BNWATCH_KAFKA_PARTITIONS", "kafka_partitions", parse_count, "3", "partitions of new topics"),
    Variable("BNWATCH_KAFKA_REPLICATION_FACTOR", "kafka_replication_factor", parse_count, "1",
             "replication factor of new topics"),
    Variable("BNWATCH_KAFKA_MIN_INSYNC_REPLICAS", "kafka_min_insync_replicas", parse_count, "unset (broker's)",
             "min.insync.replicas of new topics"),
    Variable("BNWATCH_RAW_PAGES_MAX_BYTES", "raw_pages_max_bytes", parse_count, str(10 * 1024 * 1024),
             "largest raw-pages record (topic max.message.bytes, producer max_request_size)"),
    Variable("BNWATCH_KAFKA_ACCEPT_NEW_CLUSTER", "kafka_accept_new_cluster", parse_flag, "0",
             "accept a broker whose cluster id differs from the one remembered in the data dir"),
    Variable("BNWATCH_KAFKA_SESSION_TIMEOUT_MS", "kafka_session_timeout_ms", parse_count, "6000",
             "stage consumers' session timeout: a killed stage's partitions move on after this long"),
    Variable("BNWATCH_KAFKA_GROUP_INSTANCE_ID", "kafka_group_instance_id", _text, "unset (dynamic members)",
             "static group membership: a name unique to this process and stable across its restarts"),
    Variable("BNWATCH_TOPIC_PREFIX", "topic_prefix", _text, "bnwatch.", "prefix of every topic"),
    Variable("BNWATCH_DATA_DIR", "data_dir", Path, str(PROJECT_ROOT / "var"), "state: seen-store, stories, outbox"),
    Variable("BNWATCH_SUBSCRIBERS", "subscribers_file", Path, str(PROJECT_ROOT / "deploy" / "subscribers.yaml"),
             "who gets which alerts"),
    Variable("BNWATCH_RULES_FILE", "rules_file", Path, "unset (only the default rule ru-nk)", "user watch rules"),
    Variable("BNWATCH_OUTLETS_DIR", "outlets_dir", Path, str(PROJECT_ROOT / "crawler" / "outlets"),
             "the outlet registry"),
    Variable("BNWATCH_METRICS_PORT", "metrics_port", parse_port, "unset (no /metrics)", "/metrics port"),
    Variable("BNWATCH_METRICS_ADDR", "metrics_addr", parse_addr, "127.0.0.1", "/metrics address"),
    Variable("BNWATCH_REPLAY_HOSTS", "replay_hosts", parse_replay_hosts, "unset (real outlet hosts)",
             "outlet hosts sent to the outlet replay"),
    Variable("BNWATCH_USER_AGENT", "user_agent", _text, DEFAULT_USER_AGENT, "the crawler's User-Agent"),
    Variable("BNWATCH_CONTACT", None, _text, "unset", "contact appended to the User-Agent"),
    Variable("BNWATCH_CHROMIUM", None, _text, "/usr/bin/chromium", "browser for JavaScript outlets"),
    Variable("BNWATCH_DELIVERY_STORE", "delivery_store", parse_delivery_store,
             "unset (<BNWATCH_DATA_DIR>/notify/deliveries.sqlite3)", "the notifier's outbox"),
    Variable("BNWATCH_FEEDS_PORT", "feeds_port", parse_port, "unset (no feed server)", "Atom feeds port"),
    Variable("BNWATCH_FEEDS_ADDR", "feeds_addr", parse_addr, "127.0.0.1", "Atom feeds address"),
    Variable("BNWATCH_STATUS_INTERVAL", "status_interval", parse_seconds, "60",
             "seconds between a process's status lines"),
    Variable("BNWATCH_LOG_LEVEL", None, _text, "INFO", "DEBUG, INFO, WARNING or ERROR (--log-level)"),
    Variable("BNWATCH_LOG_FORMAT", None, _text, "text", "text or json (--log-format)"),
    Variable("BNWATCH_LOCAL_WEBHOOK_URL", None, _text, "loopback receiver",
             "deploy/subscribers.yaml's local-dev webhook"),
    Variable("BNWATCH_LOCAL_WEBHOOK_SECRET", None, _text, "a development secret", "its signing secret"),
)


def _lookup(var: Variable, env: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(raw value, the name it came from) or (None, None) when unset."""
    for name in (var.name, *var.aliases):
        value = _env(name, env=env)
        if value is not None:
            return value, name
    return None, None


def env_problems(env: Mapping[str, str] | None = None) -> tuple[dict[str, Any], list[str]]:
    """Every variable parsed: (field values that parsed, one line per variable that did not)."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    problems: list[str] = []
    for var in VARIABLES:
        raw, name = _lookup(var, env)
        if raw is None:
            continue
        try:
            value = var.parse(raw)
        except ValueError as exc:
            shown = "" if var.name == "BNWATCH_DELIVERY_STORE" else f"={redact_value(var.name, raw)!r}"
            problems.append(f"{name}{shown}: {exc}")
            continue
        if var.field:
            values[var.field] = value
    return values, problems


def describe_env(env: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(variable, value as it may be printed, where it came from) for every variable bnwatch reads, and for any
    other BNWATCH_* variable set (read by a component on its own, or a typo)."""
    env = os.environ if env is None else env
    rows = []
    known = set()
    for var in VARIABLES:
        known.update((var.name, *var.aliases))
        raw, name = _lookup(var, env)
        if raw is None:
            rows.append((var.name, var.default, "default"))
        else:
            rows.append((var.name, redact_value(var.name, raw), "env" if name == var.name else f"env {name}"))
    for name in sorted(n for n in env if n.startswith("BNWATCH_") and n not in known and env[n] != ""):
        rows.append((name, redact_value(name, env[name]), "env (not one of the variables above)"))
    return rows


@dataclass(frozen=True)
class Settings:
    kafka_bootstrap: str | None = None
    topic_prefix: str = "bnwatch."
    data_dir: Path = PROJECT_ROOT / "var"
    subscribers_file: Path = PROJECT_ROOT / "deploy" / "subscribers.yaml"
    rules_file: Path | None = None
    metrics_port: int | None = None
    metrics_addr: str = "127.0.0.1"
    replay_hosts: dict[str, str] = field(default_factory=dict)
    user_agent: str = DEFAULT_USER_AGENT
    # the notify stage's outbox: a SQLite path or a postgresql:// URL (notifiers on several hosts share it);
    # None: SQLite at <data_dir>/notify/deliveries.sqlite3. Not in repr: a URL may carry a password
    delivery_store: str | None = field(default=None, repr=False)
    # the Atom feed server of the notify stage (`consume notify`, `run`): off unless a port is given
    feeds_port: int | None = None
    feeds_addr: str = "127.0.0.1"
    # how long run/crawl/consume wait for the Kafka broker at start-up before giving up (exit 1)
    kafka_timeout: float = DEFAULT_KAFKA_TIMEOUT
    # the outlet registry (bnwatch.outlets reads BNWATCH_OUTLETS_DIR itself; here so it is checked at start-up)
    outlets_dir: Path = PROJECT_ROOT / "crawler" / "outlets"
    # Kafka client and topic settings for a real cluster (bnwatch.kafka_client.client_config); secrets not in repr
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = field(default=None, repr=False)
    kafka_ssl_cafile: str | None = None
    kafka_ssl_certfile: str | None = None
    kafka_ssl_keyfile: str | None = None
    kafka_ssl_password: str | None = field(default=None, repr=False)
    kafka_partitions: int = 3
    kafka_replication_factor: int = 1
    kafka_min_insync_replicas: int | None = None
    raw_pages_max_bytes: int = 10 * 1024 * 1024
    kafka_accept_new_cluster: bool = False
    # stage consumers (consumers.runners.kafka.group_membership)
    kafka_session_timeout_ms: int = 6000
    kafka_group_instance_id: str | None = None
    # seconds between a process's status lines (bnwatch.status)
    status_interval: float = 60.0

    @property
    def embedded(self) -> bool:
        return not self.kafka_bootstrap

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """The settings from the environment; ConfigError (one line) at the first variable that cannot work."""
        values, problems = env_problems(env)
        if problems:
            raise ConfigError(problems[0])
        return cls(**values)
