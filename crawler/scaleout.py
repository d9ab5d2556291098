"""Scale-out: several crawler instances share the outlets, with Kafka's consumer-group assignment as coordinator.

    bnwatch crawl --follow --scale-out          # start as many as you like, on as many machines as you like

(crawler/schedule.py is the adaptive poll schedule of one instance; this module decides WHICH outlets an instance
polls.)

* Topic `<prefix>crawl-schedule` has one partition per outlet: the selected outlet ids, sorted, outlet i ↔
  partition i. Every instance must run with the same outlet selection (the same registry). When outlets are added,
  the topic grows (partitions are added, never removed); members see the new partitions on their next metadata
  refresh and the group rebalances.
* Every instance is a member of consumer group `<prefix>crawler` subscribed to that topic. The partitions the group
  coordinator assigns to a member are the outlets it owns (ConsumerRebalanceListener); nothing else is shared and
  nothing is written to the topic: the assignment IS the coordination. Kafka guarantees one owner per partition in
  a generation — no overlap — and every partition an owner (full coverage) while a member is alive.
* A member that stops cleanly leaves the group (LeaveGroup), and the others take its outlets at once. A member that
  dies (SIGKILL, machine gone, network partition) stops heartbeating; the coordinator expires it after
  `session_timeout_ms` and the survivors take its outlets in the rebalance that follows.
* The spider runs on the Twisted reactor; the membership runs in its own thread, which polls the consumer
  regularly (`poll_interval`) so the member stays alive (kafka-python heartbeats from a background thread, but a
  member that stops polling for `max_poll_interval_ms` is removed). The spider asks `owns(outlet_id)` through its
  `outlet_filter` hook before each poll, so it picks up changes within one POLL_TICK.

Hand-over is at-least-once, not exactly-once: an outlet's new owner has its own seen-store, so it may fetch and
publish again articles the old owner had published. Raw pages are keyed by canonical URL and the stages downstream
are idempotent (one alert per story), so this costs work, not duplicates for subscribers.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable

logger = logging.getLogger(__name__)

SCHEDULE_TOPIC = "crawl-schedule"
GROUP = "crawler"


def schedule_topic(prefix: str) -> str:
    return f"{prefix}{SCHEDULE_TOPIC}"


def crawler_group(prefix: str) -> str:
    return f"{prefix}{GROUP}"


def ensure_schedule_topic(bootstrap, topic: str, partitions: int) -> int:
    """Create the schedule topic with `partitions` partitions, or grow it to that many; returns the count."""
    from kafka.admin import NewPartitions

    from bnwatch.kafka_client import ensure_topics, make_admin

    admin = make_admin(bootstrap)
    try:
        ensure_topics(bootstrap, [topic], partitions=partitions, admin=admin)
        meta = admin.describe_topics([topic])
        have = len(meta[0]["partitions"]) if meta else partitions
        if have < partitions:
            admin.create_partitions({topic: NewPartitions(total_count=partitions)})
            admin.wait_for_topics([topic], timeout_ms=30_000)
            have = partitions
        return have
    finally:
        admin.close()


class OutletAssignment:
    """This instance's share of the outlets, as Kafka's group coordinator assigns it.

    `owns(outlet_id)` is the spider's `outlet_filter`; `owned()` the current set; `on_change(frozenset)` is called
    (from the membership thread) after every change."""

    def __init__(self, bootstrap: str, outlets: Iterable[str], *, prefix: str = "bnwatch.", group: str | None = None,
                 session_timeout_ms: int = 10_000, heartbeat_interval_ms: int | None = None,
                 max_poll_interval_ms: int = 60_000, poll_interval: float = 0.5, client_id: str | None = None,
                 on_change: Callable[[frozenset[str]], None] | None = None):
        self.bootstrap = bootstrap
        self.outlets = sorted(set(outlets))
        if not self.outlets:
            raise ValueError("no outlets to share")
        self.topic = schedule_topic(prefix)
        self.group = group or crawler_group(prefix)
        self.session_timeout_ms = int(session_timeout_ms)
        self.heartbeat_interval_ms = int(heartbeat_interval_ms or max(1000, self.session_timeout_ms // 3))
        self.max_poll_interval_ms = int(max_poll_interval_ms)
        self.poll_interval = float(poll_interval)
        self.client_id = client_id or f"bnwatch-crawler-{socket.gethostname()}-{os.getpid()}"
        self.on_change = on_change
        self._by_partition = dict(enumerate(self.outlets))
        self._owned: frozenset[str] = frozenset()
        self._lock = threading.Lock()
        self._assigned = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._consumer = None
        self.generations = 0

    # -- what the spider asks --------------------------------------------------------------------------------
    def owns(self, outlet_id: str) -> bool:
        return outlet_id in self._owned

    def owned(self) -> frozenset[str]:
        return self._owned

    def wait_assigned(self, timeout: float) -> bool:
        """Wait (at most `timeout` s) for the first assignment (possibly empty: more members than outlets)."""
        return self._assigned.wait(timeout)

    # -- membership ------------------------------------------------------------------------------------------
    def start(self) -> "OutletAssignment":
        from kafka import KafkaConsumer

        from bnwatch.kafka_client import connection

        ensure_schedule_topic(self.bootstrap, self.topic, len(self.outlets))
        self._consumer = KafkaConsumer(
            **connection(self.bootstrap), group_id=self.group, client_id=self.client_id,
            enable_auto_commit=False, auto_offset_reset="latest",
            session_timeout_ms=self.session_timeout_ms, heartbeat_interval_ms=self.heartbeat_interval_ms,
            max_poll_interval_ms=self.max_poll_interval_ms, metadata_max_age_ms=30_000,
        )
        self._consumer.subscribe([self.topic], listener=_Listener(self))
        self._thread = threading.Thread(target=self._run, name="crawl-schedule-member", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                # nothing is produced to the topic: poll() is what joins the group, takes part in rebalances and
                # proves this member alive
                self._consumer.poll(timeout_ms=int(self.poll_interval * 1000), max_records=100)
            except Exception as exc:  # noqa: BLE001 - broker away: keep trying, the spider keeps what it owns
                logger.warning("crawl-schedule membership: %s", exc)
                self._stop.wait(min(5.0, self.poll_interval * 4))

    def _set(self, owned: frozenset[str], assigned: bool = False) -> None:
        with self._lock:
            changed = owned != self._owned
            self._owned = owned
        if assigned:
            self._assigned.set()
        if changed:
            logger.info("crawl-schedule: this instance now polls %d outlet(s): %s", len(owned),
                        ", ".join(sorted(owned)) or "none")
            if self.on_change is not None:
                try:
                    self.on_change(owned)
                except Exception:  # noqa: BLE001
                    logger.exception("crawl-schedule on_change")

    def _assigned_partitions(self, partitions) -> None:
        self.generations += 1
        self._set(frozenset(self._by_partition[tp.partition] for tp in partitions
                            if tp.topic == self.topic and tp.partition in self._by_partition), assigned=True)

    def _revoked_partitions(self, partitions) -> None:
        gone = {self._by_partition.get(tp.partition) for tp in partitions if tp.topic == self.topic}
        self._set(frozenset(self._owned - gone))

    def close(self) -> None:
        """Leave the group (the others take this instance's outlets at once) and stop."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.poll_interval * 4 + 5)
        if self._consumer is not None:
            try:
                self._consumer.close()
            except Exception as exc:  # noqa: BLE001
                logger.debug("closing crawl-schedule consumer: %s", exc)
            self._consumer = None
        self._set(frozenset())


def _listener_base():
    from kafka import ConsumerRebalanceListener

    return ConsumerRebalanceListener


class _Listener(_listener_base()):
    """The rebalance callbacks: Kafka's assignment → this instance's outlets."""

    def __init__(self, assignment: OutletAssignment):
        self.assignment = assignment

    def on_partitions_revoked(self, revoked) -> None:
        self.assignment._revoked_partitions(revoked)

    def on_partitions_assigned(self, assigned) -> None:
        self.assignment._assigned_partitions(assigned)


def main(argv: list[str] | None = None) -> int:
    """Run one member and print its outlets as a JSON line on every change (tests, operators' checks)."""
    ap = argparse.ArgumentParser(description="one crawl-schedule member; prints the outlets it owns")
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--prefix", default="bnwatch.")
    ap.add_argument("--outlets", required=True, help="comma-separated outlet ids")
    ap.add_argument("--session-timeout-ms", type=int, default=10_000)
    ap.add_argument("--name", default=None)
    args = ap.parse_args(argv)
    name = args.name or str(os.getpid())

    def report(owned):
        print(json.dumps({"member": name, "owned": sorted(owned), "t": time.time()}), flush=True)

    member = OutletAssignment(args.bootstrap, args.outlets.split(","), prefix=args.prefix,
                              session_timeout_ms=args.session_timeout_ms, on_change=report, client_id=name)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    member.start()
    print(json.dumps({"member": name, "started": True, "t": time.time()}), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        member.close()
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main())
