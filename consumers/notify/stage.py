"""The notify stage: Alert -> durable deliveries in the outbox -> channels, each exactly once per subscriber.

Order of work for one alert (the runner commits the alert's Kafka offset after `process` returns):
1. match subscribers (the subscribers file is re-read if it changed);
2. enqueue one delivery per (story, subscriber, version, channel) in one committed SQLite transaction —
   idempotent, so a redelivered alert or a restarted notifier adds nothing;
3. attempt the new deliveries that are due now. A failed attempt is scheduled again in the outbox (exponential
   backoff with jitter, or the destination's Retry-After) and is never raised: the alert is safe in the outbox,
   so its offset may be committed. Only a failure to enqueue raises (the runner then dead-letters the alert).

`dispatch_due()` retries whatever has come due; the runner's idle loop or a `Dispatcher` thread calls it.
Deliveries of one story to one channel go out in version order (v2 waits until v1 is delivered or parked), and
one dispatch pass stops knocking on a destination after its first retryable failure.

Outcomes counted in `bnwatch_deliveries_total{channel, outcome}`, one per attempt:
`delivered` (accepted), `retry` (will try again), `failed` (rejected for good, e.g. HTTP 400: parked at once),
`parked` (gave up: max attempts or max age reached, or the subscriber/channel is no longer configured).
Parked deliveries stay in the outbox; `replay_parked()` sends them again.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from bnwatch import metrics
from bnwatch.records import Alert, Record, RecordError
from consumers.notify.channels import DELIVERED, FAILED, RETRY, Message, Sender, SendResult, default_senders
from consumers.notify.store import PARKED, Delivery, DeliveryStore, NewDelivery
from consumers.notify.subscriptions import Subscriptions
from consumers.notify.text import parse_time, render_text

log = logging.getLogger(__name__)

OUTCOMES = ("delivered", "retry", "failed", "parked")
LEASE_MARGIN = 30.0  # seconds beyond the channel timeout before another dispatcher may retake a claimed delivery


@dataclass(frozen=True)
class Backoff:
    """Delay before attempt n+1 after n failed attempts: min(cap, base * factor**(n-1)), of which the fraction
    `jitter` is random (so retries from many deliveries spread out). Defaults: 2 s, 4 s, 8 s ... 10 min."""

    base: float = 2.0
    factor: float = 2.0
    cap: float = 600.0
    jitter: float = 0.5

    def delay(self, failed_attempts: int, rng: random.Random | None = None) -> float:
        n = max(1, failed_attempts)
        full = min(self.cap, self.base * self.factor ** min(n - 1, 64))
        r = (rng or random).random()
        return full * (1.0 - self.jitter) + full * self.jitter * r


@dataclass
class DispatchResult:
    attempted: int = 0
    skipped: bool = False  # another pass was running
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))

    def add(self, outcome: str) -> None:
        self.attempted += 1
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def _load_outlet_names() -> dict[str, str]:
    try:
        from bnwatch.outlets import default_registry

        return {o.id: (o.name_bn or o.name) for o in default_registry()}
    except Exception as exc:  # the summary falls back to outlet ids
        log.warning("outlet names unavailable for alert texts: %s", exc)
        return {}


class NotifyStage:
    name = "notify"
    input_type = Alert

    def __init__(
        self,
        subscriptions: Subscriptions,
        store: DeliveryStore,
        channels: Mapping[str, Sender] | None = None,
        clock: Callable[[], float] = time.time,
        max_attempts: int = 25,
        backoff: Backoff = Backoff(),
        *,
        max_age: float = 24 * 3600.0,
        min_delay: float = 1.0,
        rng: random.Random | None = None,
        outlet_names: Mapping[str, str] | None = None,
        immediate_wait: float = 2.0,
    ):
        """`channels` maps a channel type to its sender (default: webhook). `clock` drives scheduling (backoff,
        leases, ages); senders keep their own wall clock for signatures. A delivery is parked when a retryable
        attempt fails and it has had `max_attempts` attempts or is older than `max_age` seconds."""
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.subscriptions = subscriptions
        self.store = store
        self.channels: dict[str, Sender] = dict(channels) if channels is not None else default_senders()
        self.clock = clock
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_age = max_age
        self.min_delay = min_delay
        self.rng = rng or random.Random()
        self.immediate_wait = immediate_wait
        self._outlet_names = dict(outlet_names) if outlet_names is not None else None
        self._dispatch_lock = threading.Lock()
        self._dispatcher: Dispatcher | None = None
        for ctype in self.channels:  # series start at 0 (prometheus guidance)
            for outcome in OUTCOMES:
                metrics.deliveries.labels(ctype, outcome)
            metrics.delivery_duration.labels(ctype)

    @classmethod
    def from_settings(cls, settings: Any, *, dispatch_interval: float | None = 1.0, **kwargs: Any) -> "NotifyStage":
        """Subscribers from `settings.subscribers_file`, outbox at `<data_dir>/notify/deliveries.sqlite3`, and
        (unless `dispatch_interval` is None) a background Dispatcher retrying due deliveries, stopped by close()."""
        store = DeliveryStore(settings.data_dir / "notify" / "deliveries.sqlite3")
        stage = cls(Subscriptions(settings.subscribers_file), store, **kwargs)
        if dispatch_interval is not None:
            stage.start_dispatcher(dispatch_interval)
        return stage

    def start_dispatcher(self, interval: float = 1.0) -> "Dispatcher":
        """Retry due deliveries from a daemon thread until close()."""
        if self._dispatcher is None:
            self._dispatcher = Dispatcher(self, interval).start()
        return self._dispatcher

    @property
    def outlet_names(self) -> dict[str, str]:
        if self._outlet_names is None:
            self._outlet_names = _load_outlet_names()
        return self._outlet_names

    # ------------------------------------------------------------------ Stage protocol

    def process(self, record: Record) -> list[Record]:
        if not isinstance(record, Alert):
            raise TypeError(f"notify expects an Alert, got {type(record).__name__}")
        subscribers = self.subscriptions.matching(record)
        if not subscribers:
            return []
        payload = record.to_json().decode("utf-8")
        new = [
            NewDelivery(record.story_id, s.name, record.version, ch.id, ch.type, record.rule, payload)
            for s in subscribers
            for ch in s.channels
        ]
        self.store.enqueue(new, self.clock())  # raises only if the outbox cannot take it: then not committed
        try:
            # bounded wait: if a Dispatcher thread is in a long pass, it (not the consumer loop) will send these
            self.dispatch_due(groups={(d.subscriber, d.channel, d.story_id) for d in new}, wait=self.immediate_wait)
        except Exception:  # the deliveries are durable; the dispatcher will get to them
            log.exception("notify: immediate dispatch of story %s failed; left to the dispatcher", record.story_id)
        return []

    def close(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.stop()
            self._dispatcher = None
        with self._dispatch_lock:  # let a running pass finish its bookkeeping
            self.store.close()

    # ------------------------------------------------------------------ dispatch

    def dispatch_due(self, *, limit: int | None = None, groups: Collection[tuple[str, str, str]] | None = None,
                     wait: float | None = None) -> DispatchResult:
        """Attempt every pending delivery whose time has come (at most `limit` attempts), oldest story first,
        versions of a story in order. `groups` restricts it to (subscriber, channel, story_id) groups. One pass
        at a time per stage; `wait` bounds how long to wait for another pass to finish (then nothing is done)."""
        result = DispatchResult()
        if not self._dispatch_lock.acquire(timeout=-1 if wait is None else wait):
            result.skipped = True
            return result
        try:
            self._dispatch(result, limit, groups)
        finally:
            self._dispatch_lock.release()
        return result

    def _dispatch(self, result: DispatchResult, limit: int | None,
                  groups: Collection[tuple[str, str, str]] | None) -> None:
        self.subscriptions.maybe_reload()
        chains: dict[tuple[str, str, str], list[Delivery]] = {}
        for d in self.store.pending():
            if groups is None or d.group in groups:
                chains.setdefault(d.group, []).append(d)
        struggling: set[tuple[str, str]] = set()  # destinations that failed retryably in this pass
        for group, chain in chains.items():
            if (group[0], group[1]) in struggling:
                continue
            for d in sorted(chain, key=lambda d: (d.version, d.seq)):
                if limit is not None and result.attempted >= limit:
                    return
                if d.next_attempt_at > self.clock():
                    break
                outcome = self._attempt(d)
                if outcome is None:  # someone else holds it
                    break
                result.add(outcome)
                if outcome == RETRY:
                    struggling.add((group[0], group[1]))
                    break

    def _park(self, d: Delivery, error: str) -> str | None:
        if self.store.park_unclaimed(d.id, self.clock(), error):
            metrics.deliveries.labels(d.channel_type, "parked").inc()
            log.warning("notify: parked %s (%s/%s story %s v%d): %s", d.id, d.subscriber, d.channel, d.story_id,
                        d.version, error)
            return "parked"
        return None

    def _attempt(self, d: Delivery) -> str | None:
        subscriber = self.subscriptions.get(d.subscriber)
        channel = subscriber.channel(d.channel) if subscriber else None
        if channel is None or channel.type != d.channel_type:
            return self._park(d, f"subscriber {d.subscriber!r} channel {d.channel!r} is no longer configured")
        sender = self.channels.get(channel.type)
        if sender is None:
            return self._park(d, f"no sender for channel type {channel.type!r}")
        claimed = self.store.claim(d.id, self.clock(), lease=channel.timeout + LEASE_MARGIN)
        if claimed is None:
            return None
        started = time.perf_counter()
        alert: Alert | None = None
        try:
            alert = Alert.from_json(claimed.alert)
            message = Message(claimed.id, alert, render_text(alert, self.outlet_names), d.subscriber, claimed.attempts)
            res = sender.send(message, channel)
        except RecordError as exc:
            res = SendResult(FAILED, error=f"stored alert unreadable: {exc}")
        except Exception as exc:  # a sender bug must not lose the delivery
            log.exception("notify: sender %s raised for %s", channel.type, d.id)
            res = SendResult(RETRY, error=f"internal error: {type(exc).__name__}: {exc}")
        duration = time.perf_counter() - started
        now = self.clock()
        ctype = channel.type
        if res.outcome == DELIVERED:
            self.store.mark_delivered(d.id, now, status=res.status, duration=duration)
            metrics.deliveries.labels(ctype, "delivered").inc()
            metrics.delivery_duration.labels(ctype).observe(duration)
            discovered = parse_time(alert.discovered_at) if alert else None
            if discovered is not None:
                latency = now - discovered.timestamp()
                if latency >= 0:
                    metrics.end_to_end_latency.observe(latency)
            log.info("notify: delivered %s to %s/%s (story %s v%d, attempt %d)", d.id, d.subscriber, d.channel,
                     d.story_id, d.version, claimed.attempts)
            return DELIVERED
        if res.outcome == FAILED:
            self.store.mark_parked(d.id, now, outcome="failed", status=res.status, error=res.error, duration=duration)
            metrics.deliveries.labels(ctype, "failed").inc()
            log.warning("notify: %s to %s/%s rejected, parked: %s", d.id, d.subscriber, d.channel, res.error)
            return FAILED
        age = now - claimed.created_at
        if claimed.attempts >= self.max_attempts or age >= self.max_age:
            error = f"gave up after {claimed.attempts} attempt(s) over {age:.0f}s: {res.error}"
            self.store.mark_parked(d.id, now, status=res.status, error=error, duration=duration)
            metrics.deliveries.labels(ctype, "parked").inc()
            log.warning("notify: %s to %s/%s parked: %s", d.id, d.subscriber, d.channel, error)
            return PARKED
        if res.retry_after is not None:
            delay = max(res.retry_after, self.min_delay)
        else:
            delay = max(self.backoff.delay(claimed.attempts, self.rng), self.min_delay)
        self.store.mark_retry(d.id, now, now + delay, status=res.status, error=res.error, duration=duration)
        metrics.deliveries.labels(ctype, "retry").inc()
        log.info("notify: %s to %s/%s failed (attempt %d), retry in %.1fs: %s", d.id, d.subscriber, d.channel,
                 claimed.attempts, delay, res.error)
        return RETRY


def replay_parked(store: DeliveryStore, *, subscriber: str | None = None, story_id: str | None = None,
                  ids: Collection[str] | None = None, clock: Callable[[], float] = time.time) -> int:
    """Put parked deliveries back in the queue (attempts reset, due now), e.g. after a subscriber fixed their
    endpoint; the next dispatch sends them with their original webhook-id. Returns how many were requeued."""
    n = store.replay_parked(clock(), subscriber=subscriber, story_id=story_id, ids=ids)
    if n:
        log.info("notify: %d parked deliveries requeued", n)
    return n


class Dispatcher:
    """A daemon thread that calls `stage.dispatch_due()` every `interval` seconds (sooner after `wake()`)."""

    def __init__(self, stage: NotifyStage, interval: float = 1.0):
        self.stage = stage
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.passes = 0

    def start(self) -> "Dispatcher":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="notify-dispatcher", daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float | None = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> "Dispatcher":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.stage.dispatch_due()
            except Exception:
                log.exception("notify dispatcher pass failed")
            self.passes += 1
            self._wake.wait(self.interval)
            self._wake.clear()
