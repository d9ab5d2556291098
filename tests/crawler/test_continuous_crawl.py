"""The issue's acceptance test, over the real broker: `bnwatch crawl --follow` polls the outlet replay every 1–2 s
and is restarted twice (once with SIGTERM, once with SIGKILL) while articles are added and one published
article is edited. The raw-pages topic must end up with every article exactly once, one more record for the
edited article (the update), and nothing else."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from devtools.replay.server import ReplayServer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
EDITED = "সংশোধিত প্রতিবেদন: পিয়ংইয়ংয়ে নতুন বৈঠকের সময়সূচি ঘোষণা করা হয়েছে।"


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_follow_mode_across_restarts_publishes_each_article_once_and_the_edit_once(
        kafka_bootstrap, topics, read_topic, tmp_path):
    replay = ReplayServer(port=0).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BNWATCH_")}
    env.update({
        "BNWATCH_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "BNWATCH_TOPIC_PREFIX": topics.prefix,
        "BNWATCH_DATA_DIR": str(tmp_path / "data"),
        "BNWATCH_REPLAY_HOSTS": f"*=127.0.0.1:{replay.port}",
        "PYTHONUNBUFFERED": "1",
    })
    args = ["crawl", "--follow", "--outlets", ",".join(replay.sites), "--poll-interval", "1",
            "--poll-max-interval", "2"]
    logs = tmp_path / "logs"
    logs.mkdir()
    runs: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        log = (logs / f"crawl.{len(runs)}.log").open("w")
        p = subprocess.Popen([sys.executable, "-m", "bnwatch.cli", *args], cwd=ROOT, env=env, stdout=log,
                             stderr=subprocess.STDOUT)
        runs.append(p)
        return p

    def records(expected: int, timeout: float = 30):
        return read_topic(topics.raw_pages, expected, timeout=timeout, settle=0.3)

    def urls_published(expected: int, timeout: float = 30) -> list[str]:
        return [json.loads(r.value)["url"] for r in records(expected, timeout)]

    def wait_published(n: int, what: str) -> None:
        _wait(lambda: len(urls_published(n, timeout=2)) >= n, 40, what)

    try:
        initial = [a["url"] for a in replay.articles()]
        crawl = start()
        wait_published(len(initial), "the first pass")

        # new articles while it runs, found by the next polls
        replay.add_article("dailyinqilab", "রাশিয়া ও উত্তর কোরিয়ার নতুন চুক্তি", ["মস্কোতে বৈঠক হয়েছে।", "বিস্তারিত আসছে।"])
        replay.add_article("vietnamvn", "ভিয়েতনামে নতুন সেতু উদ্বোধন", ["হ্যানয়ে সেতুটি খুলে দেওয়া হলো।"],
                           slug="viet-nam-khanh-thanh-cau-moi-ha-noi")
        wait_published(len(initial) + 2, "the articles added while running")
        time.sleep(1.5)  # let the last acknowledgements reach the seen-store
        crawl.send_signal(signal.SIGTERM)
        assert crawl.wait(30) == 0, (logs / "crawl.0.log").read_text()[-3000:]

        # while it is down: one more article, and an edit of an article published in the first pass
        replay.add_article("somoyerkonthosor", "উত্তর কোরিয়ার সেনা রাশিয়ায়", ["প্রতিবেদনটি সময়ের কণ্ঠস্বরের।"])
        edited = next(u for u in initial if "dailyinqilab.com" in u)
        replay.edit_article(edited, paragraphs=[EDITED, "আগের প্রতিবেদনের তথ্য হালনাগাদ করা হয়েছে।"])
        crawl = start()
        wait_published(len(initial) + 4, "the article added while down and the update")
        time.sleep(2.0)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(10)

        replay.add_article("vietnamvn", "দা নাংয়ে পর্যটক বেড়েছে", ["পর্যটকের সংখ্যা বেড়েছে।"],
                           slug="da-nang-du-khach-tang-manh-nam-nay")
        crawl = start()
        wait_published(len(initial) + 5, "the article added after the hard kill")
        time.sleep(6)  # several polls at 1–2 s: anything republished would show up now
        crawl.send_signal(signal.SIGTERM)
        assert crawl.wait(30) == 0, (logs / "crawl.2.log").read_text()[-3000:]
        final = [a["url"] for a in replay.articles()]
    finally:
        for p in runs:
            if p.poll() is None:
                p.kill()
                p.wait(10)
        replay.stop()

    recs = records(len(final) + 1, timeout=20)
    counts = Counter(json.loads(r.value)["url"] for r in recs)
    assert len(final) == len(initial) + 4
    assert set(counts) == set(final), "every article, and nothing that is not one"
    repeated = {u: n for u, n in counts.items() if n != 1}
    assert repeated == {edited: 2}, f"only the edited article twice: {repeated}"
    assert len(recs) == len(final) + 1
    from bnwatch.records import RawPage

    bodies = [RawPage.from_json(r.value).body.decode("utf-8") for r in recs if json.loads(r.value)["url"] == edited]
    assert EDITED not in bodies[0] and EDITED in bodies[1], "the second record is the update"
    keys = {r.key for r in recs}
    assert len(keys) == len(final), "keyed by canonical URL"
