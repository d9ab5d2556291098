"""A real Prometheus scraping a real bnwatch /metrics endpoint (bnwatch.metrics.serve in this process, after
exercising every metric with the label values the code uses), with the shipped scrape relabelling and rules:

- `promtool check metrics` is clean on an exposition carrying every metric and label the code uses;
- end to end alerting: a test copy of the rules (tiny `for:`) fires BnwatchConsumerLagGrowing from the lag gauge,
  Prometheus sends it to a real Alertmanager running the shipped config (webhook URLs pointed at a local
  receiver, short group_wait), and the receiver gets the Alertmanager webhook v4 payload; meanwhile a crawler
  target that is down inhibits BnwatchOutletSilent.

Every dashboard panel is proven against the running pipeline itself (crawler and four consumers over the real
broker, on the replay) in test_pipeline_dashboards.py. The demo is run for real below too: scraped by Prometheus,
its exposition checked by promtool.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.request
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from deploy_support import (AM_CONFIG, Alertmanager, Prometheus, binary, prometheus_config, rule_files,
                            wait_until)

pytestmark = pytest.mark.integration

COMPONENTS = ("crawler", "clean", "tag", "stories", "notify")


def _outlet_ids() -> list[str]:
    from bnwatch.outlets import default_registry

    ids = [o.id for o in default_registry()]
    assert ids, "no outlets in the registry"
    return ids


def _exercise(round_: int) -> None:
    """One round of what the pipeline does, through the declared metric objects, with real label values."""
    from bnwatch import metrics as m
    from bnwatch.topics import STAGES, Topics

    topics = Topics()
    for i, outlet in enumerate(_outlet_ids()):
        m.pages_fetched.labels(outlet, "200").inc(5)
        m.pages_fetched.labels(outlet, "404" if i % 2 else "503").inc()
        m.fetched_bytes.labels(outlet).inc(40_000)
        m.fetch_duration.labels(outlet).observe(0.2 + 0.1 * i)
        m.items_published.labels(outlet).inc(4)
        m.publish_failures.labels(outlet).inc()
        m.discovery_runs.labels(outlet, "feed", "ok").inc()
        m.discovery_runs.labels(outlet, "sitemap", "error").inc()
        m.articles_discovered.labels(outlet).inc(3)
        m.last_discovery.labels(outlet).set(time.time() - 60 * i)
        m.challenge_pages.labels(outlet).inc()
        m.articles.labels(outlet).inc(3)
        m.not_articles.labels(outlet, "no_text").inc()
        m.not_articles.labels(outlet, "http_error").inc()
        m.rule_matches.labels("ru-nk", outlet).inc()
    for stage in STAGES:
        m.records_processed.labels(stage, "ok").inc(10)
        m.records_processed.labels(stage, "dropped").inc(2)
        m.records_processed.labels(stage, "failed").inc()
        m.dead_letters.labels(stage).inc()
        m.stage_duration.labels(stage).observe(0.004)
        m.stage_duration.labels(stage).observe(0.03)
        group = f"{topics.prefix}{stage}"
        m.consumer_lag.labels(group, topics.stage_io(stage)[0], "0").set(10 + round_)
        m.consumer_lag.labels(group, topics.stage_io(stage)[0], "1").set(5)
    m.alerts_raised.labels(rule="ru-nk", kind="new").inc()
    m.alerts_raised.labels(rule="ru-nk", kind="update").inc(2)
    for outcome in ("delivered", "retry", "failed", "parked"):
        m.deliveries.labels("webhook", outcome).inc()
    m.delivery_duration.labels("webhook").observe(0.15)
    for latency in (3, 8, 12, 25):
        m.end_to_end_latency.observe(latency)


@pytest.fixture(scope="module")
def metrics_endpoint():
    """host:port of this process's /metrics, kept moving by a background thread (so rates are not zero)."""
    from bnwatch import metrics

    _exercise(0)
    port = metrics.serve(0)
    stop = threading.Event()

    def keep_going():
        n = 1
        while not stop.wait(0.5):
            _exercise(n)
            n += 1

    thread = threading.Thread(target=keep_going, name="exercise-metrics", daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        stop.set()
        thread.join(5)


def _prometheus_config(endpoint: str, rules: list[str], extra_crawler_targets=(), alertmanager: str | None = None):
    """The shipped prometheus.yml with every component's target at `endpoint` (one target per component, as in
    production, so the shipped relabelling makes the jobs), 1 s scrapes and evaluations."""
    targets = {c: [endpoint] for c in COMPONENTS}
    targets["crawler"] = [endpoint, *extra_crawler_targets]
    return prometheus_config(targets, rules, alertmanager)


def test_promtool_check_metrics_on_the_scraped_exposition(metrics_endpoint):
    promtool = binary("promtool")
    with urllib.request.urlopen(f"http://{metrics_endpoint}/metrics", timeout=5) as resp:
        text = resp.read()
    assert b"bnwatch_pages_fetched_total" in text and b"kafka_consumergroup_lag" in text
    import subprocess

    result = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, timeout=30)
    out = (result.stdout + result.stderr).decode()
    assert result.returncode == 0 and not out.strip(), out


# -- end-to-end alerting ---------------------------------------------------------------------------------------


class _Receiver:
    """A local webhook receiver that records every Alertmanager POST."""

    def __init__(self):
        self.payloads: list[dict] = []
        self.paths: list[str] = []
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    outer.paths.append(self.path)
                    outer.payloads.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="am-receiver")
        self.thread.start()

    def alerts(self, alertname: str) -> list[tuple[str, dict, dict]]:
        return [(path, p, a) for path, p in zip(list(self.paths), list(self.payloads)) for a in p["alerts"]
                if a["labels"].get("alertname") == alertname]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _test_rules(tmp_path) -> str:
    """The shipped rules with short `for:` (the expressions are unchanged)."""
    short = {"BnwatchConsumerLagGrowing": "2s", "BnwatchCrawlerDown": "1s", "BnwatchOutletSilent": "6s"}
    out = []
    for path in rule_files():
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in doc["groups"]:
            for rule in group["rules"]:
                if rule.get("alert") in short:
                    rule["for"] = short[rule["alert"]]
        target = tmp_path / f"test-{path.name}"
        target.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        out.append(str(target))
    return out


def _am_config(receiver_port: int) -> dict:
    """The shipped Alertmanager config with its webhook URLs on the local receiver and short waits."""
    cfg = yaml.safe_load(AM_CONFIG.read_text(encoding="utf-8"))
    for receiver in cfg["receivers"]:
        for hook in receiver.get("webhook_configs", []):
            assert hook["url"].startswith("http://receiver:8765/")
            hook["url"] = hook["url"].replace("receiver:8765", f"127.0.0.1:{receiver_port}")
    routes = [cfg["route"]] + cfg["route"].get("routes", [])
    for route in routes:
        route.update(group_wait="1s", group_interval="2s")
    return cfg


def test_alert_reaches_the_webhook_through_alertmanager(metrics_endpoint, tmp_path):
    from bnwatch import metrics
    from bnwatch.topics import Topics

    binary("prometheus-alertmanager")
    receiver = _Receiver()
    am = prom = None
    group = "bnwatch.e2e-alert-test"
    topic = Topics().raw_pages
    stop = threading.Event()

    def grow_lag():
        lag = 2000
        while not stop.wait(0.3):
            lag += 150
            metrics.consumer_lag.labels(group, topic, "0").set(lag)

    grower = threading.Thread(target=grow_lag, daemon=True, name="grow-lag")
    # an outlet silent for 7 hours, while a crawler target is down: the outlet-silent alert must be inhibited
    metrics.last_discovery.labels("e2e-silent-outlet").set(time.time() - 7 * 3600)
    try:
        am_dir = tmp_path / "am"
        am_dir.mkdir()
        am = Alertmanager(am_dir, _am_config(receiver.port))
        prom_dir = tmp_path / "prom"
        prom_dir.mkdir()
        prom = Prometheus(prom_dir, _prometheus_config(
            metrics_endpoint, _test_rules(prom_dir), extra_crawler_targets=[f"127.0.0.1:{_closed_port()}"],
            alertmanager=f"127.0.0.1:{am.port}"), extra_args=("--rules.alert.resend-delay=1s",))
        metrics.consumer_lag.labels(group, topic, "0").set(2000)
        grower.start()

        got = wait_until(lambda: receiver.alerts("BnwatchConsumerLagGrowing") and [
            x for x in receiver.alerts("BnwatchConsumerLagGrowing") if x[2]["labels"].get("consumergroup") == group],
            90, interval=0.5, what="the BnwatchConsumerLagGrowing webhook")
        path, payload, alert = got[0]
        # Alertmanager webhook payload, version 4
        assert payload["version"] == "4"
        assert payload["status"] == "firing"
        assert payload["receiver"] == "bnwatch-warning" and path == "/alertmanager/warning"
        assert payload["groupLabels"] == {"alertname": "BnwatchConsumerLagGrowing"}
        assert payload["commonLabels"]["alertname"] == "BnwatchConsumerLagGrowing"
        assert {"groupKey", "truncatedAlerts", "externalURL", "commonAnnotations"} <= set(payload)
        assert alert["status"] == "firing"
        assert alert["labels"]["severity"] == "warning" and alert["labels"]["topic"] == topic
        assert alert["annotations"]["summary"] == f"Consumer group {group} is falling behind on {topic}"
        assert "unread records" in alert["annotations"]["description"]
        assert alert["startsAt"] and alert["generatorURL"].startswith("http")
        assert {"fingerprint", "endsAt"} <= set(alert)

        # the crawler-down alert goes to the critical receiver ...
        down = wait_until(lambda: receiver.alerts("BnwatchCrawlerDown"), 60, interval=0.5,
                          what="the BnwatchCrawlerDown webhook")
        assert down[0][0] == "/alertmanager/critical" and down[0][1]["receiver"] == "bnwatch-critical"

        # ... and the outlet-silent alert reaches Alertmanager but is inhibited by it, never delivered
        def silent_inhibited():
            alerts = http_json(f"{am.url}/api/v2/alerts?filter=alertname%3D%22BnwatchOutletSilent%22")
            mine = [a for a in alerts if a["labels"].get("outlet") == "e2e-silent-outlet"]
            return mine and mine[0]["status"]["state"] == "suppressed" and mine[0]["status"]["inhibitedBy"]

        wait_until(silent_inhibited, 60, interval=0.5, what="BnwatchOutletSilent inhibited in Alertmanager")
        time.sleep(3)  # longer than group_wait + group_interval: it would have been sent by now
        assert not [a for a in receiver.alerts("BnwatchOutletSilent")
                    if a[2]["labels"].get("outlet") == "e2e-silent-outlet"]
    finally:
        stop.set()
        if grower.is_alive():
            grower.join(5)
        if (group, topic, "0") in _children(metrics.consumer_lag):
            metrics.consumer_lag.remove(group, topic, "0")
        if ("e2e-silent-outlet",) in _children(metrics.last_discovery):
            metrics.last_discovery.remove("e2e-silent-outlet")
        for proc in (prom, am):
            if proc is not None:
                proc.stop()
        receiver.close()


def _children(metric) -> set:
    with metric._lock:
        return set(metric._metrics)


def _closed_port() -> int:
    from deploy_support import free_port

    return free_port()  # bound and released: nothing listens there


def http_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read().decode("utf-8"))


# -- the real pipeline: `bnwatch demo` ---------------------------------------------------------------------------


def test_demo_exposition_is_clean_and_scraped(tmp_path):
    """`bnwatch demo --metrics-port N` (the embedded pipeline against the outlet replay) scraped by a real
    Prometheus every second while it runs; its exposition passes `promtool check metrics` and only carries
    declared metric names. (Every dashboard panel is checked against the Kafka-mode pipeline in
    test_pipeline_dashboards.py; the demo ends by itself after a few seconds.)"""
    import subprocess
    import sys

    from deploy_support import ROOT, STANDARD_PREFIXES, declared_metrics, free_port

    promtool = binary("promtool")
    port = free_port()
    endpoint = f"127.0.0.1:{port}"
    prom_dir = tmp_path / "prom"
    prom_dir.mkdir()
    cfg = _prometheus_config(endpoint, [])
    cfg["global"].update(scrape_interval="500ms", scrape_timeout="500ms")
    prom = Prometheus(prom_dir, cfg)
    # Prometheus hands new targets to the scraper in batches every 5 s; the demo only lasts a few seconds
    try:
        wait_until(lambda: prom.api("targets")["data"]["activeTargets"], 20, what="Prometheus to pick up the targets")
    except AssertionError:
        prom.stop()
        raise
    log = open(tmp_path / "demo.log", "wb")
    demo = subprocess.Popen([sys.executable, "-m", "bnwatch.cli", "demo", "--metrics-port", str(port),
                             "--timeout", "60", "--data-dir", str(tmp_path / "demo-data")],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    last = b""
    errors: dict[str, int] = {}
    started = time.monotonic()
    try:
        deadline = time.monotonic() + 90
        while _running(demo) and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://{endpoint}/metrics", timeout=5) as resp:
                    body = resp.read()
                # keep the last whole exposition: on a loaded machine the demo's busy pipeline threads can starve
                # its /metrics thread, and a scrape cut short by the demo's exit is not an exposition
                if body.rstrip().endswith(b"# EOF") or b"bnwatch_records_processed_total" in body:
                    last = body
                else:
                    errors["partial exposition"] = errors.get("partial exposition", 0) + 1
            except Exception as exc:  # not up yet, or gone; kept for the failure message
                errors[repr(exc)[:120]] = errors.get(repr(exc)[:120], 0) + 1
            time.sleep(0.1)
        if _running(demo):
            demo.terminate()
            demo.wait(10)
            pytest.fail("bnwatch demo did not finish within 90 s")
        if demo.returncode != 0:
            log.flush()
            pytest.fail(f"bnwatch demo failed (rc {demo.returncode}):\n"
                        + (tmp_path / "demo.log").read_text(errors="replace")[-3000:])
        assert b"bnwatch_records_processed_total" in last, (
            f"never scraped the demo's /metrics while it ran; errors: {errors}; scraped for"
            f" {time.monotonic() - started:.1f} s; open fds:"
            f" {len(os.listdir('/proc/self/fd')) if os.path.isdir('/proc/self/fd') else '?'}")

        result = subprocess.run([promtool, "check", "metrics"], input=last, capture_output=True, timeout=30)
        out = (result.stdout + result.stderr).decode()
        assert result.returncode == 0 and not out.strip(), out

        declared = declared_metrics()
        names = {line.split("{")[0].split(" ")[0] for line in last.decode().splitlines()
                 if line and not line.startswith("#")}
        undeclared = {n for n in names if n not in declared and not n.startswith(STANDARD_PREFIXES)}
        assert not undeclared, f"exported but not declared in bnwatch/metrics.py: {sorted(undeclared)}"

        # Prometheus stored the demo's pipeline metrics under the relabelled jobs
        def stored():
            # last_over_time: the target is gone by now, its series are marked stale
            r = prom.query('sum by (stage) (last_over_time(bnwatch_records_processed_total{job="bnwatch-clean"}[5m]))'
                           )["data"]["result"]
            return {x["metric"]["stage"] for x in r} >= {"clean", "tag", "stories", "notify"}

        wait_until(stored, 10, what="the demo's records_processed in Prometheus")
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait(5)
        log.close()
        prom.stop()


def _running(proc) -> bool:
    """Whether the process still runs. Not only Popen.poll(): after the whole suite, one CI run saw poll() report
    the demo finished (an exit status of 0) within 2 s while it ran for 17 s more — Popen turns ECHILD from
    waitpid() into returncode 0 when something else in this process reaps children. /proc tells the truth."""
    if proc.poll() is None:
        return True
    try:
        state = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


# -- a real consumer group on the real broker: stop the consumer, the lag alert fires ---------------------------------

@pytest.mark.integration
def test_a_stopped_consumer_fires_the_lag_alert_to_a_webhook(metrics_endpoint, kafka_bootstrap, topics, tmp_path):
    """The clean stage's consumer group reads raw pages, commits, and is then stopped; pages keep arriving. The
    crawler-side LagReporter (broker's committed offsets, kafka_exporter's metric name) shows the group's lag
    growing, Prometheus evaluates the shipped rule, and Alertmanager delivers BnwatchConsumerLagGrowing."""
    from kafka import KafkaProducer

    from bnwatch import metrics
    from bnwatch.kafka_client import LagReporter
    from bnwatch.records import Article, RawPage
    from consumers.runners.kafka import KafkaStageRunner

    binary("prometheus-alertmanager")

    class PassThrough:  # a stand-in for the clean stage: the consumer group and its commits are what matter
        name = "clean"
        input_type = RawPage

        def process(self, page):
            return [Article(url=page.url, canonical_url=page.canonical_url, outlet=page.outlet, title="শিরোনাম",
                            paragraphs=["অনুচ্ছেদ"])]

        def close(self):
            pass

    def page(i: int) -> bytes:
        url = f"https://dailyinqilab.com/international/news/{900000 + i}"
        return RawPage(url=url, canonical_url=url, outlet="dailyinqilab", fetched_at="2026-11-23T00:00:00+00:00",
                       status=200, headers={}, declared_encoding="utf-8", body="<p>খবর</p>".encode()).to_json()

    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, linger_ms=5)
    for i in range(50):
        producer.send(topics.raw_pages, key=str(i).encode(), value=page(i))
    producer.flush()
    runner = KafkaStageRunner(PassThrough(), kafka_bootstrap, topics)
    stop_runner = threading.Event()
    worker = threading.Thread(target=runner.run, args=(stop_runner,), kwargs={"idle_timeout": 20}, daemon=True)
    worker.start()
    group = f"{topics.prefix}clean"
    reporter = LagReporter.for_stages(kafka_bootstrap, topics, stages=["clean"], interval=0.5)
    wait_until(lambda: sum(reporter.report_once()[(group, topics.raw_pages)].values()) == 0, 60,
               what="the consumer group to catch up and commit")
    stop_runner.set()  # the consumer is stopped deliberately ...
    worker.join(30)
    runner.close()

    receiver = _Receiver()
    am = prom = None
    keep_publishing = threading.Event()

    def publish():  # ... while pages keep arriving
        i = 50
        while not keep_publishing.wait(0.3):
            for _ in range(150):
                producer.send(topics.raw_pages, key=str(i).encode(), value=page(i))
                i += 1
            producer.flush()

    publisher = threading.Thread(target=publish, daemon=True, name="publish-raw-pages")
    try:
        reporter.start()
        publisher.start()
        am_dir = tmp_path / "am"
        am_dir.mkdir()
        am = Alertmanager(am_dir, _am_config(receiver.port))
        prom_dir = tmp_path / "prom"
        prom_dir.mkdir()
        prom = Prometheus(prom_dir, _prometheus_config(metrics_endpoint, _test_rules(prom_dir),
                                                       alertmanager=f"127.0.0.1:{am.port}"),
                          extra_args=("--rules.alert.resend-delay=1s",))
        got = wait_until(lambda: [a for a in receiver.alerts("BnwatchConsumerLagGrowing")
                                  if a[2]["labels"].get("consumergroup") == group], 120, interval=0.5,
                         what="BnwatchConsumerLagGrowing for the stopped consumer's group")
        path, payload, alert = got[0]
        assert payload["version"] == "4" and alert["status"] == "firing"
        assert alert["labels"]["topic"] == topics.raw_pages and path == "/alertmanager/warning"
    finally:
        keep_publishing.set()
        publisher.join(10)
        reporter.stop()
        producer.close()
        for (g, t, p) in list(_children(metrics.consumer_lag)):
            if g == group:
                metrics.consumer_lag.remove(g, t, p)
        for proc in (prom, am):
            if proc is not None:
                proc.stop()
        receiver.close()
