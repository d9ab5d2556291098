"""Run the outlets spider once in this process with Scrapy setting overrides (tests only).

    HARNESS_SETTINGS='{"RECHECK_AFTER": [2]}' HARNESS_SPIDER='{"follow": true}' python tests/crawler/harness.py

BNWATCH_* variables configure it as they configure `bnwatch crawl` (data dir, replay hosts, Kafka)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scrapy.crawler import CrawlerProcess  # noqa: E402

from bnwatch.app.pipeline import scrapy_settings  # noqa: E402
from bnwatch.config import Settings  # noqa: E402
from crawler.spiders.outlets import OutletsSpider  # noqa: E402


def main() -> int:
    settings = Settings.from_env()
    s = scrapy_settings(settings, log_level=os.environ.get("HARNESS_LOG_LEVEL", "DEBUG"))
    for key, value in json.loads(os.environ.get("HARNESS_SETTINGS") or "{}").items():
        s.set(key, value)
    spider_args = json.loads(os.environ.get("HARNESS_SPIDER") or "{}")
    if settings.metrics_port is not None:
        from bnwatch import metrics

        metrics.serve(settings.metrics_port)
    process = CrawlerProcess(s)
    process.crawl(OutletsSpider, **spider_args)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
