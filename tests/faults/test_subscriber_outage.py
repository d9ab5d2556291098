"""Fault 3 — the subscriber is down for minutes, end to end over the real broker: the webhook receiver is not
listening while the pipeline raises the alerts, the notify process is SIGKILLed and restarted during the outage,
and the receiver comes back (same port) after BNWATCH_FAULT_SUBSCRIBER_OUTAGE seconds (default 180: the issue's "several minutes"). Every alert
is then delivered exactly once (one POST per story and version), none before the receiver is back."""

from __future__ import annotations

import os
import signal
import sqlite3
import time

import pytest

from tests.faults.conftest import topic_size, wait_for

OUTAGE = float(os.environ.get("BNWATCH_FAULT_SUBSCRIBER_OUTAGE", "180"))
#: after the receiver is back, the longest a pending delivery can still wait for its first retry: its current
#: backoff (2 s doubling, jitter 50 %) plus margin; the first one through releases the rest (seconds, measured)
RECOVERY = float(os.environ.get("BNWATCH_FAULT_SUBSCRIBER_RECOVERY", str(max(60.0, OUTAGE * 1.1 + 30))))

pytestmark = [pytest.mark.integration, pytest.mark.timeout(int(OUTAGE + RECOVERY + 240))]


def _outbox_rows(data_dir) -> int:
    path = data_dir / "notify" / "deliveries.sqlite3"
    if not path.exists():
        return 0
    db = sqlite3.connect(str(path), timeout=5)
    try:
        return db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        db.close()


def test_subscriber_down_for_minutes_then_back(kafka_bootstrap, pipeline_factory):
    p = pipeline_factory(kafka_bootstrap)
    p.ensure_topics()
    p.stop_receiver()  # not listening: connection refused on every attempt
    down_at = time.monotonic()
    p.start_consumers()
    crawl = p.start("crawl")
    assert crawl.wait(180) == 0, p.log("crawl").read_text()[-3000:]
    # the alerts are raised and sit in the notifier's outbox
    wait_for(lambda: topic_size(kafka_bootstrap, p.topics.alerts) >= 4, 120, "the alerts to be raised")
    wait_for(lambda: _outbox_rows(p.data_dir) >= 4, 60, "the deliveries in the outbox")
    # the notifier dies hard during the outage and comes back
    time.sleep(max(0.0, min(OUTAGE / 2, OUTAGE - (time.monotonic() - down_at) - 10)))
    p.kill("notify", signal.SIGKILL, timeout=10)
    p.start("notify")
    remaining = OUTAGE - (time.monotonic() - down_at)
    if remaining > 0:
        time.sleep(remaining)
    assert p.payloads() == [], "delivered while the subscriber was down?"
    alerts_raised = topic_size(kafka_bootstrap, p.topics.alerts)
    p.restart_receiver()
    back_at = time.monotonic()
    try:
        p.wait_all_alerts(RECOVERY, f"outage {OUTAGE:.0f} s: ")
        recovered_in = time.monotonic() - back_at
        time.sleep(8)
        p.assert_consumers_alive()
    finally:
        p.stop_all()
    p.assert_exactly_once(f"outage {OUTAGE:.0f} s: ")
    print(f"\nsubscriber down {back_at - down_at:.0f} s ({alerts_raised} alert records raised meanwhile, notify "
          f"SIGKILLed once); all {len(p.payloads())} deliveries {recovered_in:.0f} s after it came back")
