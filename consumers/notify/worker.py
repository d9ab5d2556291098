"""The delivery worker: sends what the notify stage put in the outbox, each delivery exactly once per subscriber,
and serves the Atom feeds from it. It runs beside the stage (`bnwatch run`, `bnwatch consume notify`) or alone
(`bnwatch deliver`), so deliveries scale and restart apart from consumption; several workers on one outbox (hosts
sharing a PostgreSQL outbox) are safe: the outbox's leases let exactly one of them attempt a delivery or a batch.

`dispatch_due()` attempts whatever has come due; the worker's own thread calls it every `interval` seconds and at
once when woken. `deliver_new(groups)` is how a stage in the same process hands over what it just enqueued, so a
new alert goes out without waiting for the next pass. Deliveries of one story to one channel go out in version
order (v2 waits until v1 is delivered or parked), and one pass stops knocking on a destination after its first
retryable failure. A failed attempt is scheduled again in the outbox (exponential backoff with jitter, or the
destination's Retry-After); nothing here raises to the stage.

Quiet hours and digests (schedule.py): a delivery that comes due while quiet hours have begun (a retry, a changed
configuration) is deferred to their end without an attempt; a digest batch is claimed and sent as one message
(id `batch_id(subscriber, channel, batch, its deliveries)`) at its period's end. Feed (atom) channels are never held.

Recovery after an outage: when an attempt to a destination (subscriber, channel) gets through, the outbox makes
its other deliveries that wait on a retry backoff after the endpoint was away (no answer, or 502/503/504) due
now, and they go out in the same pass (or, after `deliver_new`, the worker's thread is woken): the endpoint is
back, so they should not each wait out a backoff of up to 10 minutes. Quiet hours still hold them, and a wait
the destination asked for (Retry-After) is kept.

Outcomes counted in `bnwatch_deliveries_total{channel, outcome}`, one per attempt:
`delivered` (accepted), `retry` (will try again), `failed` (rejected for good, e.g. HTTP 400: parked at once),
`parked` (gave up: max attempts or max age reached, or the subscriber/channel is no longer configured).
Parked deliveries stay in the outbox; `replay_parked()` sends them again.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time
import traceback
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from bnwatch import metrics
from bnwatch.records import Alert, RecordError
from consumers.notify.channels import DELIVERED, FAILED, RETRY, Message, Sender, SendResult, default_senders
from bnwatch.redaction import channel_secrets, redact_result, redact_text
from consumers.notify.store import INTERNAL_ERROR, PARKED, Delivery, OutboxStore, batch_id, open_store, store_target
from consumers.notify.subscriptions import ChannelConfig, Subscriber, Subscriptions
from consumers.notify.text import Doc, alert_doc, bn_digits, digest_doc, parse_time, render

log = logging.getLogger(__name__)
#: delivered and parked deliveries are kept this long (seconds), then deleted: longer than the stories stage's 30 days
#: in which it can emit an alert again, so a redelivered alert still finds its delivery and is not sent twice
KEEP = 90 * 24 * 3600.0

OUTCOMES = ("delivered", "retry", "failed", "parked")
LEASE_MARGIN = 30.0  # seconds beyond the channel timeout before another dispatcher may retake a claimed delivery
PART_MARGIN = 5.0  # a split message starts no part later than this before its lease would end with that part


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
    held: int = 0  # deliveries deferred to the end of quiet hours (no attempt)

    def add(self, outcome: str, n: int = 1) -> None:
        self.attempted += n
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + n


def _load_outlet_names() -> dict[str, str]:
    try:
        from bnwatch.outlets import default_registry

        return {o.id: (o.name_bn or o.name) for o in default_registry()}
    except Exception as exc:  # the summary falls back to outlet ids
        log.warning("outlet names unavailable for alert texts: %s", exc)
        return {}


class DeliveryWorker:
    """Attempts due deliveries from the outbox (its own thread after `start()`) and serves the Atom feeds
    (`serve_feeds()`); `close()` stops both, and closes the outbox when the worker opened it."""

    def __init__(
        self,
        subscriptions: Subscriptions,
        store: OutboxStore,
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
        owns_store: bool = False,
        keep: float = KEEP,
    ):
        """`channels` maps a channel type to its sender (default: every built-in). `clock` drives scheduling
        (backoff, leases, ages); senders keep their own wall clock for signatures. A delivery is parked when a
        retryable attempt fails and it has had `max_attempts` attempts or is older than `max_age` seconds.
        Delivered and parked deliveries are deleted `keep` seconds after their last activity (checked hourly)."""
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
        self.owns_store = owns_store
        self.keep = keep
        self._pruned_at: float | None = None
        self._outlet_names = dict(outlet_names) if outlet_names is not None else None
        self._dispatch_lock = threading.Lock()
        self._dispatcher: Dispatcher | None = None
        self._released: set[tuple[str, str]] = set()  # destinations that answered again in the running pass
        self.feeds: Any = None  # a FeedServer, when serve_feeds() was called
        for ctype in self.channels:  # series start at 0 (prometheus guidance)
            for outcome in OUTCOMES:
                metrics.deliveries.labels(ctype, outcome)
            metrics.delivery_duration.labels(ctype)

    @classmethod
    def from_settings(cls, settings: Any, *, dispatch_interval: float | None = 1.0, feed_port: int | None = None,
                      feed_host: str | None = None, validate_subscribers: Any = None,
                      **kwargs: Any) -> "DeliveryWorker":
        """Subscribers from `settings.subscribers_file`; the outbox `settings.delivery_store` (a path or a
        postgresql:// URL), by default SQLite at `<data_dir>/notify/deliveries.sqlite3`, closed by close(); the
        dispatch thread started unless `dispatch_interval` is None. The Atom feeds are served too (`worker.feeds`,
        until close()) on `feed_port`, else `settings.feeds_port` (0 picks one; unset: no feeds), at `feed_host`,
        else `settings.feeds_addr`."""
        store = open_store(store_target(settings))
        worker = None
        try:
            worker = cls(Subscriptions(settings.subscribers_file, validate=validate_subscribers), store,
                         owns_store=True, **kwargs)
            if dispatch_interval is not None:
                worker.start(dispatch_interval)
            port = feed_port if feed_port is not None else getattr(settings, "feeds_port", None)
            if port is not None:
                worker.serve_feeds(port, feed_host or getattr(settings, "feeds_addr", None) or "127.0.0.1")
                log.info("deliver: Atom feeds on %s/feeds/", worker.feeds.base_url)
        except BaseException:
            if worker is not None:
                worker.close()  # its thread, and the store it owns
            else:
                store.close()
            raise
        log.info("deliver: outbox %s (%s)", store.target, store.backend)
        return worker

    def serve_feeds(self, port: int = 0, host: str = "127.0.0.1") -> Any:
        """Serve the Atom feeds from this worker's outbox until close(); returns the FeedServer."""
        from consumers.notify.channels.atom import FeedServer

        if self.feeds is None:
            self.feeds = FeedServer(self.store, self.subscriptions, host=host, port=port,
                                    outlet_names=self.outlet_names).start()
        return self.feeds

    def start(self, interval: float = 1.0) -> "DeliveryWorker":
        """Attempt due deliveries from a daemon thread every `interval` seconds (sooner when woken) until close()."""
        if self._dispatcher is None:
            self._dispatcher = Dispatcher(self, interval).start()
        return self

    def wake(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.wake()

    @property
    def passes(self) -> int:
        """Dispatch passes the worker's thread has made."""
        return self._dispatcher.passes if self._dispatcher is not None else 0

    @property
    def outlet_names(self) -> dict[str, str]:
        if self._outlet_names is None:
            self._outlet_names = _load_outlet_names()
        return self._outlet_names

    def deliver_new(self, groups: Collection[tuple[str, str, str]]) -> None:
        """Attempt the (subscriber, channel, story_id) groups a stage just enqueued, now. Bounded wait: if the
        thread is in a long pass, it (not the caller, a consumer loop) will send these. Never raises: the
        deliveries are durable."""
        try:
            self.dispatch_due(groups=groups, wait=self.immediate_wait)
        except Exception:
            log.exception("deliver: immediate dispatch of %d new delivery group(s) failed; left to the next pass",
                          len(groups))

    def close(self) -> None:
        if self.feeds is not None:
            self.feeds.stop()
            self.feeds = None
        if self._dispatcher is not None:
            self._dispatcher.stop()
            self._dispatcher = None
        if self.owns_store:
            with self._dispatch_lock:  # let a running pass finish its bookkeeping
                self.store.close()

    # ------------------------------------------------------------------ dispatch


    def dispatch_due(self, *, limit: int | None = None, groups: Collection[tuple[str, str, str]] | None = None,
                     wait: float | None = None) -> DispatchResult:
        """Attempt every pending delivery whose time has come (at most `limit` attempts), oldest story first,
        versions of a story in order. `groups` restricts it to (subscriber, channel, story_id) groups. One pass
        at a time per worker; `wait` bounds how long to wait for another pass to finish (then nothing is done)."""
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
        self._prune()
        self._released = set()
        self._sweep(result, limit, groups)
        released, self._released = self._released, set()
        if not released:
            return
        if groups is None:  # read again: what waited on those destinations' backoffs is due now
            self._sweep(result, limit, None, destinations=released)
        else:  # an immediate send (deliver_new): the worker's thread sends the rest
            self.wake()

    def _prune(self) -> None:
        """At most hourly: forget what was delivered or parked `keep` ago (the stories stage re-emits an alert for
        at most its own 30 days, so a redelivery is still recognised)."""
        now = self.clock()
        if self._pruned_at is not None and now - self._pruned_at < 3600:
            return
        self._pruned_at = now
        gone = self.store.prune(now - self.keep)
        if gone:
            log.info("notify: %d delivered or parked deliveries older than %d days deleted from the outbox", gone,
                     self.keep // 86400)

    def _sweep(self, result: DispatchResult, limit: int | None, groups: Collection[tuple[str, str, str]] | None,
               destinations: Collection[tuple[str, str]] | None = None) -> None:
        chains: dict[tuple[str, str, str], list[Delivery]] = {}
        for d in self.store.pending():
            if groups is not None and d.group not in groups:
                continue
            if destinations is not None and (d.subscriber, d.channel) not in destinations:
                continue
            chains.setdefault(d.group, []).append(d)
        struggling: set[tuple[str, str]] = set()  # destinations that failed retryably in this pass
        for group, chain in chains.items():
            if (group[0], group[1]) in struggling:
                continue
            if chain[0].batch is not None:  # a digest: the whole batch is one message
                if limit is not None and result.attempted >= limit:
                    return
                if min(d.next_attempt_at for d in chain) > self.clock():
                    continue
                outcome, n = self._attempt_rows(chain, batch=chain[0].batch)
                if outcome == "held":
                    result.held += n
                elif outcome is not None:
                    result.add(outcome, n)
                if outcome == RETRY:
                    struggling.add((group[0], group[1]))
                continue
            for d in sorted(chain, key=lambda d: (d.version, d.seq)):
                if limit is not None and result.attempted >= limit:
                    return
                if d.next_attempt_at > self.clock():
                    break
                outcome, n = self._attempt_rows([d])
                if outcome is None:  # someone else holds it
                    break
                if outcome == "held":
                    result.held += n
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
        """One attempt of one (non-digest) delivery; the outcome, "held", or None if another dispatcher has it."""
        return self._attempt_rows([d])[0]

    def period_label(self, subscriber: Subscriber | None, batch: str) -> str:
        kind, _, when = batch.partition("@")
        name = {"hourly": "ঘণ্টার সারসংক্ষেপ", "daily": "দৈনিক সারসংক্ষেপ"}.get(kind, kind)
        dt = parse_time(when)
        if dt is None:
            return name
        return f"{name}, {bn_digits(dt.strftime('%Y-%m-%d %H:%M'))} ({dt.tzname() or dt.strftime('%z')}) পর্যন্ত"

    def _message(self, claimed: list[Delivery], subscriber: Subscriber | None, batch: str | None
                 ) -> tuple[Message | None, list[str]]:
        """The message for claimed rows, and the ids of rows whose stored alert is unreadable."""
        alerts: list[Alert] = []
        bad: list[str] = []
        for c in claimed:
            try:
                alerts.append(Alert.from_json(c.alert))
            except RecordError:
                bad.append(c.id)
        if not alerts:
            return None, bad
        attempt = max(c.attempts for c in claimed)
        parts_done = min(c.parts_done for c in claimed)
        if batch is None:
            c = claimed[0]
            first = alerts[0].version <= 1 or not self.store.earlier_version(c.story_id, c.subscriber, c.channel,
                                                                              c.version)
            doc: Doc = alert_doc(alerts[0], self.outlet_names, first=first)
            return Message(c.id, alerts[0], render(doc), c.subscriber, attempt, doc=doc, parts_done=parts_done,
                           first=first), bad
        period = self.period_label(subscriber, batch)
        doc = digest_doc(alerts, self.outlet_names, period)
        newest = max(alerts, key=lambda a: (a.updated_at or "", a.version))
        mid = batch_id(claimed[0].subscriber, claimed[0].channel, batch, [c.id for c in claimed])
        return Message(mid, newest, render(doc), claimed[0].subscriber, attempt, alerts=tuple(alerts), doc=doc,
                       parts_done=parts_done, period=period), bad

    def _attempt_rows(self, rows: list[Delivery], batch: str | None = None) -> tuple[str | None, int]:
        d = rows[0]
        subscriber = self.subscriptions.get(d.subscriber)
        channel: ChannelConfig | None = subscriber.channel(d.channel) if subscriber else None
        if channel is None or channel.type != d.channel_type:
            parked = [self._park(r, f"subscriber {d.subscriber!r} channel {d.channel!r} is no longer configured")
                      for r in rows]
            n = sum(1 for p in parked if p)
            return ("parked" if n else None), n
        sender = self.channels.get(channel.type)
        if sender is None:
            parked = [self._park(r, f"no sender for channel type {channel.type!r}") for r in rows]
            n = sum(1 for p in parked if p)
            return ("parked" if n else None), n
        now = self.clock()
        hold = None if channel.pull or subscriber is None else subscriber.hold_until(now)
        if hold is not None:
            moved = self.store.defer([r.id for r in rows], hold, now)
            log.info("notify: %d delivery(ies) to %s/%s held until quiet hours end", moved, d.subscriber, d.channel)
            return ("held" if moved else None), moved
        lease = channel.timeout + LEASE_MARGIN
        if batch is None:
            one = self.store.claim(d.id, now, lease=lease)
            claimed = [one] if one is not None else []
        else:
            claimed = self.store.claim_batch(d.subscriber, d.channel, batch, now, lease)
        if not claimed:
            return None, 0
        started = time.perf_counter()
        try:
            message, bad = self._message(claimed, subscriber, batch)
            if message is not None:  # the last part must end before the lease does (PART_MARGIN to spare)
                message = dataclasses.replace(
                    message, start_parts_until=time.monotonic() + lease - channel.timeout - PART_MARGIN)
        except Exception as exc:  # a rendering bug must not lose the delivery
            log.exception("notify: building the message for %s failed", d.id)
            message, bad = None, []
            res = SendResult(RETRY, error=f"{INTERNAL_ERROR}: {type(exc).__name__}: {exc}")
        if bad:  # unreadable stored alerts: reject those rows, send the rest
            self.store.mark_parked(bad, now, outcome="failed", error="stored alert unreadable")
            metrics.deliveries.labels(channel.type, "failed").inc(len(bad))
            claimed = [c for c in claimed if c.id not in bad]
            if not claimed:
                return FAILED, len(bad)
            res = SendResult(FAILED, error="stored alert unreadable")
        if message is not None:
            try:
                res = sender.send(message, channel)
            except Exception as exc:  # a sender bug must not lose the delivery
                # the traceback's messages may quote the URL or a header: logged redacted like any error text
                log.error("notify: sender %s raised for %s: %s", channel.type, d.id,
                          redact_text("".join(traceback.format_exception(exc)), channel_secrets(channel)))
                res = SendResult(RETRY, error=f"{INTERNAL_ERROR}: {type(exc).__name__}: {exc}")
        return self._record(claimed, channel, res, time.perf_counter() - started, message, batch), len(claimed)

    def _record(self, claimed: list[Delivery], channel: ChannelConfig, res: SendResult, duration: float,
                message: Message | None, batch: str | None) -> str:
        now = self.clock()
        res = redact_result(res, channel)  # endpoints echo requests: no secret reaches the log or the outbox
        ctype = channel.type
        ids = [c.id for c in claimed]
        n = len(ids)
        first = claimed[0]
        what = (f"digest {batch} ({n} deliveries)" if batch is not None
                else f"{first.id} (story {first.story_id} v{first.version})")
        attempts = max(c.attempts for c in claimed)
        if res.outcome == DELIVERED:
            released = self.store.mark_delivered(ids, now, status=res.status, duration=duration)
            if released:
                self._released.add((first.subscriber, first.channel))
                log.info("notify: %s/%s answers again: %d delivery(ies) waiting on a retry are due now",
                         first.subscriber, first.channel, released)
            metrics.deliveries.labels(ctype, "delivered").inc(n)
            metrics.delivery_duration.labels(ctype).observe(duration)
            if batch is None and message is not None:
                discovered = parse_time(message.alert.discovered_at)
                if discovered is not None:
                    latency = now - discovered.timestamp()
                    if latency >= 0:
                        metrics.end_to_end_latency.observe(latency)
            log.info("notify: delivered %s to %s/%s (attempt %d)", what, first.subscriber, first.channel, attempts)
            return DELIVERED
        if res.outcome == FAILED:
            self.store.mark_parked(ids, now, outcome="failed", status=res.status, error=res.error, duration=duration)
            metrics.deliveries.labels(ctype, "failed").inc(n)
            log.warning("notify: %s to %s/%s rejected, parked: %s", what, first.subscriber, first.channel, res.error)
            return FAILED
        age = now - min(c.created_at for c in claimed)
        if attempts >= self.max_attempts or age >= self.max_age:
            error = f"gave up after {attempts} attempt(s) over {age:.0f}s: {res.error}"
            self.store.mark_parked(ids, now, status=res.status, error=error, duration=duration)
            metrics.deliveries.labels(ctype, "parked").inc(n)
            log.warning("notify: %s to %s/%s parked: %s", what, first.subscriber, first.channel, error)
            return PARKED
        if res.retry_after is not None:
            delay = max(res.retry_after, self.min_delay)
        else:
            delay = max(self.backoff.delay(attempts, self.rng), self.min_delay)
        self.store.mark_retry(ids, now, now + delay, status=res.status, error=res.error, duration=duration,
                              parts_done=res.parts_done, retry_after=res.retry_after)
        metrics.deliveries.labels(ctype, "retry").inc(n)
        log.info("notify: %s to %s/%s failed (attempt %d), retry in %.1fs: %s", what, first.subscriber,
                 first.channel, attempts, delay, res.error)
        return RETRY


def replay_parked(store: OutboxStore, *, subscriber: str | None = None, story_id: str | None = None,
                  ids: Collection[str] | None = None, clock: Callable[[], float] = time.time) -> int:
    """Put parked deliveries back in the queue (attempts reset, due now), e.g. after a subscriber fixed their
    endpoint; the next dispatch sends them with their original webhook-id. Returns how many were requeued."""
    n = store.replay_parked(clock(), subscriber=subscriber, story_id=story_id, ids=ids)
    if n:
        log.info("notify: %d parked deliveries requeued", n)
    return n


class Dispatcher:
    """A daemon thread that calls `worker.dispatch_due()` every `interval` seconds (sooner after `wake()`)."""

    def __init__(self, worker: DeliveryWorker, interval: float = 1.0):
        self.worker = worker
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
                self.worker.dispatch_due()
            except Exception:
                log.exception("notify dispatcher pass failed")
            self.passes += 1
            self._wake.wait(self.interval)
            self._wake.clear()
