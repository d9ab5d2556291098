"""Every bnwatch metric, declared once (prometheus-client naming: `bnwatch_` prefix, base units, `_total`
counters, histograms for durations; no URLs or ids as labels)."""

from __future__ import annotations

import platform
import threading

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from bnwatch.topics import STAGES

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
# crawler health per outlet (alert rules: "outlet X silent for 6 h", "outlet X blocked", "outlet X failing")
fetch_errors = Counter(
    "bnwatch_fetch_errors",
    "Failed fetch attempts (retries included) by kind: timeout, dns, connection, tls, other, http_4xx, http_5xx",
    ["outlet", "kind"],
)
discovery_poll_interval = Gauge(
    "bnwatch_discovery_poll_interval_seconds", "Current adaptive poll interval of a discovery source",
    ["outlet", "source"],
)
discovery_next_poll = Gauge(
    "bnwatch_discovery_next_poll_timestamp_seconds", "Unix time of a discovery source's next poll", ["outlet", "source"]
)
last_article_published = Gauge(
    "bnwatch_last_article_published_timestamp_seconds", "Unix time the sink last acknowledged an article", ["outlet"]
)
article_updates = Counter(
    "bnwatch_article_updates", "Already published articles published again because their content changed", ["outlet"]
)
article_rechecks = Counter(
    "bnwatch_article_rechecks", "Re-checks of recently published articles, by outcome (unchanged, updated, error)",
    ["outlet", "outcome"],
)
seen_store_articles = Gauge("bnwatch_seen_store_articles", "Articles (URLs) in the crawler's seen-store")
# requests the crawler refused to make (crawler/middlewares/redirect_guard.py): links or redirects to literal
# private/loopback/link-local addresses or localhost, redirects leaving the outlet's domains
refused_requests = Counter(
    "bnwatch_refused_requests", "Requests refused by the crawler (SSRF guard, off-site redirects), by reason",
    ["outlet", "reason"],
)
robots_crawl_delay = Gauge(
    "bnwatch_robots_crawl_delay_seconds", "Crawl-delay an outlet's robots.txt asks of us (obeyed)", ["outlet"]
)

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
# Per-outlet coverage of watch-rule stories (Grafana "Russia–North Korea coverage"). Incremented by the stories
# stage once per article that matched the rule and was assigned to a story (not on redeliveries).
rule_matches = Counter(
    "bnwatch_rule_matches", "Articles that matched a watch rule and joined a story, by outlet", ["rule", "outlet"]
)
# The canary (`bnwatch outlets check`, bnwatch/app/canary.py): per outlet, how many of the newest articles it
# checked and, per field (title, body, published_at, language), how many were ok / missing / suspicious in the last
# run. Gauges: each run replaces the previous counts. canary_registry holds only these, for --textfile.
canary_articles = Gauge("bnwatch_canary_articles", "Articles the last canary run checked per outlet", ["outlet"])
canary_fields = Gauge(
    "bnwatch_canary_fields", "Articles of the last canary run per field and outcome (ok, missing, suspicious)",
    ["outlet", "field", "outcome"],
)
canary_last_run = Gauge(
    "bnwatch_canary_last_run_timestamp_seconds", "Unix time of the last canary run of an outlet", ["outlet"]
)
canary_registry = CollectorRegistry(auto_describe=True)
for _collector in (canary_articles, canary_fields, canary_last_run):
    canary_registry.register(_collector)
# Which version runs where (Grafana, upgrade checks): constant 1, one series per process.
build_info = Gauge("bnwatch_build_info", "bnwatch build information (always 1)", ["version", "python"])


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("bnwatch")
    except Exception:  # not installed (running from a source tree)
        return "unknown"


build_info.labels(version=_version(), python=platform.python_version()).set(1)
RECORD_OUTCOMES = ("ok", "dropped", "failed")


def start_at_zero(metric, *label_sets) -> None:
    """Create these label sets at 0 before anything is counted. Prometheus' increase()/rate() measure change
    between samples, so a series whose first sample already holds its first events (created by them) never
    shows those events: the first Russia–North Korea match of an outlet would be missing from "stories per day"
    (prometheus guidance: initialise the label values you know)."""
    for labels in label_sets:
        metric.labels(*labels)


def start_stage_series(stage: str) -> None:
    """A runner's series for its stage, at 0 before the first record (dead letters start at 0 below, for every
    stage)."""
    start_at_zero(records_processed, *((stage, o) for o in RECORD_OUTCOMES))


# Series start at 0 so increase()/rate() in alert rules see the first dead letter (prometheus guidance).
for _stage in STAGES:
    dead_letters.labels(_stage)

_server_lock = threading.Lock()
_server_port: int | None = None
_server_addr: str | None = None


def serve(port: int | None, addr: str = "127.0.0.1") -> int | None:
    """Start the /metrics HTTP endpoint once per process; port 0 picks a free port. Returns the port.

    Loopback unless `addr` says otherwise (Settings.metrics_addr, BNWATCH_METRICS_ADDR: containers use 0.0.0.0
    so Prometheus in another container can scrape them)."""
    global _server_port, _server_addr
    if port is None:
        return None
    with _server_lock:
        if _server_port is None:
            server, _thread = start_http_server(port, addr=addr, registry=REGISTRY)
            _server_port = server.server_port
            _server_addr = addr
        return _server_port
