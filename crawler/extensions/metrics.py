"""Crawler metrics for Prometheus: pages fetched by outlet and status, bytes, fetch latency; serves /metrics
when METRICS_PORT is set (0 = any free port)."""

from __future__ import annotations

import time

from scrapy import signals

from bnwatch import metrics


class PrometheusMetrics:
    def __init__(self, port: int | None, addr: str = "127.0.0.1"):
        self.port = port
        self.addr = addr

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler.settings.get("METRICS_PORT"), crawler.settings.get("METRICS_ADDR") or "127.0.0.1")
        crawler.signals.connect(ext.request_scheduled, signal=signals.request_reached_downloader)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        return ext

    def spider_opened(self, spider):
        if self.port is not None:
            port = metrics.serve(int(self.port), self.addr)
            spider.logger.info("metrics on http://127.0.0.1:%s/metrics", port)

    def request_scheduled(self, request, spider):
        request.meta["_bnwatch_t0"] = time.monotonic()

    def response_received(self, response, request, spider):
        outlet = request.meta.get("outlet", "unknown")
        metrics.pages_fetched.labels(outlet, str(response.status)).inc()
        metrics.fetched_bytes.labels(outlet).inc(len(response.body))
        t0 = request.meta.get("_bnwatch_t0")
        if t0 is not None:
            metrics.fetch_duration.labels(outlet).observe(time.monotonic() - t0)
