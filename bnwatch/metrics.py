"""Every bnwatch metric, declared once (prometheus-client naming: `bnwatch_` prefix, base units, `_total`
counters, histograms for durations; no URLs or ids as labels)."""

from __future__ import annotations

import threading

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server

LATENCY_BUCKETS = (0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 120, 300, 600, 1800, 3600)
STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)

# crawler
pages_fetched = Counter("bnwatch_pages_fetched", "Pages fetched by the crawler", ["outlet", "status"])
fetched_bytes = Counter("bnwatch_fetched_bytes", "Response body bytes fetched", ["outlet"])
fetch_duration = Histogram(
    "bnwatch_fetch_duration_seconds", "Time from request to response", ["outlet"], buckets=STAGE_BUCKETS[4:] + (5, 10, 30)
)
items_published = Counter("bnwatch_items_published", "RawPage records acknowledged by the sink", ["outlet"])
publish_failures = Counter("bnwatch_publish_failures", "RawPage records the sink failed to take", ["outlet"])
discovery_runs = Counter("bnwatch_discovery_runs", "Discovery source fetches", ["outlet", "type", "outcome"])
articles_discovered = Counter("bnwatch_articles_discovered", "New article URLs found by discovery", ["outlet"])
last_discovery = Gauge(
    "bnwatch_last_successful_discovery_timestamp_seconds", "Unix time of the last successful discovery", ["outlet"]
)
challenge_pages = Counter("bnwatch_challenge_pages", "Bot-challenge pages recognised (not published)", ["outlet"])

# consumers
records_processed = Counter(
    "bnwatch_records_processed", "Records a stage finished, by outcome (ok, dropped, failed)", ["stage", "outcome"]
)
stage_duration = Histogram(
    "bnwatch_stage_processing_seconds", "Time a stage spends on one record", ["stage"], buckets=STAGE_BUCKETS
)
dead_letters = Counter("bnwatch_dead_letter_records", "Records routed to the dead-letter topic", ["stage"])
not_articles = Counter("bnwatch_not_articles", "Pages the clean stage found not to be articles", ["outlet", "reason"])
articles = Counter("bnwatch_articles", "Articles produced by the clean stage", ["outlet"])
alerts_raised = Counter("bnwatch_alerts_raised", "Alerts raised (new stories or story updates)", ["rule", "kind"])
deliveries = Counter("bnwatch_deliveries", "Alert deliveries by channel and outcome", ["channel", "outcome"])
delivery_duration = Histogram(
    "bnwatch_delivery_duration_seconds", "Time to deliver one alert to one channel", ["channel"], buckets=STAGE_BUCKETS
)
end_to_end_latency = Histogram(
    "bnwatch_end_to_end_latency_seconds", "Discovery of an article to delivery of its alert", buckets=LATENCY_BUCKETS
)
consumer_lag = Gauge(
    "kafka_consumergroup_lag", "Consumer lag (kafka_exporter naming)", ["consumergroup", "topic", "partition"]
)

_server_lock = threading.Lock()
_server_port: int | None = None


def serve(port: int | None, addr: str = "127.0.0.1") -> int | None:
    """Start the /metrics HTTP endpoint once per process; port 0 picks a free port. Returns the port."""
    global _server_port
    if port is None:
        return None
    with _server_lock:
        if _server_port is None:
            server, _thread = start_http_server(port, addr=addr, registry=REGISTRY)
            _server_port = server.server_port
        return _server_port
