"""When to poll each discovery source again, and the validators for conditional GET — persisted in SQLite next to
the seen-store, so a restarted crawler resumes its schedule instead of hammering every source at once.

The poll interval adapts per source (multiplicative increase / decrease, like a feed reader's):

* a poll that found new articles shortens it (×0.75 for one new article, ×0.5 for more: we are polling too
  slowly if several arrived since the last poll);
* a successful poll that found nothing new — a 304 Not Modified, or a document listing only known articles —
  lengthens it (×1.5);
* a failed poll (timeout, HTTP error, unparseable document) leaves the learned interval alone but delays the
  next attempt exponentially (interval × 2^failures), so a broken source is not hammered;

always within the source's bounds [min, max], and each delay gets ±10 % jitter so thirty outlets' sources do not
fall into lock-step.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SHRINK_ONE = 0.75
SHRINK_MANY = 0.5
GROW = 1.5
JITTER = 0.1
MAX_BACKOFF_DOUBLINGS = 6


@dataclass(frozen=True)
class Bounds:
    """A source's poll interval: where it starts and the range it adapts within (seconds)."""

    start: float
    min: float
    max: float

    def clamp(self, value: float) -> float:
        return min(self.max, max(self.min, value))


def adapt_interval(current: float, new_articles: int, ok: bool, bounds: Bounds) -> float:
    """The source's next learned interval after one poll."""
    if not ok:
        return bounds.clamp(current)
    if new_articles >= 2:
        current *= SHRINK_MANY
    elif new_articles == 1:
        current *= SHRINK_ONE
    else:
        current *= GROW
    return bounds.clamp(current)


def next_delay(interval: float, failures: int, bounds: Bounds, rng: random.Random | None = None) -> float:
    """Seconds until the next poll: the interval, backed off after consecutive failures, with ±10 % jitter."""
    delay = interval * (2 ** min(failures, MAX_BACKOFF_DOUBLINGS)) if failures else interval
    delay = min(delay, max(bounds.max, interval))
    r = (rng or random).uniform(-JITTER, JITTER)
    return max(0.0, delay * (1 + r))


@dataclass
class SourceState:
    """What the crawler remembers about one discovery source (keyed by outlet id and the source's URL)."""

    outlet: str
    url: str
    interval: float
    next_poll: float = 0.0
    failures: int = 0
    last_poll: float | None = None
    last_ok: float | None = None
    last_new: float | None = None
    #: child documents of a sitemap index, re-polled when the index itself answers 304
    children: list[str] = field(default_factory=list)

    def due(self, now: float) -> bool:
        return self.next_poll <= now


class Schedule:
    """SQLite-backed source states and per-document validators (ETag / Last-Modified)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL survives a process crash (what restarts test); it only risks the last transactions on a
        # power loss, and then the page is fetched and published again, never lost. FULL costs an fsync per page
        # on the crawler's reactor thread.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS sources (outlet TEXT, url TEXT, interval REAL, next_poll REAL,"
            " failures INTEGER, last_poll REAL, last_ok REAL, last_new REAL, children TEXT,"
            " PRIMARY KEY (outlet, url))"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS validators (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT,"
            " stored REAL)"
        )
        self._lock = threading.Lock()
        self._closed = False

    # -- sources ---------------------------------------------------------------------------------------------
    def load(self, outlet: str, url: str, bounds: Bounds, now: float | None = None) -> SourceState:
        """The stored state of a source, its interval clamped to today's bounds and its next poll no later than
        one max-interval from now (so lowering the bounds takes effect on restart); a fresh state if unknown."""
        now = time.time() if now is None else now
        with self._lock:
            row = self._db.execute(
                "SELECT interval, next_poll, failures, last_poll, last_ok, last_new, children FROM sources"
                " WHERE outlet=? AND url=?", (outlet, url)).fetchone()
        if row is None:
            return SourceState(outlet, url, bounds.clamp(bounds.start), next_poll=0.0)
        interval, next_poll, failures, last_poll, last_ok, last_new, children = row
        return SourceState(outlet, url, bounds.clamp(interval or bounds.start),
                           next_poll=min(next_poll or 0.0, now + bounds.max), failures=failures or 0,
                           last_poll=last_poll, last_ok=last_ok, last_new=last_new,
                           children=json.loads(children) if children else [])

    def save(self, state: SourceState) -> None:
        with self._lock:
            if self._closed:
                return
            self._db.execute(
                "INSERT INTO sources(outlet, url, interval, next_poll, failures, last_poll, last_ok, last_new,"
                " children) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(outlet, url) DO UPDATE SET"
                " interval=excluded.interval, next_poll=excluded.next_poll, failures=excluded.failures,"
                " last_poll=excluded.last_poll, last_ok=excluded.last_ok, last_new=excluded.last_new,"
                " children=excluded.children",
                (state.outlet, state.url, state.interval, state.next_poll, state.failures, state.last_poll,
                 state.last_ok, state.last_new, json.dumps(state.children) if state.children else None))

    # -- validators ------------------------------------------------------------------------------------------
    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) last stored for a discovery document, or (None, None)."""
        with self._lock:
            if self._closed:
                return None, None
            row = self._db.execute("SELECT etag, last_modified FROM validators WHERE url=?", (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        with self._lock:
            if self._closed:
                return
            if etag is None and last_modified is None:
                self._db.execute("DELETE FROM validators WHERE url=?", (url,))
                return
            self._db.execute(
                "INSERT INTO validators(url, etag, last_modified, stored) VALUES (?,?,?,?) ON CONFLICT(url)"
                " DO UPDATE SET etag=excluded.etag, last_modified=excluded.last_modified, stored=excluded.stored",
                (url, etag, last_modified, time.time()))

    def clear_validators(self, url: str) -> None:
        self.set_validators(url, None, None)

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()
