"""The crawler's persistent memory of what it has published (SQLite, survives restarts).

An article is fetched again only when its discovery stamp (sitemap lastmod, feed date) changed, and published
again only when its body changed, so a restarted crawler never republishes an unchanged article.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from pathlib import Path


class SeenStore:
    def __init__(self, path: str | Path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS seen (url TEXT PRIMARY KEY, stamp TEXT, body_hash TEXT,"
            " first_published REAL, last_published REAL)"
        )
        self._lock = threading.Lock()

    @staticmethod
    def body_hash(body: bytes) -> str:
        return hashlib.sha256(body).hexdigest()[:32]

    def needs_fetch(self, url: str, stamp: str | None) -> bool:
        """True for a URL never published, or one whose discovery stamp changed since it was."""
        with self._lock:
            row = self._db.execute("SELECT stamp FROM seen WHERE url=?", (url,)).fetchone()
        if row is None:
            return True
        return stamp is not None and row[0] is not None and stamp != row[0]

    def is_unchanged(self, url: str, body: bytes) -> bool:
        with self._lock:
            row = self._db.execute("SELECT body_hash FROM seen WHERE url=?", (url,)).fetchone()
        return row is not None and row[0] == self.body_hash(body)

    def mark_published(self, url: str, stamp: str | None, body: bytes) -> None:
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT INTO seen(url, stamp, body_hash, first_published, last_published) VALUES (?,?,?,?,?)"
                " ON CONFLICT(url) DO UPDATE SET stamp=excluded.stamp, body_hash=excluded.body_hash,"
                " last_published=excluded.last_published",
                (url, stamp, self.body_hash(body), now, now),
            )

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM seen").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
