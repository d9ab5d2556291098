"""RawPage items through Scrapy's own feed exports: `scrapy crawl outlets -O pages.jsonl` over the outlet replay
writes every published page, body as base64, each line the Kafka record without kind/schema_version."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

from bnwatch.records import SCHEMA_VERSION, RawPage
from devtools.replay.server import ReplayServer

ROOT = Path(__file__).resolve().parents[2]
OUTLET = "dailyinqilab"  # discovered through its news sitemap and a listing page


def test_scrapy_crawl_exports_the_raw_pages_it_publishes(crawler_tools, tmp_path):
    feed = tmp_path / "pages.jsonl"
    with ReplayServer(port=0) as replay:
        env = crawler_tools.env(tmp_path, BNWATCH_REPLAY_HOSTS=f"*=127.0.0.1:{replay.port}")
        expected = sorted(a["url"] for a in replay.articles() if a["outlet"] == OUTLET)
        proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "outlets", "-a", f"outlets={OUTLET}",
                               "-O", str(feed)], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "not JSON serializable" not in proc.stderr
    lines = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
    assert expected and sorted(line["url"] for line in lines) == expected
    assert sorted(crawler_tools.spool_urls(tmp_path)) == expected, "published as well as exported"
    for line in lines:
        assert set(line) == {"url", "canonical_url", "outlet", "fetched_at", "status", "headers",
                             "declared_encoding", "body", "discovery", "discovered_at"}
        assert line["outlet"] == OUTLET and line["status"] == 200
        assert b"</html>" in base64.b64decode(line["body"], validate=True)
        # the same record format as on Kafka: it reads back as a RawPage
        page = RawPage.from_dict({**line, "kind": RawPage.kind, "schema_version": SCHEMA_VERSION})
        assert json.loads(page.to_json()) == {**line, "kind": RawPage.kind, "schema_version": SCHEMA_VERSION}
