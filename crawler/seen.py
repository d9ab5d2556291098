"""The crawler's persistent memory of what it has published (SQLite, survives restarts).

An article is fetched again only when its discovery stamp (sitemap lastmod, feed date) changed or a re-check is
due, and published again only when its content changed, so a restarted crawler never republishes an unchanged
article.

"Content" is the article's title and body paragraphs as the outlet's selectors find them
(`bnwatch.extract.fingerprint`, versioned: see `SeenStore.content_unchanged`), not the page bytes: real article
pages change around the article all the time (masthead date, "latest news" and related lists, ad slots), and
that is not an update. When the selectors find nothing (layout changed,
no selectors yet) the whole page is compared instead.

Re-checks: an article published for the first time is fetched again at fixed ages (by default +1 h, +6 h and
+24 h after its first publication, with the validators it was served with), so an edit that the discovery
source does not stamp — a feed that only gives pubDate, a listing page — is still caught within its first day.

Marks are batched: an acknowledgement (`mark_published`, in the Kafka client's thread) queues its row, and the rows
are written in one transaction per `batch_size` acknowledgements or `batch_interval` seconds, on `flush()` and on
`close()`; listeners hear of a page only after its row is written, so the crawler's poll bookkeeping (which then
stores the discovery validators) never runs ahead of the seen-store. Any read or write of a URL whose mark is
queued writes the queue first. A crash loses at most the queued marks: those pages are fetched and published
again, never lost (at-least-once).

Rows read are remembered (the last `read_cache_size` of them, oldest forgotten first): the crawler reads an
article's row when it decides to fetch it (`needs_fetch`), to ask conditionally (`get`) and to compare the fetched
content (`content_unchanged`), and the last two are answered from memory. Every write through the store forgets
the rows it changes (marks when written, `touch`, `alias`, a re-based fingerprint, `advance_recheck`), so a
remembered row is the row on disk; this holds because the store is the only writer of its file (one crawler per
data dir). A URL found not to need fetching is not remembered.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from bnwatch.extract import Page, fingerprint, fingerprint_version

log = logging.getLogger(__name__)

DEFAULT_RECHECK_AFTER: tuple[float, ...] = (3600.0, 6 * 3600.0, 24 * 3600.0)

_COLUMNS = {
    "outlet": "TEXT",
    "fingerprint": "TEXT",
    "etag": "TEXT",
    "last_modified": "TEXT",
    "recheck_at": "REAL",
    "recheck_stage": "INTEGER",
}


@dataclass(frozen=True)
class SeenRow:
    url: str
    stamp: str | None
    body_hash: str | None
    fingerprint: str | None
    etag: str | None
    last_modified: str | None
    outlet: str | None
    first_published: float | None
    last_published: float | None
    recheck_at: float | None
    recheck_stage: int | None


@dataclass
class _Expected:
    outlet: str | None = None
    fingerprint: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    aliases: tuple[str, ...] = ()


_NOT_READ = object()
#: rows remembered by a SeenStore (module docstring): enough for every article scheduled but not yet parsed
READ_CACHE_SIZE = 8192
_SELECT_ROW = ("SELECT url, stamp, body_hash, fingerprint, etag, last_modified, outlet, first_published,"
               " last_published, recheck_at, recheck_stage FROM seen WHERE url=?")

Listener = Callable[[str, tuple[str, ...]], None]
BatchListener = Callable[[list[tuple[str, tuple[str, ...]]]], None]

_UPSERT = (
    "INSERT INTO seen(url, stamp, body_hash, first_published, last_published, outlet, fingerprint,"
    " etag, last_modified, recheck_at, recheck_stage) VALUES (?,?,?,?,?,?,?,?,?,?,0)"
    " ON CONFLICT(url) DO UPDATE SET stamp=excluded.stamp, body_hash=excluded.body_hash,"
    " last_published=excluded.last_published, outlet=COALESCE(excluded.outlet, seen.outlet),"
    " fingerprint=excluded.fingerprint, etag=excluded.etag, last_modified=excluded.last_modified")


class SeenStore:
    def __init__(self, path: str | Path, recheck_after: Iterable[float] = DEFAULT_RECHECK_AFTER, *,
                 batch_size: int = 64, batch_interval: float = 0.1, read_cache_size: int = READ_CACHE_SIZE):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL survives a process crash (what restarts test); it only risks the last transactions on a
        # power loss, and then the page is fetched and published again, never lost. FULL costs an fsync per page
        # on the crawler's reactor thread.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS seen (url TEXT PRIMARY KEY, stamp TEXT, body_hash TEXT,"
            " first_published REAL, last_published REAL)"
        )
        have = {r[1] for r in self._db.execute("PRAGMA table_info(seen)")}
        for name, kind in _COLUMNS.items():
            if name not in have:  # stores written before these columns existed keep working
                self._db.execute(f"ALTER TABLE seen ADD COLUMN {name} {kind}")
        self._db.execute("CREATE INDEX IF NOT EXISTS seen_recheck ON seen(recheck_at) WHERE recheck_at IS NOT NULL")
        self._lock = threading.Lock()
        self._closed = False
        self.recheck_after: tuple[float, ...] = tuple(sorted(float(x) for x in recheck_after))
        self._expected: dict[str, _Expected] = {}
        self._listeners: list[Listener] = []
        self._batch_listeners: list[BatchListener] = []
        self.batch_size = max(1, int(batch_size))
        self.batch_interval = float(batch_interval)
        self._queued: dict[str, tuple] = {}  # url -> its _UPSERT row, acknowledged but not written yet
        self._heard: list[tuple[str, tuple[str, ...]]] = []  # (url, aliases) for the listeners, same order
        self._wake = threading.Condition(self._lock)
        self._flusher: threading.Thread | None = None
        self.read_cache_size = max(0, int(read_cache_size))
        self._rows: dict[str, SeenRow | None] = {}  # url -> its row as last read (None: no row); insertion order

    @staticmethod
    def body_hash(body: bytes) -> str:
        return hashlib.sha256(body).hexdigest()[:32]

    # -- reading ---------------------------------------------------------------------------------------------
    def get(self, url: str) -> SeenRow | None:
        self._settle(url)
        with self._lock:
            return self._row(url)

    def needs_fetch(self, url: str, stamp: str | None) -> bool:
        """True for a URL never published, or one whose discovery stamp differs from the one recorded."""
        self._settle(url)
        with self._lock:
            row = self._row(url)
            if row is None:
                return True
            # a stamp where none was recorded (first published from a stampless listing) is fetched once,
            # conditionally, so the stamp gets recorded
            needed = stamp is not None and stamp != row.stamp
            if not needed:
                self._rows.pop(url, None)  # not fetched: nobody asks again soon
            return needed

    def is_unchanged(self, url: str, body: bytes) -> bool:
        row = self.get(url)
        return row is not None and row.body_hash == self.body_hash(body)

    def _row(self, url: str) -> SeenRow | None:
        """(with the lock held) `url`'s row, from memory when it was read since it was last written."""
        rows = self._rows
        row = rows.get(url, _NOT_READ)
        if row is _NOT_READ:
            found = self._db.execute(_SELECT_ROW, (url,)).fetchone()
            row = SeenRow(*found) if found else None
            if self.read_cache_size:
                if len(rows) >= self.read_cache_size:
                    del rows[next(iter(rows))]
                rows[url] = row
        return row

    def _forget_rows(self, urls: Iterable[str]) -> None:
        """(with the lock held) Rows about to change on disk are read again next time."""
        rows = self._rows
        if rows:
            for u in urls:
                rows.pop(u, None)

    def content_unchanged(self, url: str, fingerprint: str | None, body: bytes) -> bool:
        """True when `url` was published with this content: same fingerprint when both have one, else the same
        page bytes.

        Fingerprints carry their algorithm's version ("v2:…"; a value without a prefix is v1). Two versions
        cannot be compared, so a stored fingerprint of another version counts as unchanged and is replaced by
        the new one (`_adopt`): the first fetch after an upgrade re-bases the article, the next real edit is
        compared like with like and published. Without this, an upgrade would republish every stored article
        at its next re-check. The price: an edit made between the old release's last fetch and the new one's
        first is only published with the article's next change."""
        row = self.get(url)
        if row is None:
            return False
        if fingerprint is not None and row.fingerprint is not None:
            if fingerprint_version(fingerprint) != fingerprint_version(row.fingerprint):
                self._adopt(url, row.fingerprint, fingerprint)
                return True
            return fingerprint == row.fingerprint
        return row.body_hash == self.body_hash(body)

    def _adopt(self, url: str, old: str, new: str) -> None:
        """Replace a fingerprint of another algorithm version by the current one (see content_unchanged)."""
        with self._lock:
            if not self._closed:
                self._forget_rows((url,))
                self._db.execute("UPDATE seen SET fingerprint=? WHERE url=? AND fingerprint=?", (new, url, old))

    def count(self) -> int:
        self._settle()
        with self._lock:
            if self._closed:
                return 0
            return self._db.execute("SELECT COUNT(*) FROM seen").fetchone()[0]

    # -- writing ---------------------------------------------------------------------------------------------
    def expect(self, url: str, *, outlet: str | None = None, fingerprint: str | None = None,
               etag: str | None = None, last_modified: str | None = None, aliases: Iterable[str] = ()) -> None:
        """Details of a page about to be published, recorded by `mark_published(url, ...)` once the sink
        acknowledges it (the publishing pipeline only passes url, stamp and body). `aliases` are the URLs the
        page was requested as (before redirects), marked published too so discovery recognises them."""
        with self._lock:
            self._expected[url] = _Expected(outlet, fingerprint, etag, last_modified,
                                            tuple(a for a in aliases if a and a != url))

    def forget_expected(self, url: str) -> None:
        with self._lock:
            self._expected.pop(url, None)

    def add_listener(self, listener: Listener) -> None:
        """`listener(url, aliases)` is called (in whichever thread acknowledged) after a page was marked."""
        self._listeners.append(listener)

    def add_batch_listener(self, listener: BatchListener) -> None:
        """`listener([(url, aliases), ...])` once per written batch of marks (in the writing thread)."""
        self._batch_listeners.append(listener)

    def remove_listener(self, listener) -> None:
        for group in (self._listeners, self._batch_listeners):
            if listener in group:
                group.remove(listener)

    def mark_published(self, url: str, stamp: str | None, body: bytes, *, outlet: str | None = None,
                       fingerprint: str | None = None, etag: str | None = None,
                       last_modified: str | None = None) -> None:
        """The sink acknowledged `url`: queue its row (and its aliases') for the next batch (module docstring)."""
        now = time.time()
        body_hash = self.body_hash(body)
        with self._lock:
            exp = self._expected.pop(url, None) or _Expected()
            if self._closed:
                return
            first_recheck = now + self.recheck_after[0] if self.recheck_after else None
            for u in (url, *exp.aliases):
                self._queued[u] = (u, stamp, body_hash, now, now, outlet or exp.outlet, fingerprint or exp.fingerprint,
                                   etag or exp.etag, last_modified or exp.last_modified, first_recheck)
            self._heard.append((url, exp.aliases))
            if len(self._heard) < self.batch_size:
                if self._flusher is None:
                    self._flusher = threading.Thread(target=self._flush_every_interval, name="seen-store-marks",
                                                     daemon=True)
                    self._flusher.start()
                elif len(self._heard) == 1:
                    self._wake.notify()
                return
        self.flush()

    def flush(self) -> None:
        """Write the queued marks in one transaction, then tell the listeners."""
        with self._lock:
            heard = self._write_queued()
        self._tell(heard)

    def _settle(self, *urls: str) -> None:
        """Write the queue first when it holds one of `urls` (any URL when none given)."""
        if self._queued and (not urls or any(u in self._queued for u in urls)):
            self.flush()

    def _write_queued(self) -> list[tuple[str, tuple[str, ...]]]:
        """(with the lock held) The queued rows into SQLite; what the listeners are owed."""
        if not self._heard:
            return []
        if self._closed:
            return []
        rows, heard = list(self._queued.values()), self._heard
        self._forget_rows(self._queued)
        self._db.execute("BEGIN")
        try:
            self._db.executemany(_UPSERT, rows)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise  # the queue stays: the next flush writes it
        self._db.execute("COMMIT")
        self._queued, self._heard = {}, []
        return heard

    def _tell(self, heard: list[tuple[str, tuple[str, ...]]]) -> None:
        if not heard:
            return
        for listener in list(self._batch_listeners):
            try:
                listener(heard)
            except Exception:  # noqa: BLE001 - a listener must not break the sink's acknowledgement
                pass
        for listener in list(self._listeners):
            for url, aliases in heard:
                try:
                    listener(url, aliases)
                except Exception:  # noqa: BLE001
                    pass

    def _flush_every_interval(self) -> None:
        """The marks' timer: a queue is written at most `batch_interval` seconds after its first mark."""
        while True:
            with self._lock:
                while not self._heard and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
            time.sleep(self.batch_interval)
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the thread must go on; the next mark or close() writes again
                if not self._closed:
                    log.exception("seen-store: writing %d queued marks failed; they are written with the next",
                                  len(self._queued))

    def touch(self, url: str, stamp: str | None = None, *, etag: str | None = None,
              last_modified: str | None = None) -> None:
        """An already published article was fetched again and found unchanged: remember the new discovery stamp
        and validators (so it is not fetched again for the same stamp), without publishing."""
        self._settle(url)
        with self._lock:
            if self._closed:
                return
            self._forget_rows((url,))
            self._db.execute(
                "UPDATE seen SET stamp=COALESCE(?, stamp), etag=COALESCE(?, etag),"
                " last_modified=COALESCE(?, last_modified) WHERE url=?", (stamp, etag, last_modified, url))

    def alias(self, url: str, target: str, stamp: str | None = None) -> bool:
        """Record `url` (which redirects to the published `target`) as published with `target`'s content, so
        discovery stops requesting it. False when `target` is not published (yet)."""
        self._settle(url, target)
        with self._lock:
            if self._closed:
                return False
            self._forget_rows((url,))
            cur = self._db.execute(
                "INSERT INTO seen(url, stamp, body_hash, first_published, last_published, outlet, fingerprint, etag,"
                " last_modified, recheck_at, recheck_stage) SELECT ?, ?, body_hash, first_published, last_published,"
                " outlet, fingerprint, NULL, NULL, NULL, NULL FROM seen WHERE url=? ON CONFLICT(url) DO UPDATE SET"
                " stamp=excluded.stamp, body_hash=excluded.body_hash, fingerprint=excluded.fingerprint",
                (url, stamp, target))
            return cur.rowcount > 0

    # -- re-checks -------------------------------------------------------------------------------------------
    def due_rechecks(self, now: float | None = None, limit: int = 50) -> list[tuple[str, str | None]]:
        """(url, outlet) of published articles whose next re-check is due, oldest due first."""
        now = time.time() if now is None else now
        self._settle()
        with self._lock:
            if self._closed:
                return []
            rows = self._db.execute(
                "SELECT url, outlet FROM seen WHERE recheck_at IS NOT NULL AND recheck_at<=? ORDER BY recheck_at"
                " LIMIT ?", (now, limit)).fetchall()
        return [(u, o) for u, o in rows]

    def advance_recheck(self, url: str) -> float | None:
        """Move `url` to its next re-check (relative to its first publication); None when it had its last."""
        self._settle(url)
        with self._lock:
            if self._closed:
                return None
            self._forget_rows((url,))
            row = self._db.execute("SELECT first_published, recheck_stage FROM seen WHERE url=?", (url,)).fetchone()
            if row is None:
                return None
            first, stage = row[0] or time.time(), (row[1] or 0) + 1
            due = None
            while stage < len(self.recheck_after):
                due = first + self.recheck_after[stage]
                if due > time.time():
                    break
                stage, due = stage + 1, None  # a stage already past (the crawler was down): skip to the next
            self._db.execute("UPDATE seen SET recheck_at=?, recheck_stage=? WHERE url=?", (due, stage, url))
            return due

    def close(self) -> None:
        """Write the queued marks, then close: a mark queued up to the moment the store closes is written too (the
        write and the close happen under one lock)."""
        with self._lock:
            if self._closed:
                return
            heard = self._write_queued()
            self._closed = True
            self._rows.clear()
            self._wake.notify_all()
            self._db.close()
        self._tell(heard)


# -- content fingerprint ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Selectors:
    selectors: dict
    drop: tuple
    boilerplate_text: tuple


def content_fingerprint(body: bytes, selectors: dict[str, str], drop: Iterable[str] = (),
                        boilerplate: Iterable[str] = (), encoding: str = "utf-8") -> str | None:
    """bnwatch.extract.fingerprint for bare selectors (the crawler passes its Outlet directly); the page bytes
    are read as `encoding`, undecodable bytes replaced."""
    outlet = _Selectors(dict(selectors), tuple(drop), tuple(boilerplate))
    return fingerprint(Page(body.decode(encoding, errors="replace")), outlet)
