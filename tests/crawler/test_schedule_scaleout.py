"""Scale-out over a real broker: crawler instances share the outlets through Kafka's consumer-group assignment
(crawler/scaleout.py), without overlap, and a survivor takes over the outlets of an instance that dies.

Members run as subprocesses (`python -m crawler.scaleout`), each a real KafkaConsumer in group `<prefix>crawler`;
"dies" is SIGKILL — no LeaveGroup, no last heartbeat — so only the session timeout (6 s, the broker's minimum) tells
the coordinator."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
OUTLETS = ["anandabazar", "bbcbangla", "dailyinqilab", "dhakapost", "dwbangla", "kalbela", "parstoday",
           "somoyerkonthosor", "vietnamvn"]
SESSION_MS = 6000
MARGIN = 10.0  # rebalance after expiry: the survivor's next poll/heartbeat, join, sync


class Member:
    def __init__(self, name: str, bootstrap: str, prefix: str, log: Path):
        self.name = name
        self.owned: set[str] = set()
        self.events: "queue.Queue[dict]" = queue.Queue()
        self.history: list[tuple[float, frozenset]] = []
        self.log = log.open("w")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.scaleout", "--bootstrap", bootstrap, "--prefix", prefix,
             "--outlets", ",".join(OUTLETS), "--session-timeout-ms", str(SESSION_MS), "--name", name],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self.log, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "owned" in event:
                self.owned = set(event["owned"])
                self.history.append((event["t"], frozenset(event["owned"])))
            self.events.put(event)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_instances_share_outlets_and_survivor_takes_over(kafka_bootstrap, topics, tmp_path):
    prefix = topics.prefix
    a = Member("a", kafka_bootstrap, prefix, tmp_path / "a.log")
    b = None
    try:
        # alone, an instance owns every outlet
        wait_for(lambda: a.owned == set(OUTLETS), 60, "the first instance to own every outlet")
        b = Member("b", kafka_bootstrap, prefix, tmp_path / "b.log")

        def shared():
            return (a.owned and b.owned and not (a.owned & b.owned) and a.owned | b.owned == set(OUTLETS))

        wait_for(shared, 60, "two instances to share the outlets")
        time.sleep(2 * SESSION_MS / 1000)  # stable: no further rebalance moves outlets around
        assert shared(), (a.owned, b.owned)
        assert abs(len(a.owned) - len(b.owned)) <= 1, (a.owned, b.owned)

        # the broker agrees: the group has two members whose assignments are these outlets' partitions
        from kafka.admin import KafkaAdminClient

        admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        try:
            group = admin.describe_groups([f"{prefix}crawler"])[f"{prefix}crawler"]
            assert group["group_state"] == "Stable" and len(group["members"]) == 2
            parts = sorted(p for m in group["members"] for tp in m["member_assignment"]["assigned_partitions"]
                           for p in tp["partitions"])
            assert parts == list(range(len(OUTLETS)))
        finally:
            admin.close()

        # SIGKILL one: the survivor owns everything within the session timeout + margin
        b_before = set(b.owned)
        killed_at = time.monotonic()
        a.kill()
        took_over = wait_for(lambda: b.owned == set(OUTLETS), SESSION_MS / 1000 + MARGIN,
                             "the survivor to take over every outlet")
        print(f"take-over after {took_over - killed_at:.1f} s (session timeout {SESSION_MS / 1000:.0f} s)")
        # it did not lose its own outlets on the way more than transiently, and it never owned one twice
        assert b_before < set(OUTLETS)
    finally:
        a.stop()
        if b is not None:
            b.stop()


def test_owns_and_filter_in_process(kafka_bootstrap, topics):
    """The spider's hook: `owns` is the outlet_filter; a clean close hands everything over at once (LeaveGroup)."""
    from crawler.scaleout import OutletAssignment

    ids = OUTLETS[:4]
    one = OutletAssignment(kafka_bootstrap, ids, prefix=topics.prefix, session_timeout_ms=SESSION_MS).start()
    two = None
    try:
        assert one.wait_assigned(60)
        wait_for(lambda: one.owned() == frozenset(ids), 30, "one member to own all")
        assert all(one.owns(o) for o in ids) and not one.owns("nope")
        two = OutletAssignment(kafka_bootstrap, ids, prefix=topics.prefix, session_timeout_ms=SESSION_MS).start()
        assert two.wait_assigned(60)
        wait_for(lambda: one.owned() and two.owned() and not (one.owned() & two.owned())
                 and one.owned() | two.owned() == frozenset(ids), 60, "two members to share")
        started = time.monotonic()
        one.close()
        wait_for(lambda: two.owned() == frozenset(ids), 30, "the other member to take over after a clean leave")
        # a clean leave does not wait for the session timeout
        assert time.monotonic() - started < SESSION_MS / 1000 + 3
    finally:
        one.close()
        if two is not None:
            two.close()


def test_bnwatch_crawl_scale_out_shares_outlets_and_takes_over(kafka_bootstrap, topics, tmp_path, read_topic):
    """The wiring: two `bnwatch crawl --follow --scale-out` against the replay share its outlets; between them
    every article reaches raw-pages; after a SIGKILL the survivor polls every outlet."""
    import re

    from devtools.replay.server import ReplayServer

    outlets = ["dailyinqilab", "somoyerkonthosor", "vietnamvn", "kalbela"]
    replay = ReplayServer(port=0, outlets=tuple(outlets)).start()
    procs, logs = [], []
    try:
        for n in range(2):
            env = {k: v for k, v in os.environ.items() if not k.startswith("BNWATCH_")}
            env.update({"BNWATCH_KAFKA_BOOTSTRAP": kafka_bootstrap, "BNWATCH_TOPIC_PREFIX": topics.prefix,
                        "BNWATCH_DATA_DIR": str(tmp_path / f"data{n}"), "PYTHONUNBUFFERED": "1",
                        "BNWATCH_REPLAY_HOSTS": f"*={replay.address}"})
            log = tmp_path / f"crawl{n}.log"
            logs.append(log)
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "bnwatch.cli", "crawl", "--follow", "--scale-out", "--poll-interval", "60",
                 "--outlets", ",".join(outlets)], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT))
            if n == 0:  # the first alone owns everything; then the second joins
                wait_for(lambda: "now polls 4 outlet(s)" in logs[0].read_text(), 90, "the first crawler's share")

        def share(log: Path) -> set[str]:
            found = re.findall(r"now polls \d+ outlet\(s\): ([^\n]*)", log.read_text())
            return set(found[-1].split(", ")) - {"none"} if found else set()

        wait_for(lambda: share(logs[0]) and share(logs[1]) and not (share(logs[0]) & share(logs[1]))
                 and share(logs[0]) | share(logs[1]) == set(outlets), 90, "two crawlers to share the outlets")
        expected = {a["url"] for a in replay.articles()}
        records = read_topic(topics.raw_pages, len(expected), timeout=120)
        assert {json.loads(r.value)["url"] for r in records} >= expected

        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait(10)
        wait_for(lambda: share(logs[1]) == set(outlets), SESSION_MS / 1000 + 10 + 10,
                 "the surviving crawler to poll every outlet")
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
        replay.stop()
