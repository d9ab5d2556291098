"""Fault 1 — the broker stopped (SIGTERM) and restarted mid-crawl and mid-consume, on a dedicated LocalKafka (the
session broker is never restarted). Crawl + the four consumers + replay + webhook subscriber: producers buffer or
retry and resume, consumers reconnect; every replay article reaches the articles topic at least once, every RU–NK
story reaches the subscriber exactly once per version, and no process exits or hangs."""

from __future__ import annotations

import os
import time

import pytest

from tests.faults.conftest import topic_size, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.timeout(360)]

#: seconds the broker stays down (between stop() returning and start())
DOWN = float(os.environ.get("BNWATCH_FAULT_BROKER_DOWN", "8"))


def test_broker_restart_mid_crawl_and_consume(dedicated_kafka, pipeline_factory):
    bootstrap = dedicated_kafka.bootstrap
    p = pipeline_factory(bootstrap, delay=0.1)
    p.ensure_topics()
    p.start_consumers()
    crawl = p.start("crawl")
    t0 = time.monotonic()
    try:
        # pages flowing: some published, some already through clean
        wait_for(lambda: topic_size(bootstrap, p.topics.raw_pages) >= 20, 90, "20 pages published")
        wait_for(lambda: topic_size(bootstrap, p.topics.articles) >= 1, 60, "the first article")
        assert crawl.poll() is None, "the crawl finished before the broker could be stopped"
        at_stop = (topic_size(bootstrap, p.topics.raw_pages), topic_size(bootstrap, p.topics.articles))
        stopped_at = time.monotonic() - t0
        dedicated_kafka.stop()
        time.sleep(DOWN)
        assert all(rc is None for rc in p.alive().values()), f"a process died with the broker: {p.alive()}"
        dedicated_kafka.start()
        restarted_at = time.monotonic() - t0
        assert crawl.wait(240) == 0, p.log("crawl").read_text()[-4000:]
        p.wait_all_alerts(180)
        time.sleep(8)
        p.assert_consumers_alive()
    finally:
        p.stop_all()
    p.assert_exactly_once()
    p.assert_articles_complete()
    print(f"\nbroker stopped at {stopped_at:.0f} s (raw pages, articles so far: {at_stop}), back at "
          f"{restarted_at:.0f} s; everything delivered, {time.monotonic() - t0:.0f} s in all")
