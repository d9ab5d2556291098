"""What a process has done, read from its own Prometheus metrics: the minute status line and the `--once` summary.

The counters the dashboards read are the one source of truth, so the log and Grafana never disagree. A
`Snapshot` is taken at start and subtracted, so numbers are this run's even when a test runs several in one
process.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, fields

from bnwatch import metrics

logger = logging.getLogger("bnwatch.status")

STATUS_INTERVAL = 60.0


def _total(metric, **match) -> float:
    """Sum of a metric's samples (counters: the `_total` samples) whose labels match `match`."""
    total = 0.0
    for family in metric.collect():
        for s in family.samples:
            if s.name.endswith(("_created", "_bucket", "_count", "_sum")):
                continue
            if all(s.labels.get(k) in (v if isinstance(v, tuple) else (v,)) for k, v in match.items()):
                total += s.value
    return total


@dataclass(frozen=True)
class Snapshot:
    discovery_ok: float = 0.0
    discovery_failed: float = 0.0
    fetched: float = 0.0
    fetch_errors: float = 0.0
    published: float = 0.0
    publish_failed: float = 0.0
    processed: float = 0.0
    failed: float = 0.0
    dead_letters: float = 0.0
    alerts: float = 0.0
    deliveries: float = 0.0
    lag: float = 0.0

    @classmethod
    def take(cls) -> "Snapshot":
        return cls(
            discovery_ok=_total(metrics.discovery_runs, outcome=("ok", "not_modified")),
            discovery_failed=_total(metrics.discovery_runs, outcome=("error", "invalid")),
            fetched=_total(metrics.pages_fetched),
            fetch_errors=_total(metrics.fetch_errors),
            published=_total(metrics.items_published),
            publish_failed=_total(metrics.publish_failures),
            processed=_total(metrics.records_processed, outcome="ok"),
            failed=_total(metrics.records_processed, outcome="failed"),
            dead_letters=_total(metrics.dead_letters),
            alerts=_total(metrics.alerts_raised),
            deliveries=_total(metrics.deliveries, outcome="delivered"),
            lag=_total(metrics.consumer_lag),
        )

    def __sub__(self, other: "Snapshot") -> "Snapshot":
        # lag is a level, not a count: keep the current value
        return Snapshot(**{f.name: getattr(self, f.name) - (0 if f.name == "lag" else getattr(other, f.name))
                           for f in fields(self)})

    @property
    def errors(self) -> int:
        return int(self.discovery_failed + self.fetch_errors + self.publish_failed + self.failed)

    def line(self) -> str:
        return (f"fetched={int(self.fetched)} published={int(self.published)} processed={int(self.processed)} "
                f"alerts={int(self.alerts)} delivered={int(self.deliveries)} errors={self.errors} "
                f"dead_letters={int(self.dead_letters)} discovery_ok={int(self.discovery_ok)} "
                f"discovery_failed={int(self.discovery_failed)} lag={int(self.lag)}")


def crawl_failure(run: Snapshot) -> str | None:
    """Why a one-shot crawl did not work, or None: an unattended scheduler must see a failed run as one."""
    if run.discovery_ok == 0 and run.discovery_failed > 0:
        return f"every discovery failed ({int(run.discovery_failed)} source fetches)"
    if run.discovery_ok == 0 and run.fetched == 0:
        return "nothing could be fetched"
    if run.published == 0 and run.publish_failed > 0:
        return f"nothing could be published ({int(run.publish_failed)} pages failed)"
    return None


class StatusReporter:
    """Logs one status line every `interval` seconds (counts since the process started) until stopped."""

    def __init__(self, name: str, interval: float = STATUS_INTERVAL):
        self.name, self.interval = name, interval
        self.start_snapshot = Snapshot.take()
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def since_start(self) -> Snapshot:
        return Snapshot.take() - self.start_snapshot

    def start(self) -> "StatusReporter":
        if self.interval > 0:
            self._thread = threading.Thread(target=self._loop, name="status", daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            logger.info("status %s: %s", self.name, self.since_start().line())

    def stop(self) -> Snapshot:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        return self.since_start()

    def summary(self, run: Snapshot) -> str:
        return f"{self.name} finished in {time.monotonic() - self.started:.1f} s: {run.line()}"
