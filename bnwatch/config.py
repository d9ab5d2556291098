"""One frozen configuration object, built from BNWATCH_* environment variables (and KAFKA_BOOTSTRAP_SERVERS),
passed to the components that need it. No component reads the environment on its own."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


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
    user_agent: str = "bnwatch/0.1 (+https://github.com/bnwatch/bnwatch; news monitor)"
    # the notify stage's outbox: a SQLite path or a postgresql:// URL (notifiers on several hosts share it);
    # None: SQLite at <data_dir>/notify/deliveries.sqlite3. Not in repr: a URL may carry a password
    delivery_store: str | None = field(default=None, repr=False)
    # the Atom feed server of the notify stage (`consume notify`, `run`): off unless a port is given
    feeds_port: int | None = None
    feeds_addr: str = "127.0.0.1"

    @property
    def embedded(self) -> bool:
        return not self.kafka_bootstrap

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    @classmethod
    def from_env(cls) -> "Settings":
        replay = {}
        spec = _env("BNWATCH_REPLAY_HOSTS")
        if spec:
            # "dailyinqilab.com=127.0.0.1:8800,www.vietnam.vn=127.0.0.1:8800" or "*=127.0.0.1:8800"
            for part in spec.split(","):
                host, _, target = part.partition("=")
                if host and target:
                    replay[host.strip().lower()] = target.strip()
        port = _env("BNWATCH_METRICS_PORT")
        feeds_port = _env("BNWATCH_FEEDS_PORT")
        rules = _env("BNWATCH_RULES_FILE")
        return cls(
            kafka_bootstrap=_env("BNWATCH_KAFKA_BOOTSTRAP") or _env("KAFKA_BOOTSTRAP_SERVERS"),
            topic_prefix=_env("BNWATCH_TOPIC_PREFIX", "bnwatch.") or "bnwatch.",
            data_dir=Path(_env("BNWATCH_DATA_DIR", str(PROJECT_ROOT / "var")) or "var"),
            subscribers_file=Path(
                _env("BNWATCH_SUBSCRIBERS", str(PROJECT_ROOT / "deploy" / "subscribers.yaml")) or ""
            ),
            rules_file=Path(rules) if rules else None,
            metrics_port=int(port) if port else None,
            metrics_addr=_env("BNWATCH_METRICS_ADDR", "127.0.0.1") or "127.0.0.1",
            replay_hosts=replay,
            user_agent=_env("BNWATCH_USER_AGENT", cls.user_agent) or cls.user_agent,
            delivery_store=_env("BNWATCH_DELIVERY_STORE"),
            feeds_port=int(feeds_port) if feeds_port else None,
            feeds_addr=_env("BNWATCH_FEEDS_ADDR", "127.0.0.1") or "127.0.0.1",
        )
