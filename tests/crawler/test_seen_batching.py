"""Seen-store marks are batched (crawler/seen.py): written in one transaction per batch_size acknowledgements or
batch_interval seconds, on flush() and close(); listeners hear only of written marks; reads see queued marks."""

import sqlite3
import threading
import time

from crawler.seen import SeenStore


def _on_disk(path) -> set[str]:
    """What another connection (a restarted crawler) would read."""
    db = sqlite3.connect(str(path))
    try:
        return {r[0] for r in db.execute("SELECT url FROM seen")}
    finally:
        db.close()


def test_a_full_batch_is_written_in_one_go_and_then_heard(tmp_path):
    store = SeenStore(tmp_path / "seen.sqlite", batch_size=3, batch_interval=60)
    batches = []
    store.add_batch_listener(lambda marked: batches.append([u for u, _a in marked]))
    store.mark_published("https://x.test/a", None, b"a")
    store.mark_published("https://x.test/b", None, b"b")
    assert _on_disk(store.path) == set() and batches == []
    store.mark_published("https://x.test/c", None, b"c")
    assert _on_disk(store.path) == {"https://x.test/a", "https://x.test/b", "https://x.test/c"}
    assert batches == [["https://x.test/a", "https://x.test/b", "https://x.test/c"]]
    store.close()


def test_a_partial_batch_is_written_within_the_interval(tmp_path):
    store = SeenStore(tmp_path / "seen.sqlite", batch_size=1000, batch_interval=0.05)
    heard = threading.Event()
    store.add_listener(lambda url, aliases: heard.set())
    store.expect("https://x.test/a", aliases=("https://x.test/a-old",))
    store.mark_published("https://x.test/a", "s1", b"a")
    assert heard.wait(5), "the timer wrote the mark"
    assert _on_disk(store.path) == {"https://x.test/a", "https://x.test/a-old"}
    store.close()


def test_reads_and_writes_of_a_queued_url_see_its_mark(tmp_path):
    store = SeenStore(tmp_path / "seen.sqlite", batch_size=1000, batch_interval=60)
    store.mark_published("https://x.test/a", "s1", b"a", fingerprint="v3:aa")
    assert not store.needs_fetch("https://x.test/a", "s1")
    store.mark_published("https://x.test/b", "s1", b"b")
    store.touch("https://x.test/b", "s2")  # must not be overwritten by the queued insert
    assert store.get("https://x.test/b").stamp == "s2"
    assert store.count() == 2
    store.close()


def test_close_writes_the_queued_marks(tmp_path):
    store = SeenStore(tmp_path / "seen.sqlite", batch_size=1000, batch_interval=60)
    for i in range(10):
        store.mark_published(f"https://x.test/{i}", None, b"p")
    assert _on_disk(store.path) == set()
    store.close()
    assert len(_on_disk(store.path)) == 10
    reopened = SeenStore(tmp_path / "seen.sqlite")
    assert not reopened.needs_fetch("https://x.test/9", None)
    reopened.close()


def test_marks_from_many_threads_are_all_written_and_heard_once(tmp_path):
    store = SeenStore(tmp_path / "seen.sqlite", batch_size=7, batch_interval=0.01)
    heard: list[str] = []
    store.add_batch_listener(lambda marked: heard.extend(u for u, _a in marked))

    def ack(start: int) -> None:
        for i in range(start, start + 50):
            store.mark_published(f"https://x.test/{i}", None, b"p")

    threads = [threading.Thread(target=ack, args=(k * 50,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deadline = time.monotonic() + 5
    while len(heard) < 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(heard) == sorted(f"https://x.test/{i}" for i in range(200))
    store.close()
    assert len(_on_disk(store.path)) == 200
