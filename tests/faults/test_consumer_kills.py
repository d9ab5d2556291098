"""Fault 2 — consumer processes SIGKILLed ten times at random points of a run (random stage, random delay; the
RNG seed is printed in any failure message and can be fixed with BNWATCH_FAULT_SEED): every replay article still
reaches the articles topic, every RU–NK story reaches the subscriber exactly once per version, and no consumer
exits on its own."""

from __future__ import annotations

import os
import random
import signal
import time

import pytest

from tests.faults.conftest import STAGES, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

KILLS = 10


def test_random_consumer_sigkills(kafka_bootstrap, pipeline_factory):
    seed = int(os.environ.get("BNWATCH_FAULT_SEED") or random.SystemRandom().randrange(2**32))
    rng = random.Random(seed)
    context = f"[seed {seed}] "
    p = pipeline_factory(kafka_bootstrap, delay=0.05)
    p.ensure_topics()
    p.start_consumers()
    crawl = p.start("crawl")
    kills = []
    t0 = time.monotonic()
    try:
        wait_for(lambda: p.crawled() >= 5, 60, "the crawl to start")
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.2, 3.0))
            stage = rng.choice(STAGES)
            p.kill(stage, signal.SIGKILL, timeout=10)
            kills.append((round(time.monotonic() - t0, 1), stage))
            if rng.random() < 0.3:
                time.sleep(rng.uniform(0.5, 3.0))  # sometimes the group has to notice the member is gone
            p.start(stage)
        assert crawl.wait(180) == 0, context + p.log("crawl").read_text()[-3000:]
        p.wait_all_alerts(180, context)
        time.sleep(8)  # duplicates or late versions would arrive now
        p.assert_consumers_alive()
    finally:
        p.stop_all()
    context += f"kills (s, stage): {kills}; "
    p.assert_exactly_once(context)
    p.assert_articles_complete(context)
    print(f"\n{context}done in {time.monotonic() - t0:.0f} s, {len(p.payloads())} deliveries")
