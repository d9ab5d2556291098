"""The seen-store answers repeated reads of a row from memory (crawler/seen.py): the crawler reads an article's
row once per fetch instead of three times, and every write through the store makes the next read go to disk."""

import sqlite3
import time

from crawler.seen import SeenStore


def _selects(store: SeenStore) -> list[str]:
    seen: list[str] = []
    store._db.set_trace_callback(lambda sql: seen.append(sql) if sql.lstrip().upper().startswith("SELECT") else None)
    return seen


def test_one_read_per_fetched_article(tmp_path):
    store = SeenStore(tmp_path / "seen.sqlite")
    url = "https://x.test/news/1"
    store.mark_published(url, "s1", b"old page", fingerprint="v3:aaaa", etag='"1"')
    store.flush()
    selects = _selects(store)
    assert store.needs_fetch(url, "s2")                 # discovery: the stamp changed
    assert store.get(url).etag == '"1"'                 # the conditional request
    assert not store.content_unchanged(url, "v3:bbbb", b"new page")  # the fetched page
    assert len(selects) == 1, selects
    store.close()


def test_a_new_url_is_read_once_too(tmp_path):
    store = SeenStore(tmp_path / "seen.sqlite")
    selects = _selects(store)
    url = "https://x.test/news/new"
    assert store.needs_fetch(url, None) and store.get(url) is None
    assert not store.content_unchanged(url, "v3:aaaa", b"page")
    assert not store.is_unchanged(url, b"page")
    assert len(selects) == 1
    store.close()


def test_every_write_is_read_back(tmp_path):
    store = SeenStore(tmp_path / "seen.sqlite", recheck_after=(3600, 7200))
    url, other = "https://x.test/a", "https://x.test/b"
    assert store.get(url) is None and store.needs_fetch(url, "s1")
    store.expect(url, fingerprint="v3:aaaa", etag='"1"')
    store.mark_published(url, "s1", b"page")               # queued: a read writes the queue first
    assert store.get(url).fingerprint == "v3:aaaa"
    assert not store.needs_fetch(url, "s1")

    store.mark_published(url, "s1", b"page", fingerprint="v3:aaaa")
    store.flush()                                        # written by a flush (the timer, a full batch)
    assert store.get(url).last_published is not None

    store.touch(url, "s2", etag='"2"')
    assert (store.get(url).stamp, store.get(url).etag) == ("s2", '"2"')

    assert store.content_unchanged(url, "v2:cccc", b"other bytes")  # another version: re-based
    assert store.get(url).fingerprint == "v2:cccc"

    stage = store.get(url).recheck_stage
    store.advance_recheck(url)
    assert store.get(url).recheck_stage == stage + 1

    assert store.get(other) is None
    assert store.alias(other, url, "s9")
    assert store.get(other).stamp == "s9"
    store.close()


def test_a_mark_written_by_another_thread_is_read_back(tmp_path):
    store = SeenStore(tmp_path / "seen.sqlite", batch_size=1000, batch_interval=0.02)
    url = "https://x.test/timer"
    assert store.get(url) is None
    store.mark_published(url, None, b"page")
    deadline = time.monotonic() + 5
    while store._queued and time.monotonic() < deadline:  # the timer thread writes it
        time.sleep(0.01)
    assert not store._queued
    assert store.get(url) is not None
    store.close()


def test_memory_is_bounded_and_urls_not_fetched_are_not_kept(tmp_path):
    store = SeenStore(tmp_path / "seen.sqlite", read_cache_size=3)
    for n in range(10):
        store.get(f"https://x.test/{n}")
    assert len(store._rows) == 3 and list(store._rows) == [f"https://x.test/{n}" for n in (7, 8, 9)]
    store.mark_published("https://x.test/known", "s1", b"x")
    store.flush()
    assert not store.needs_fetch("https://x.test/known", "s1")
    assert "https://x.test/known" not in store._rows
    off = SeenStore(tmp_path / "off.sqlite", read_cache_size=0)
    off.get("https://x.test/1")
    assert off._rows == {}
    store.close()
    off.close()


def test_what_is_on_disk_is_what_the_store_answers(tmp_path):
    """A restarted crawler (another connection) reads the same rows the running one answered from memory."""
    store = SeenStore(tmp_path / "seen.sqlite")
    url = "https://x.test/disk"
    store.get(url)
    store.mark_published(url, "s1", b"page", fingerprint="v3:aaaa")
    store.touch(url, "s2")
    answered = store.get(url)
    db = sqlite3.connect(str(store.path))
    try:
        on_disk = db.execute("SELECT stamp, fingerprint FROM seen WHERE url=?", (url,)).fetchone()
    finally:
        db.close()
    assert (answered.stamp, answered.fingerprint) == on_disk == ("s2", "v3:aaaa")
    store.close()
