"""The delivery outbox: one row per (story, subscriber, version, channel), and a log of every attempt. SQLite by
default (`DeliveryStore(path)`); PostgreSQL when configured (`PostgresDeliveryStore(dsn)`, `open_store(target)`),
so notifiers on several hosts can share one outbox.

This store, not the Kafka topic, carries retries: the notify stage enqueues a delivery durably (committed before
`process` returns, so before the runner commits the alert's offset; on SQLite: WAL, synchronous FULL) and then
tries it. `enqueue` is INSERT ... ON CONFLICT DO NOTHING on the key, so a redelivered alert or a restarted
notifier never makes a second delivery. A delivery is claimed with a lease before it is sent, so two dispatchers
(threads, processes, or on PostgreSQL hosts) never send it at the same time; a notifier that dies between a 2xx
and `mark_delivered` sends once more after the lease runs out, with the same `webhook-id` (receivers drop the
repeat). Leases compare the callers' clocks, so hosts sharing a PostgreSQL outbox need synchronised clocks (NTP;
skew well under the lease margin).

Statuses: pending -> delivered | parked; parked -> pending by `replay_parked`.

Held and collected deliveries: a delivery enqueued during a subscriber's quiet hours is due when they end
(`next_attempt_at`); one for a digest subscriber carries a `batch` key (its period) and is due at the period's
end, when every pending delivery of the same (subscriber, channel, batch) is claimed together and sent as one
message. Both live only in the outbox, so a restarted notifier sends them once, on time. `parts_done` records how
many pieces of a message that had to be split (Telegram 4096 characters, Slack limits) were accepted, so a retry
sends only the rest.

Recovery: `mark_delivered` also makes the destination's (subscriber, channel) other deliveries that wait on a
retry backoff due now (`released`), because a delivery that got through says the endpoint is back; without it
each would wait out its own backoff (up to 10 minutes) after an outage. Waits the destination asked for
(Retry-After, kept in `retry_after`) are left alone, and so are deliveries it answered with an error other than
502/503/504 (their failure is about the message, not the endpoint's absence).

Backends: the SQL is written once (placeholders `?`, ON CONFLICT DO NOTHING, no `rowid`, named columns); a
backend supplies the connection, the transaction (SQLite BEGIN IMMEDIATE: one writer at a time; PostgreSQL READ
COMMITTED, where the guarded UPDATEs are atomic and `claim_batch` locks the batch with SELECT ... FOR UPDATE),
a few spellings (GREATEST, column types) and the column introspection for upgrades.
"""

from __future__ import annotations

import hashlib
import logging
import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

PENDING, DELIVERED, PARKED = "pending", "delivered", "parked"
#: HTTP answers that mean "the endpoint is away", like no answer at all (see _release)
OUTAGE_STATUSES = (502, 503, 504)
#: how the notify stage's `last_error` starts when its own code failed (not the destination)
INTERNAL_ERROR = "internal error"
PG_SCHEMES = ("postgresql://", "postgres://")

# {seq}, {real}, {attempt_seq}: the backend's spelling of an auto-increment key, a float8 column, and the attempt
# log's insertion order (SQLite keeps using rowid, so outboxes from older releases need no new column)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    seq             {seq},
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
    created_at      {real} NOT NULL,
    next_attempt_at {real} NOT NULL,
    last_attempt_at {real},
    delivered_at    {real},
    last_status     INTEGER,
    last_error      TEXT,
    lease_owner     TEXT,
    lease_until     {real},
    batch           TEXT,
    parts_done      INTEGER NOT NULL DEFAULT 0,
    retry_after     {real},
    UNIQUE (story_id, subscriber, version, channel)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS deliveries_destination ON deliveries (subscriber, channel, status);
CREATE INDEX IF NOT EXISTS deliveries_story ON deliveries (story_id, subscriber, channel, version);
CREATE TABLE IF NOT EXISTS attempts (
    {attempt_seq}
    delivery_id TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    at          {real} NOT NULL,
    outcome     TEXT NOT NULL,
    status      INTEGER,
    error       TEXT,
    duration    {real}
);
CREATE INDEX IF NOT EXISTS attempts_delivery ON attempts (delivery_id);
"""

_COLUMNS = ("seq id story_id subscriber version channel channel_type rule alert status attempts created_at "
            "next_attempt_at last_attempt_at delivered_at last_status last_error batch parts_done retry_after").split()
_SELECT = f"SELECT {','.join(_COLUMNS)} FROM deliveries"
#: columns added after the first release: (name, definition) for ALTER TABLE on an older outbox
_ADDED_COLUMNS = (("batch", "TEXT"), ("parts_done", "INTEGER NOT NULL DEFAULT 0"), ("retry_after", "{real}"))
_INSERT_ATTEMPT = ("INSERT INTO attempts (delivery_id, attempt, at, outcome, status, error, duration)"
                   " VALUES (?,?,?,?,?,?,?)")
_LEASE_FREE = "(lease_until IS NULL OR lease_until<=?)"

T = TypeVar("T")


def batch_id(subscriber: str, channel: str, batch: str, delivery_ids: Iterable[str]) -> str:
    """The idempotency key of one digest message (webhook-id, Message-ID): stable for the same deliveries of a
    batch, so a resend after a lost answer is dropped by the receiver. The deliveries are part of it: a delivery
    that joined its period's batch after the batch was sent (its enqueue read the clock before the period ended
    and committed after) goes out on its own, and under the batch's id alone the receiver dropped it as a repeat."""
    raw = "\x1f".join(("digest", subscriber, channel, batch, *sorted(delivery_ids))).encode("utf-8")
    return "msg_" + hashlib.sha256(raw).hexdigest()[:32]


def delivery_id(story_id: str, subscriber: str, version: int, channel: str) -> str:
    """The idempotency key as a header-safe string (Standard Webhooks `webhook-id`): stable for the same key."""
    raw = "\x1f".join((story_id, subscriber, str(int(version)), channel)).encode("utf-8")
    return "msg_" + hashlib.sha256(raw).hexdigest()[:32]


def is_postgres(target: str | Path | None) -> bool:
    return isinstance(target, str) and target.lower().startswith(PG_SCHEMES)


def redact(target: str | Path) -> str:
    """The target as it may be logged or printed: a PostgreSQL URL without its password (the notifier's one
    redaction, bnwatch/redaction.py)."""
    from bnwatch.redaction import redact_url

    text = str(target)
    if not is_postgres(text):
        return text
    return redact_url(text)


def default_target(data_dir: str | Path) -> Path:
    return Path(data_dir) / "notify" / "deliveries.sqlite3"


def store_target(settings: Any) -> str | Path:
    """Where the configured outbox lives: `settings.delivery_store` (a path or a postgresql:// URL), else the
    SQLite file under the data dir."""
    return getattr(settings, "delivery_store", None) or default_target(settings.data_dir)


def open_store(target: str | Path, **kwargs: Any) -> "OutboxStore":
    """A PostgreSQL store for a postgresql:// or postgres:// URL, else a SQLite store at that path."""
    if is_postgres(target):
        return PostgresDeliveryStore(str(target), **kwargs)
    return DeliveryStore(target, **kwargs)


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
    retry_after: float | None = None  # the wait the destination asked for (Retry-After) before the next attempt

    @property
    def group(self) -> tuple[str, str, str]:
        """Deliveries of one story to one channel go out in version order; a digest batch goes out as one."""
        if self.batch is not None:
            return (self.subscriber, self.channel, "batch:" + self.batch)
        return (self.subscriber, self.channel, self.story_id)


class StoreError(RuntimeError):
    pass


class _LostRace(Exception):
    """Inside a transaction: another dispatcher got there first; roll back and report nothing claimed."""


def _marks(n: int) -> str:
    return ",".join("?" * n)


class OutboxStore:
    """The outbox logic, on one connection behind one lock (thread-safe); backends subclass it. Every write is
    one transaction; `owner` (this object) holds the leases it takes."""

    backend = "?"
    GREATEST = "MAX"  # the two-argument maximum
    SCHEMA_TYPES = {"seq": "INTEGER PRIMARY KEY AUTOINCREMENT", "real": "REAL", "attempt_seq": ""}
    ATTEMPT_ORDER = "rowid"
    FOR_UPDATE = ""  # row locks for claim_batch where the transaction alone does not serialise writers
    _transient: tuple[type[BaseException], ...] = ()  # errors after which a write transaction is run again
    _tx_tries = 5

    def __init__(self) -> None:
        self.owner = uuid.uuid4().hex  # lease owner: this store object
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ backend hooks

    @property
    def target(self) -> str:
        """Where this outbox lives, safe to log (no password)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.target!r})"

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        """A write transaction; yields an object with `execute(sql, args)` (placeholders `?`)."""
        raise NotImplementedError
        yield

    def _read(self, sql: str, args: Iterable[Any] = ()) -> list[Any]:
        raise NotImplementedError

    def _table_columns(self, db: Any, table: str) -> set[str]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ plumbing

    def _write(self, work: Callable[[Any], T]) -> T:
        """Run `work(db)` in one transaction; again (a few times) if the backend reports a transient conflict
        (a PostgreSQL deadlock or serialisation failure between two notifiers): nothing of a failed try stays."""
        for n in range(1, self._tx_tries + 1):
            try:
                with self._tx() as db:
                    return work(db)
            except self._transient as exc:
                if n == self._tx_tries:
                    raise
                log.info("notify outbox: transaction conflict (%s), trying again", type(exc).__name__)
                time.sleep(random.uniform(0.005, 0.02) * n)
        raise AssertionError("unreachable")  # pragma: no cover

    def _create_schema(self) -> None:
        def work(db: Any) -> None:
            self._lock_schema(db)
            have = self._table_columns(db, "deliveries")
            if have:  # an outbox from an older release: add the new columns first
                for name, definition in _ADDED_COLUMNS:
                    if name not in have:
                        db.execute(f"ALTER TABLE deliveries ADD COLUMN {name} "
                                   + definition.format(**self.SCHEMA_TYPES))
            for stmt in _SCHEMA.format(**self.SCHEMA_TYPES).split(";"):
                if stmt.strip():
                    db.execute(stmt)

        self._write(work)

    def _lock_schema(self, db: Any) -> None:
        """Serialise schema creation between processes starting at once (SQLite: BEGIN IMMEDIATE already does)."""

    # ------------------------------------------------------------------ writes

    def enqueue(self, deliveries: Iterable[NewDelivery], now: float) -> list[str]:
        """Insert new deliveries in one committed transaction; keys already present are left alone, and so is a
        version older than one the (story, subscriber, channel) already has (a dead letter replayed after its
        update, a v2 arriving after v3): an older "update" after a newer one would tell the subscriber what it
        no longer says. Returns the ids that were new."""
        rows = list(deliveries)

        def work(db: Any) -> list[str]:
            new = []
            for d in rows:
                newer = db.execute("SELECT 1 FROM deliveries WHERE story_id=? AND subscriber=? AND channel=?"
                                   " AND version>? LIMIT 1", (d.story_id, d.subscriber, d.channel, int(d.version)))
                if newer.fetchone() is not None:
                    log.info("notify: %s/%s story %s v%d not queued: a later version is already there",
                             d.subscriber, d.channel, d.story_id, d.version)
                    continue
                cur = db.execute(
                    "INSERT INTO deliveries (id, story_id, subscriber, version, channel, channel_type, rule, alert,"
                    " status, attempts, created_at, next_attempt_at, batch) VALUES (?,?,?,?,?,?,?,?,?,0,?,?,?)"
                    " ON CONFLICT DO NOTHING",
                    (d.id, d.story_id, d.subscriber, int(d.version), d.channel, d.channel_type, d.rule, d.alert,
                     PENDING, max(now, d.due_at or now), now if d.due_at is None else d.due_at, d.batch),
                )
                if cur.rowcount == 1:
                    new.append(d.id)
            return new

        return self._write(work)

    def earlier_version(self, story_id: str, subscriber: str, channel: str, version: int) -> bool:
        """Whether an earlier version of the story went, or is going, to this subscriber's channel (parked ones
        did not reach it): if not, this version is the first the subscriber gets."""

        return bool(self._read("SELECT 1 FROM deliveries WHERE story_id=? AND subscriber=? AND channel=?"
                               " AND version<? AND status IN (?, ?) LIMIT 1",
                               (story_id, subscriber, channel, int(version), PENDING, DELIVERED)))

    def claim(self, delivery_id: str, now: float, lease: float) -> Delivery | None:
        """Take the right to attempt a pending delivery for `lease` seconds; None if it is not pending, not due,
        or another dispatcher holds it. The returned row has `attempts` already counting this attempt."""

        def work(db: Any) -> Delivery | None:
            # one guarded UPDATE: atomic on both backends (PostgreSQL re-checks the WHERE after a row lock wait)
            cur = db.execute(
                "UPDATE deliveries SET lease_owner=?, lease_until=?, attempts=attempts+1, last_attempt_at=?"
                f" WHERE id=? AND status=? AND next_attempt_at<=? AND {_LEASE_FREE}",
                (self.owner, now + lease, now, delivery_id, PENDING, now, now),
            )
            if cur.rowcount != 1:
                return None
            return Delivery(**dict(db.execute(f"{_SELECT} WHERE id=?", (delivery_id,)).fetchone()))

        return self._write(work)

    def claim_batch(self, subscriber: str, channel: str, batch: str, now: float, lease: float) -> list[Delivery]:
        """Claim every due, pending, unleased delivery of one digest batch in one transaction (the returned rows
        count this attempt). Empty if there is none or another dispatcher holds any of them."""

        def work(db: Any) -> list[Delivery]:
            rows = db.execute(
                "SELECT id, next_attempt_at, lease_until FROM deliveries WHERE subscriber=? AND channel=?"
                f" AND batch=? AND status=? ORDER BY seq{self.FOR_UPDATE}",
                (subscriber, channel, batch, PENDING)).fetchall()
            if not rows or any(r["lease_until"] is not None and r["lease_until"] > now for r in rows):
                return []
            ids = [r["id"] for r in rows if r["next_attempt_at"] <= now]
            if not ids:
                return []
            cur = db.execute(
                "UPDATE deliveries SET lease_owner=?, lease_until=?, attempts=attempts+1, last_attempt_at=?"
                f" WHERE id IN ({_marks(len(ids))}) AND status=? AND {_LEASE_FREE}",
                (self.owner, now + lease, now, *ids, PENDING, now))
            if cur.rowcount != len(ids):  # cannot happen with the lock above; never claim part of a batch
                raise _LostRace()
            found = db.execute(f"{_SELECT} WHERE id IN ({_marks(len(ids))}) ORDER BY seq", ids).fetchall()
            return [Delivery(**dict(r)) for r in found]

        try:
            return self._write(work)
        except _LostRace:
            return []

    def defer(self, ids: Iterable[str], until: float, now: float) -> int:
        """Push pending, unleased deliveries to `until` without an attempt (quiet hours began after they were
        enqueued). Returns how many moved."""
        id_list = list(ids)
        if not id_list:
            return 0
        return self._write(lambda db: db.execute(
            f"UPDATE deliveries SET next_attempt_at=?, created_at=CASE WHEN attempts=0 THEN {self.GREATEST}"
            f"(created_at, ?) ELSE created_at END WHERE id IN ({_marks(len(id_list))}) AND status=?"
            f" AND {_LEASE_FREE}", (until, until, *id_list, PENDING, now)).rowcount)

    def _finish(self, delivery_id: str | Iterable[str], now: float, outcome: str, sets: str, args: tuple,
                status: int | None, error: str | None, duration: float | None, release: bool = False) -> int:
        ids = [delivery_id] if isinstance(delivery_id, str) else list(delivery_id)

        def work(db: Any) -> int:  # all of a batch, or none
            destinations = set()
            for one in ids:
                cur = db.execute(
                    f"UPDATE deliveries SET {sets}, last_status=?, last_error=?, lease_owner=NULL, lease_until=NULL"
                    " WHERE id=? AND lease_owner=?",
                    (*args, status, error, one, self.owner),
                )
                if cur.rowcount != 1:
                    raise StoreError(f"delivery {one} is not leased by this store (lease ran out?)")
                row = db.execute("SELECT attempts, subscriber, channel FROM deliveries WHERE id=?", (one,)).fetchone()
                db.execute(_INSERT_ATTEMPT, (one, row["attempts"], now, outcome, status, error, duration))
                destinations.add((row["subscriber"], row["channel"]))
            released = 0
            if release:
                for subscriber, channel in sorted(destinations):
                    released += self._release(db, subscriber, channel, now)
            return released

        return self._write(work)

    def _release(self, db: Any, subscriber: str, channel: str, now: float) -> int:
        # only rows already tried at least once (attempts > 0): deliveries waiting for quiet hours to end or for a
        # digest period (attempts = 0) keep their time; a retry that falls in quiet hours is deferred again. Not
        # rows whose wait the destination set (Retry-After, e.g. 429): that is its instruction, not our backoff.
        # Only rows whose last failure looked like the endpoint being away (no HTTP answer: refused, timed out; or
        # 502/503/504): one it answered with another error (a 500 on this message), or one our own code failed
        # (INTERNAL_ERROR: rendering, a sender bug), is not cured by the endpoint being back, and releasing it after
        # every other success would spend its attempts in minutes
        return db.execute(
            "UPDATE deliveries SET next_attempt_at=? WHERE subscriber=? AND channel=? AND status=? AND attempts>0"
            f" AND next_attempt_at>? AND retry_after IS NULL AND {_LEASE_FREE}"
            f" AND (last_status IS NULL OR last_status IN ({','.join(map(str, OUTAGE_STATUSES))}))"
            " AND (last_error IS NULL OR last_error NOT LIKE ?)",
            (now, subscriber, channel, PENDING, now, now, INTERNAL_ERROR + "%")).rowcount

    def mark_delivered(self, delivery_id: str | Iterable[str], now: float, *, status: int | None = None,
                       duration: float | None = None, release: bool = True) -> int:
        """Record the delivery; with `release`, also make the destination's other deliveries that wait on a
        retry backoff due now (the endpoint answers again). Returns how many were released."""
        return self._finish(delivery_id, now, "delivered", "status=?, delivered_at=?", (DELIVERED, now), status,
                            None, duration, release=release)

    def mark_retry(self, delivery_id: str | Iterable[str], now: float, next_attempt_at: float, *,
                   status: int | None = None, error: str | None = None, duration: float | None = None,
                   parts_done: int | None = None, retry_after: float | None = None) -> None:
        """Schedule the next attempt; `retry_after` when the destination set the wait (then no recovery of the
        destination brings it forward)."""
        sets, args = "next_attempt_at=?, retry_after=?", (next_attempt_at, retry_after)
        if parts_done is not None:
            sets, args = sets + ", parts_done=?", (*args, parts_done)
        self._finish(delivery_id, now, "retry", sets, args, status, error, duration)

    def mark_parked(self, delivery_id: str | Iterable[str], now: float, *, outcome: str = "parked",
                    status: int | None = None, error: str | None = None, duration: float | None = None) -> None:
        self._finish(delivery_id, now, outcome, "status=?", (PARKED,), status, error, duration)

    def park_unclaimed(self, delivery_id: str, now: float, error: str) -> bool:
        """Park a pending delivery without an attempt (e.g. its subscriber was removed)."""

        def work(db: Any) -> bool:
            cur = db.execute(f"UPDATE deliveries SET status=?, last_error=? WHERE id=? AND status=? AND {_LEASE_FREE}",
                             (PARKED, error, delivery_id, PENDING, now))
            if cur.rowcount == 1:
                db.execute(_INSERT_ATTEMPT, (delivery_id, 0, now, "parked", None, error, None))
            return cur.rowcount == 1

        return self._write(work)

    def prune(self, before: float) -> int:
        """Delete the delivered and parked deliveries (and their attempt logs) whose last activity is older than
        `before`: the outbox stays bounded over months. Pending ones are never deleted. Returns how many went."""
        old = ("SELECT id FROM deliveries WHERE status IN (?, ?)"
               " AND COALESCE(delivered_at, last_attempt_at, created_at) < ?")
        args = (DELIVERED, PARKED, before)

        def work(db: Any) -> int:
            db.execute(f"DELETE FROM attempts WHERE delivery_id IN ({old})", args)
            return db.execute(f"DELETE FROM deliveries WHERE id IN ({old})", args).rowcount

        return self._write(work)

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
            where.append(f"id IN ({_marks(len(id_list))})")
            args.extend(id_list)
        return self._write(lambda db: db.execute(
            "UPDATE deliveries SET status=?, attempts=0, parts_done=0, next_attempt_at=?, created_at=?,"
            f" retry_after=NULL, lease_owner=NULL, lease_until=NULL WHERE {' AND '.join(where)}", (PENDING, now, now, *args)).rowcount)

    # ------------------------------------------------------------------ reads

    def _select(self, where: str, args: tuple = (), limit: int | None = None) -> list[Delivery]:
        sql = f"{_SELECT} WHERE {where} ORDER BY seq"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [Delivery(**dict(r)) for r in self._read(sql, args)]

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
        out = {PENDING: 0, DELIVERED: 0, PARKED: 0}
        out.update({r["status"]: int(r["n"]) for r in
                    self._read("SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status")})
        return out

    def next_due_at(self) -> float | None:
        return self._read("SELECT MIN(next_attempt_at) AS due FROM deliveries WHERE status=?", (PENDING,))[0]["due"]

    def attempts(self, delivery_id: str) -> list[dict]:
        rows = self._read("SELECT delivery_id, attempt, at, outcome, status, error, duration FROM attempts"
                          f" WHERE delivery_id=? ORDER BY {self.ATTEMPT_ORDER}", (delivery_id,))
        return [dict(r) for r in rows]

    def feed_rows(self, *, subscriber: str | None = None, rule: str | None = None, channel_type: str | None = None,
                  status: str | None = DELIVERED, limit: int = 50) -> list[Delivery]:
        """The newest delivery of each story (highest version) among the matching rows, newest first: what a
        feed shows. `rule` may be "*" for every rule. Only the newest `max(1000, 40 × limit)` matching rows are
        read: the outbox is never pruned, and a feed request must not read months of it."""
        where, args = ["1=1"], []
        for col, value in (("subscriber", subscriber), ("channel_type", channel_type), ("status", status)):
            if value is not None:
                where.append(f"{col}=?")
                args.append(value)
        if rule is not None and rule != "*":
            where.append("rule=?")
            args.append(rule)
        window = max(1000, 40 * max(0, int(limit)))
        rows = self._read(f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT {window}", args)
        best: dict[str, Delivery] = {}
        for r in rows:
            d = Delivery(**dict(r))
            kept = best.get(d.story_id)
            if kept is None or (d.version, d.seq) > (kept.version, kept.seq):
                best[d.story_id] = d
        ordered = sorted(best.values(), key=lambda d: (d.delivered_at or d.created_at, d.seq), reverse=True)
        return ordered[: max(0, int(limit))]


class DeliveryStore(OutboxStore):
    """The SQLite outbox (the default): one file; several processes on one host may share it (leases, busy
    timeout, BEGIN IMMEDIATE so one writer at a time)."""

    backend = "sqlite"

    def __init__(self, path: str | Path, *, busy_timeout: float = 10.0):
        super().__init__()
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed enqueue survives power loss, which the Kafka offset commit relies on
        self._db.execute("PRAGMA synchronous=FULL")
        self._create_schema()

    @property
    def target(self) -> str:
        return str(self.path)

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

    def _read(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, tuple(args)).fetchall()

    def _table_columns(self, db: Any, table: str) -> set[str]:
        return {r["name"] for r in db.execute(f"PRAGMA table_info({table})").fetchall()}

    def close(self) -> None:
        with self._lock:
            self._db.close()


class _PgCursor:
    """What the shared SQL needs of a connection: execute with `?` placeholders."""

    def __init__(self, conn: Any):
        self._conn = conn

    def execute(self, sql: str, args: Iterable[Any] = ()) -> Any:
        return self._conn.execute(sql.replace("?", "%s"), tuple(args))


class PostgresDeliveryStore(OutboxStore):
    """The PostgreSQL outbox (psycopg 3), for notifiers on several hosts sharing one outbox. Tables live in the
    connection's current schema (set it with `?options=-csearch_path%3Dbnwatch`). The connection is re-opened
    after it breaks (a database restart); the operation that saw the break is tried again once it is."""

    backend = "postgresql"
    GREATEST = "GREATEST"
    SCHEMA_TYPES = {"seq": "BIGSERIAL PRIMARY KEY", "real": "DOUBLE PRECISION",
                    "attempt_seq": "seq BIGSERIAL PRIMARY KEY,"}
    ATTEMPT_ORDER = "seq"
    # READ COMMITTED lets two transactions read the same unleased batch; the row locks make the second wait and
    # then see the first one's lease
    FOR_UPDATE = " FOR UPDATE"
    SCHEMA_LOCK = 0x626E7761746368  # pg_advisory_xact_lock key ("bnwatch") for concurrent first starts
    RECONNECT_TRIES = 3

    def __init__(self, dsn: str, *, connect_timeout: float = 10.0, application_name: str = "bnwatch-notify"):
        super().__init__()
        try:
            import psycopg
            from psycopg import errors
            from psycopg.conninfo import conninfo_to_dict
        except ImportError as exc:  # pragma: no cover - psycopg is a main dependency
            raise StoreError("a PostgreSQL outbox needs psycopg: pip install 'psycopg[binary]'") from exc
        self._psycopg = psycopg
        self._transient = (errors.DeadlockDetected, errors.SerializationFailure)
        self._dsn = dsn
        try:
            params = conninfo_to_dict(dsn)
        except psycopg.ProgrammingError:  # the message may quote the DSN: do not pass it on
            raise StoreError(f"invalid PostgreSQL URL {redact(dsn)}") from None
        self._connect_args: dict[str, Any] = {}
        if "connect_timeout" not in params:
            self._connect_args["connect_timeout"] = max(1, int(connect_timeout))
        if "application_name" not in params:
            self._connect_args["application_name"] = application_name
        self._closed = False
        self._db = self._connect()
        self._create_schema()
        log.info("notify outbox: PostgreSQL at %s", self.target)

    @property
    def target(self) -> str:
        return redact(self._dsn)

    def _connect(self) -> Any:
        from psycopg.rows import dict_row

        try:
            return self._psycopg.connect(self._dsn, autocommit=True, row_factory=dict_row, **self._connect_args)
        except self._psycopg.OperationalError as exc:
            raise StoreError(f"cannot connect to the outbox at {self.target}: {exc}".strip()) from exc

    def _live(self) -> Any:
        if self._closed:
            raise StoreError(f"outbox {self.target} is closed")
        if self._db.closed or self._db.broken:
            log.warning("notify outbox: connection to %s lost; reconnecting", self.target)
            self._db = self._connect()
        return self._db

    def _reconnecting(self, work: Callable[[Any], T]) -> T:
        for n in range(1, self.RECONNECT_TRIES + 1):
            conn = self._live()
            try:
                return work(conn)
            except self._psycopg.OperationalError:
                if not conn.broken or n == self.RECONNECT_TRIES:
                    raise
                time.sleep(0.2 * n)
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def _tx(self) -> Iterator[_PgCursor]:
        with self._lock:
            # READ COMMITTED (the default): every guarded UPDATE re-checks its WHERE on the newest row version
            conn = self._live()
            try:
                with conn.transaction():
                    yield _PgCursor(conn)
            except self._psycopg.OperationalError:
                if conn.broken:  # the next use reconnects
                    log.warning("notify outbox: connection to %s broke in a transaction", self.target)
                raise

    def _write(self, work: Callable[[Any], T]) -> T:
        for n in range(1, self.RECONNECT_TRIES + 1):
            try:
                return super()._write(work)
            except self._psycopg.OperationalError as exc:
                if not self._db.broken or isinstance(exc, self._transient) or n == self.RECONNECT_TRIES:
                    raise
                time.sleep(0.2 * n)
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(self, sql: str, args: Iterable[Any] = ()) -> list[dict]:
        params = tuple(args)
        with self._lock:
            return self._reconnecting(lambda c: c.execute(sql.replace("?", "%s"), params).fetchall())

    def _lock_schema(self, db: Any) -> None:
        db.execute("SELECT pg_advisory_xact_lock(?)", (self.SCHEMA_LOCK,))

    def _table_columns(self, db: Any, table: str) -> set[str]:
        rows = db.execute("SELECT column_name AS name FROM information_schema.columns"
                          " WHERE table_schema=current_schema() AND table_name=?", (table,)).fetchall()
        return {r["name"] for r in rows}

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._db.close()
