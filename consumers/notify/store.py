"""The delivery outbox: one SQLite row per (story, subscriber, version, channel), and a log of every attempt.

This file, not the Kafka topic, carries retries: the notify stage enqueues a delivery durably (WAL, synchronous
FULL, committed before `process` returns, so before the runner commits the alert's offset) and then tries it.
`enqueue` is INSERT OR IGNORE on the key, so a redelivered alert or a restarted notifier never makes a second
delivery. A delivery is claimed with a lease before it is sent, so two dispatchers (threads or processes on the
same file) never send it at the same time; a notifier that dies between a 2xx and `mark_delivered` sends once
more after the lease runs out, with the same `webhook-id` (receivers drop the repeat).

Statuses: pending -> delivered | parked; parked -> pending by `replay_parked`.

Held and collected deliveries: a delivery enqueued during a subscriber's quiet hours is due when they end
(`next_attempt_at`); one for a digest subscriber carries a `batch` key (its period) and is due at the period's
end, when every pending delivery of the same (subscriber, channel, batch) is claimed together and sent as one
message. Both live only in this file, so a restarted notifier sends them once, on time. `parts_done` records how
many pieces of a message that had to be split (Telegram 4096 characters, Slack limits) were accepted, so a retry
sends only the rest.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PENDING, DELIVERED, PARKED = "pending", "delivered", "parked"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    story_id        TEXT NOT NULL,
    subscriber      TEXT NOT NULL,
    version         INTEGER NOT NULL,
    channel         TEXT NOT NULL,
    channel_type    TEXT NOT NULL,
    rule            TEXT NOT NULL,
    alert           TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      REAL NOT NULL,
    next_attempt_at REAL NOT NULL,
    last_attempt_at REAL,
    delivered_at    REAL,
    last_status     INTEGER,
    last_error      TEXT,
    lease_owner     TEXT,
    lease_until     REAL,
    batch           TEXT,
    parts_done      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (story_id, subscriber, version, channel)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS attempts (
    delivery_id TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    at          REAL NOT NULL,
    outcome     TEXT NOT NULL,
    status      INTEGER,
    error       TEXT,
    duration    REAL
);
CREATE INDEX IF NOT EXISTS attempts_delivery ON attempts (delivery_id);
"""

_COLUMNS = ("seq id story_id subscriber version channel channel_type rule alert status attempts created_at "
            "next_attempt_at last_attempt_at delivered_at last_status last_error batch parts_done").split()
#: columns added after the first release: (name, definition) for ALTER TABLE on an older file
_ADDED_COLUMNS = (("batch", "TEXT"), ("parts_done", "INTEGER NOT NULL DEFAULT 0"))


def batch_id(subscriber: str, channel: str, batch: str) -> str:
    """The idempotency key of one digest message (webhook-id, Message-ID): stable for the same batch."""
    raw = "\x1f".join(("digest", subscriber, channel, batch)).encode("utf-8")
    return "msg_" + hashlib.sha256(raw).hexdigest()[:32]


def delivery_id(story_id: str, subscriber: str, version: int, channel: str) -> str:
    """The idempotency key as a header-safe string (Standard Webhooks `webhook-id`): stable for the same key."""
    raw = "\x1f".join((story_id, subscriber, str(int(version)), channel)).encode("utf-8")
    return "msg_" + hashlib.sha256(raw).hexdigest()[:32]


@dataclass(frozen=True)
class NewDelivery:
    story_id: str
    subscriber: str
    version: int
    channel: str
    channel_type: str
    rule: str
    alert: str  # the Alert's JSON, so the outbox can retry after the Kafka offset is committed
    batch: str | None = None  # digest period key: sent together with the other deliveries of the same batch
    due_at: float | None = None  # not before (quiet hours, digest period end); default: now. Ages (max_age)
    # count from then: `created_at` is max(now, due_at)

    @property
    def id(self) -> str:
        return delivery_id(self.story_id, self.subscriber, self.version, self.channel)


@dataclass(frozen=True)
class Delivery:
    seq: int
    id: str
    story_id: str
    subscriber: str
    version: int
    channel: str
    channel_type: str
    rule: str
    alert: str
    status: str
    attempts: int
    created_at: float
    next_attempt_at: float
    last_attempt_at: float | None
    delivered_at: float | None
    last_status: int | None
    last_error: str | None
    batch: str | None = None
    parts_done: int = 0

    @property
    def group(self) -> tuple[str, str, str]:
        """Deliveries of one story to one channel go out in version order; a digest batch goes out as one."""
        if self.batch is not None:
            return (self.subscriber, self.channel, "batch:" + self.batch)
        return (self.subscriber, self.channel, self.story_id)


class StoreError(RuntimeError):
    pass


class DeliveryStore:
    """Thread-safe (one connection, one lock); several processes may share the file (leases, busy timeout)."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 10.0):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.owner = uuid.uuid4().hex  # lease owner: this store object
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed enqueue survives power loss, which the Kafka offset commit relies on
        self._db.execute("PRAGMA synchronous=FULL")
        with self._tx():
            have = {r[1] for r in self._db.execute("PRAGMA table_info(deliveries)").fetchall()}
            if have:  # an outbox from an older release: add the new columns first
                for name, definition in _ADDED_COLUMNS:
                    if name not in have:
                        self._db.execute(f"ALTER TABLE deliveries ADD COLUMN {name} {definition}")
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    self._db.execute(stmt)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------------ writes

    def enqueue(self, deliveries: Iterable[NewDelivery], now: float) -> list[str]:
        """Insert new deliveries in one committed transaction; keys already present are left alone.
        Returns the ids that were new."""
        new: list[str] = []
        with self._tx() as db:
            for d in deliveries:
                cur = db.execute(
                    "INSERT OR IGNORE INTO deliveries (id, story_id, subscriber, version, channel, channel_type, rule,"
                    " alert, status, attempts, created_at, next_attempt_at, batch) VALUES (?,?,?,?,?,?,?,?,?,0,?,?,?)",
                    (d.id, d.story_id, d.subscriber, int(d.version), d.channel, d.channel_type, d.rule, d.alert,
                     PENDING, max(now, d.due_at or now), now if d.due_at is None else d.due_at, d.batch),
                )
                if cur.rowcount == 1:
                    new.append(d.id)
        return new

    def claim(self, delivery_id: str, now: float, lease: float) -> Delivery | None:
        """Take the right to attempt a pending delivery for `lease` seconds; None if it is not pending, not due,
        or another dispatcher holds it. The returned row has `attempts` already counting this attempt."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE deliveries SET lease_owner=?, lease_until=?, attempts=attempts+1, last_attempt_at=?"
                " WHERE id=? AND status=? AND next_attempt_at<=? AND (lease_until IS NULL OR lease_until<=?)",
                (self.owner, now + lease, now, delivery_id, PENDING, now, now),
            )
            if cur.rowcount != 1:
                return None
            row = db.execute(f"SELECT {','.join(_COLUMNS)} FROM deliveries WHERE id=?", (delivery_id,)).fetchone()
        return Delivery(**dict(row))

    def claim_batch(self, subscriber: str, channel: str, batch: str, now: float, lease: float) -> list[Delivery]:
        """Claim every due, pending, unleased delivery of one digest batch in one transaction (the returned rows
        count this attempt). Empty if there is none or another dispatcher holds any of them."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT id, status, next_attempt_at, lease_until FROM deliveries WHERE subscriber=? AND channel=?"
                " AND batch=? AND status=?", (subscriber, channel, batch, PENDING)).fetchall()
            if not rows or any(r["lease_until"] is not None and r["lease_until"] > now for r in rows):
                return []
            ids = [r["id"] for r in rows if r["next_attempt_at"] <= now]
            if not ids:
                return []
            marks = ",".join("?" * len(ids))
            db.execute(f"UPDATE deliveries SET lease_owner=?, lease_until=?, attempts=attempts+1, last_attempt_at=?"
                       f" WHERE id IN ({marks})", (self.owner, now + lease, now, *ids))
            found = db.execute(f"SELECT {','.join(_COLUMNS)} FROM deliveries WHERE id IN ({marks}) ORDER BY seq",
                               ids).fetchall()
        return [Delivery(**dict(r)) for r in found]

    def defer(self, ids: Iterable[str], until: float, now: float) -> int:
        """Push pending, unleased deliveries to `until` without an attempt (quiet hours began after they were
        enqueued). Returns how many moved."""
        id_list = list(ids)
        if not id_list:
            return 0
        with self._tx() as db:
            cur = db.execute(
                "UPDATE deliveries SET next_attempt_at=?, created_at=CASE WHEN attempts=0 THEN MAX(created_at, ?)"
                f" ELSE created_at END WHERE id IN ({','.join('?' * len(id_list))}) AND status=?"
                " AND (lease_until IS NULL OR lease_until<=?)", (until, until, *id_list, PENDING, now))
            return cur.rowcount

    def _finish(self, delivery_id: str | Iterable[str], now: float, outcome: str, sets: str, args: tuple,
                status: int | None, error: str | None, duration: float | None) -> None:
        ids = [delivery_id] if isinstance(delivery_id, str) else list(delivery_id)
        with self._tx() as db:  # all of a batch, or none
            for one in ids:
                cur = db.execute(
                    f"UPDATE deliveries SET {sets}, last_status=?, last_error=?, lease_owner=NULL, lease_until=NULL"
                    " WHERE id=? AND lease_owner=?",
                    (*args, status, error, one, self.owner),
                )
                if cur.rowcount != 1:
                    raise StoreError(f"delivery {one} is not leased by this store (lease ran out?)")
                attempt = db.execute("SELECT attempts FROM deliveries WHERE id=?", (one,)).fetchone()[0]
                db.execute("INSERT INTO attempts VALUES (?,?,?,?,?,?,?)",
                           (one, attempt, now, outcome, status, error, duration))

    def mark_delivered(self, delivery_id: str | Iterable[str], now: float, *, status: int | None = None,
                       duration: float | None = None) -> None:
        self._finish(delivery_id, now, "delivered", "status=?, delivered_at=?", (DELIVERED, now), status, None,
                     duration)

    def mark_retry(self, delivery_id: str | Iterable[str], now: float, next_attempt_at: float, *,
                   status: int | None = None, error: str | None = None, duration: float | None = None,
                   parts_done: int | None = None) -> None:
        if parts_done is None:
            self._finish(delivery_id, now, "retry", "next_attempt_at=?", (next_attempt_at,), status, error, duration)
        else:
            self._finish(delivery_id, now, "retry", "next_attempt_at=?, parts_done=?", (next_attempt_at, parts_done),
                         status, error, duration)

    def mark_parked(self, delivery_id: str | Iterable[str], now: float, *, outcome: str = "parked",
                    status: int | None = None, error: str | None = None, duration: float | None = None) -> None:
        self._finish(delivery_id, now, outcome, "status=?", (PARKED,), status, error, duration)

    def park_unclaimed(self, delivery_id: str, now: float, error: str) -> bool:
        """Park a pending delivery without an attempt (e.g. its subscriber was removed)."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE deliveries SET status=?, last_error=? WHERE id=? AND status=?"
                " AND (lease_until IS NULL OR lease_until<=?)",
                (PARKED, error, delivery_id, PENDING, now),
            )
            if cur.rowcount == 1:
                db.execute("INSERT INTO attempts VALUES (?,?,?,?,?,?,?)",
                           (delivery_id, 0, now, "parked", None, error, None))
            return cur.rowcount == 1

    def replay_parked(self, now: float, *, subscriber: str | None = None, story_id: str | None = None,
                      ids: Iterable[str] | None = None) -> int:
        """Make parked deliveries pending again (attempts reset, due now). Returns how many."""
        where, args = ["status=?"], [PARKED]
        if subscriber is not None:
            where.append("subscriber=?")
            args.append(subscriber)
        if story_id is not None:
            where.append("story_id=?")
            args.append(story_id)
        id_list = list(ids) if ids is not None else None
        if id_list is not None:
            if not id_list:
                return 0
            where.append(f"id IN ({','.join('?' * len(id_list))})")
            args.extend(id_list)
        with self._tx() as db:
            cur = db.execute(
                "UPDATE deliveries SET status=?, attempts=0, parts_done=0, next_attempt_at=?, created_at=?,"
                f" lease_owner=NULL, lease_until=NULL WHERE {' AND '.join(where)}",
                (PENDING, now, now, *args),
            )
            return cur.rowcount

    # ------------------------------------------------------------------ reads

    def _select(self, where: str, args: tuple = (), limit: int | None = None) -> list[Delivery]:
        sql = f"SELECT {','.join(_COLUMNS)} FROM deliveries WHERE {where} ORDER BY seq"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [Delivery(**dict(r)) for r in rows]

    def get(self, delivery_id: str) -> Delivery | None:
        found = self._select("id=?", (delivery_id,))
        return found[0] if found else None

    def pending(self, limit: int | None = None) -> list[Delivery]:
        """Every pending delivery, oldest first (due or not)."""
        return self._select("status=?", (PENDING,), limit)

    def by_status(self, status: str, limit: int | None = None) -> list[Delivery]:
        return self._select("status=?", (status,), limit)

    def for_story(self, story_id: str) -> list[Delivery]:
        return self._select("story_id=?", (story_id,))

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status").fetchall()
        out = {PENDING: 0, DELIVERED: 0, PARKED: 0}
        out.update({r[0]: r[1] for r in rows})
        return out

    def next_due_at(self) -> float | None:
        with self._lock:
            row = self._db.execute("SELECT MIN(next_attempt_at) FROM deliveries WHERE status=?", (PENDING,)).fetchone()
        return row[0]

    def attempts(self, delivery_id: str) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM attempts WHERE delivery_id=? ORDER BY rowid", (delivery_id,))
            return [dict(r) for r in rows.fetchall()]

    def feed_rows(self, *, subscriber: str | None = None, rule: str | None = None, channel_type: str | None = None,
                  status: str | None = DELIVERED, limit: int = 50) -> list[Delivery]:
        """The newest delivery of each story (highest version) among the matching rows, newest first: what a
        feed shows. `rule` may be "*" for every rule."""
        where, args = ["1=1"], []
        for col, value in (("subscriber", subscriber), ("channel_type", channel_type), ("status", status)):
            if value is not None:
                where.append(f"{col}=?")
                args.append(value)
        if rule is not None and rule != "*":
            where.append("rule=?")
            args.append(rule)
        cond = " AND ".join(where)
        sql = (f"SELECT {','.join(_COLUMNS)} FROM deliveries WHERE {cond} ORDER BY story_id, version DESC, seq DESC")
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        best: dict[str, Delivery] = {}
        for r in rows:
            d = Delivery(**dict(r))
            if d.story_id not in best:
                best[d.story_id] = d
        ordered = sorted(best.values(), key=lambda d: (d.delivered_at or d.created_at, d.seq), reverse=True)
        return ordered[: max(0, int(limit))]
