"""Fault 5 — graceful shutdown on SIGTERM.

* A consumer SIGTERMed while it has a backlog finishes and commits the batch in hand, exits 0, and after a
  restart in the same group nothing is lost and — a graceful stop redelivers nothing — nothing is duplicated,
  on any topic or at the subscriber.
* The crawler SIGTERMed mid-crawl flushes what it handed to Kafka: the pages acknowledged by the broker are
  exactly the pages marked published in the seen-store; a restarted crawl republishes none of them and misses
  none of the rest.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from collections import Counter

import pytest

from tests.faults.conftest import STAGES, read_all, topic_size, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def _committed_lag(bootstrap: str, group: str, topic: str) -> int:
    from bnwatch.kafka_client import consumer_lag

    try:
        return sum(consumer_lag(bootstrap, group, topic).values())
    except Exception:
        return 0


def test_consumers_sigterm_mid_batch_commit_and_lose_nothing(kafka_bootstrap, pipeline_factory):
    p = pipeline_factory(kafka_bootstrap, delay=0.02)
    p.ensure_topics()
    p.start_consumers()
    p.start("crawl")
    t0 = time.monotonic()
    stopped = {}
    try:
        for stage in STAGES:
            topic = p.topics.stage_io(stage)[0]
            group = f"{p.prefix}{stage}"
            # SIGTERM while the stage is behind: records in its input that it has not committed yet
            try:
                wait_for(lambda: _committed_lag(kafka_bootstrap, group, topic) > 0, 45,
                         f"a backlog in front of {stage}", interval=0.1)
                backlog = True
            except AssertionError:
                backlog = False  # caught up already: the SIGTERM then lands between batches
            began = time.monotonic()
            rc = p.kill(stage, signal.SIGTERM, timeout=60)
            stopped[stage] = (rc, round(time.monotonic() - began, 1), "backlog" if backlog else "idle")
            assert rc == 0, f"{stage} exited {rc} on SIGTERM:\n{p.log(stage).read_text()[-3000:]}"
            assert "stopping after the current batch" in p.log(stage).read_text()
            p.start(stage)
        assert p.procs["crawl"].wait(180) == 0, p.log_text("crawl")[-3000:]
        p.wait_all_alerts(120)
        time.sleep(6)  # a duplicate would arrive now
        p.assert_consumers_alive()
    finally:
        p.stop_all()
    p.assert_exactly_once()
    p.assert_articles_complete()
    # graceful stops redeliver nothing: every record appears once on every stage's output topic
    for topic in (p.topics.articles, p.topics.tagged):
        urls = Counter(json.loads(r.value)["url"] for r in read_all(kafka_bootstrap, topic, timeout=10))
        dupes = {u: n for u, n in urls.items() if n > 1}
        assert not dupes, f"{topic}: redelivered after a graceful stop: {dupes}"
    alerts = Counter(json.loads(r.value)["id"] for r in read_all(kafka_bootstrap, p.topics.alerts, timeout=10))
    assert all(n == 1 for n in alerts.values()), f"alerts topic: {alerts}"
    print(f"SIGTERM (exit code, seconds to exit) per stage: {stopped}; total {time.monotonic() - t0:.0f} s")


def _published(data_dir) -> set[str]:
    db = sqlite3.connect(str(data_dir / "crawler" / "seen.sqlite"))
    try:
        return {r[0] for r in db.execute("SELECT url FROM seen WHERE last_published IS NOT NULL")}
    finally:
        db.close()


def test_crawler_sigterm_flushes_and_restart_republishes_nothing(kafka_bootstrap, pipeline_factory):
    p = pipeline_factory(kafka_bootstrap, delay=0.5)
    p.ensure_topics()
    crawl = p.start("crawl")
    wait_for(lambda: topic_size(kafka_bootstrap, p.topics.raw_pages) >= 30 or crawl.poll() is not None, 120,
             "30 pages published")
    assert crawl.poll() is None, "the crawl finished before it could be interrupted; slow the proxy down"
    began = time.monotonic()
    rc = p.kill("crawl", signal.SIGTERM, timeout=90)
    took = time.monotonic() - began
    log = p.log("crawl").read_text()
    assert rc == 0, f"crawl exited {rc} on SIGTERM:\n{log[-3000:]}"
    first = [json.loads(r.value)["url"] for r in read_all(kafka_bootstrap, p.topics.raw_pages, timeout=10)]
    marked = _published(p.data_dir)
    assert first, "nothing was published before the SIGTERM"
    assert len(first) == len(set(first)), "one crawl published a page twice"
    # acknowledged by Kafka == marked published (aliases: a page requested under another URL is marked under both)
    assert set(first) <= marked, f"acknowledged but not marked published: {sorted(set(first) - marked)[:5]}"
    all_articles = p.article_urls()
    assert not (all_articles <= set(first)), "the interrupted crawl should not have finished everything"

    p.proxy.delay = 0.0
    crawl = p.start("crawl")
    assert crawl.wait(180) == 0, p.log("crawl").read_text()[-3000:]
    records = read_all(kafka_bootstrap, p.topics.raw_pages, expected=len(first) + 1, timeout=20)
    urls = [json.loads(r.value)["url"] for r in records]
    counts = Counter(urls)
    republished = {u: n for u, n in counts.items() if n > 1}
    assert not republished, f"pages published again after the restart: {sorted(republished)[:10]}"
    missing = all_articles - set(urls)
    assert not missing, f"{len(missing)} articles never published: {sorted(missing)[:10]}"
    print(f"crawler: SIGTERM after {len(first)} acknowledged pages, exit in {took:.1f} s; "
          f"{len(marked)} URLs marked published; restart published {len(urls) - len(first)} more")
