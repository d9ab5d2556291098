"""Every Grafana panel proven against the running pipeline: the crawler (`bnwatch crawl --follow`) and the four
consumer stages (`bnwatch consume STAGE`), each its own process with its own /metrics, over the real broker, on
the outlet replay, scraped by a real Prometheus with the shipped scrape config (component → job relabelling) and
rules. The rare events the dashboards exist for are provoked the way they happen in production:

- the banglanews24 replay answers one article with its real Cloudflare challenge page (challenge panel);
- a photo story with no text appears on an outlet (extraction empties, share of pages not extracted);
- a poison record (not a RawPage) lands on raw-pages and one (not an Article) on articles (dead-letter panel);
- a second subscriber's webhook is down (deliveries by outcome: retries next to deliveries);
- re-polls get 304s from the replay's validators (discovery outcomes other than ok).

A panel passes when its query has returned a finite value other than 0 while the pipeline ran (Grafana draws
nothing for an empty result or NaN; a counter created at 0 would prove nothing), except the panels whose honest
value here is 0 (ZERO_IS_DATA). Also: `promtool check metrics` on each of the five processes' /metrics,
while they run."""

from __future__ import annotations

import base64
import math
import os
import secrets
import subprocess
import sys
import urllib.request

import pytest

from deploy_support import (ROOT, Prometheus, binary, free_port, panel_queries, prometheus_config, rule_files,
                            wait_until)

pytestmark = pytest.mark.integration

STAGES = ("clean", "tag", "stories", "notify")


# Panels whose honest value in this run is 0: nothing fails to publish to a healthy broker, no operational alert
# has had its `for:` time (minutes) to fire, and consumers that keep up have no lag (a stopped consumer's growing
# lag is test_prometheus_integration's). Every other panel must show a value other than 0.
ZERO_IS_DATA = ("publish_failures", "ALERTS{", "kafka_consumergroup_lag")


def _drawn(result: dict, zero_is_data: bool) -> bool:
    """A query result Grafana would draw: a sample that is a number (not NaN, not ±Inf), and not 0 unless 0 is
    what the panel should show here (a counter created at 0 proves the series exists, not that it counts)."""
    data = result.get("data") or {}
    for series in data.get("result", []):
        values = [series["value"]] if "value" in series else series.get("values", [])
        for v in values:
            x = float(v[1])
            if math.isfinite(x) and (x != 0 or zero_is_data):
                return True
    return False


def _scalar(prom: Prometheus, expr: str) -> float:
    result = prom.query(expr)["data"]["result"]
    return sum(float(r["value"][1]) for r in result)


def test_every_dashboard_panel_returns_data_from_the_running_pipeline(kafka_bootstrap, topics, tmp_path):
    from kafka import KafkaProducer

    from bnwatch.app.receiver import WebhookReceiver
    from devtools.replay.server import ReplayServer

    promtool = binary("promtool")
    binary("prometheus")

    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    receiver = WebhookReceiver(secret).start()
    down_url = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    replay = ReplayServer(port=0)
    replay.start()
    challenged = next(a["url"] for a in replay.articles() if a["outlet"] == "banglanews24")
    replay.set_challenge("banglanews24", challenged)
    # a photo story: a headline and a one-line credit, no text to extract (clean counts it as not an article)
    replay.add_article("dailyinqilab", "ছবিতে দেখুন: কুয়াশায় ঢাকা রাজধানীর ভোর", ["ছবি: ইনকিলাব"],
                       section="ছবি", kind="photo")

    subscribers = tmp_path / "subscribers.yaml"
    subscribers.write_text(
        "subscribers:\n"
        "  - name: analyst\n    rules: [ru-nk]\n    channels:\n"
        f"      - type: webhook\n        url: {receiver.url}\n        secret: {secret}\n"
        "  - name: newsroom-down\n    rules: [ru-nk]\n    channels:\n"
        f"      - type: webhook\n        url: {down_url}\n        secret: {secret}\n", encoding="utf-8")
    env = {
        **os.environ,
        "BNWATCH_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "BNWATCH_TOPIC_PREFIX": topics.prefix,
        "BNWATCH_DATA_DIR": str(tmp_path / "data"),
        "BNWATCH_SUBSCRIBERS": str(subscribers),
        "BNWATCH_REPLAY_HOSTS": f"*=127.0.0.1:{replay.port}",
        "PYTHONUNBUFFERED": "1",
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    ports = {c: free_port() for c in ("crawler", *STAGES)}
    while len(set(ports.values())) < len(ports):  # free_port() releases the port: make sure they differ
        ports = {c: free_port() for c in ("crawler", *STAGES)}
    procs: dict[str, subprocess.Popen] = {}

    def start(component: str, args: list[str]) -> None:
        procs[component] = subprocess.Popen(
            [sys.executable, "-m", "bnwatch.cli", *args, "--metrics-port", str(ports[component])], cwd=ROOT,
            env=env, stdout=(logs / f"{component}.log").open("w"), stderr=subprocess.STDOUT)

    def log_tails() -> str:
        return "\n".join(f"--- {c}.log\n" + (logs / f"{c}.log").read_text(errors="replace")[-2500:] for c in procs)

    prom = None
    producer = None
    try:
        # Prometheus first, as in production: it sees every series at its start value, before the first events
        prom_dir = tmp_path / "prom"
        prom_dir.mkdir()
        targets = {c: [f"127.0.0.1:{p}"] for c, p in ports.items()}
        prom = Prometheus(prom_dir, prometheus_config(targets, [str(p) for p in rule_files()]))
        def up(components) -> bool:
            for name, proc in procs.items():
                assert proc.poll() is None, f"{name} exited early (rc {proc.returncode})\n{log_tails()}"
            jobs = {f"bnwatch-{c}" for c in components}
            active = [t for t in prom.api("targets")["data"]["activeTargets"] if t["labels"].get("job") in jobs]
            return len(active) == len(jobs) and all(t["health"] == "up" for t in active)

        for stage in STAGES:
            start(stage, ["consume", stage])
        # the consumers scraped at their start values before the crawler feeds them: a fast crawl can otherwise
        # raise every alert before the first scrape, and increase() never sees those events
        wait_until(lambda: up(STAGES), 60, what="the four consumers scraped")
        start("crawler", ["crawl", "--follow", "--poll-interval", "4", "--poll-min-interval", "2",
                          "--poll-max-interval", "8"])
        wait_until(lambda: up(ports), 60, what="the crawler and four consumers scraped")
        jobs = {r["metric"]["job"] for r in prom.query("up")["data"]["result"]}
        assert jobs == {f"bnwatch-{c}" for c in ports}

        # poison records: a stage that cannot read one routes it to its dead-letter topic and goes on
        producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
        producer.send(topics.raw_pages, key=b"poison", value=b"\xff\xfe not a RawPage")
        producer.send(topics.articles, key=b"poison", value=b'{"schema": "article", "title": 42}')
        producer.flush()

        queries = panel_queries()
        assert len(queries) >= 25
        shown: set[str] = set()

        def every_panel_drawn() -> bool:
            for name, proc in procs.items():
                assert proc.poll() is None, f"{name} died (rc {proc.returncode})\n{log_tails()}"
            for where, expr in queries.items():
                if where in shown:
                    continue
                result = prom.query(expr)
                assert result["status"] == "success", f"{where}: {expr}: {result}"
                if _drawn(result, any(z in expr for z in ZERO_IS_DATA)):
                    shown.add(where)
            return len(shown) == len(queries)

        try:
            wait_until(every_panel_drawn, 180, interval=2.0, what="every dashboard panel to draw data")
        except AssertionError as exc:
            missing = "\n".join(f"  {w}: {queries[w]}" for w in queries if w not in shown)
            raise AssertionError(f"{exc}\npanels that never drew data:\n{missing}\n{log_tails()}") from None

        # the data is the pipeline's own doing, not zeros: each provoked event shows in its series
        assert _scalar(prom, 'bnwatch_challenge_pages_total{job="bnwatch-crawler", outlet="banglanews24"}') >= 1
        for stage in ("clean", "tag"):
            assert _scalar(prom, f'bnwatch_dead_letter_records_total{{job="bnwatch-{stage}", stage="{stage}"}}') >= 1
        assert _scalar(prom, 'bnwatch_not_articles_total{job="bnwatch-clean", outlet="dailyinqilab"}') >= 1
        assert _scalar(prom, 'bnwatch_discovery_runs_total{job="bnwatch-crawler", outcome="not_modified"}') >= 1
        assert _scalar(prom, 'bnwatch_deliveries_total{job="bnwatch-notify", outcome="delivered"}') >= 4
        assert _scalar(prom, 'bnwatch_deliveries_total{job="bnwatch-notify", outcome="retry"}') >= 1
        assert _scalar(prom, 'bnwatch_end_to_end_latency_seconds_count{job="bnwatch-notify"}') >= 4
        assert _scalar(prom, 'bnwatch_rule_matches_total{job="bnwatch-stories", rule="ru-nk"}') >= 5
        groups = {r["metric"]["consumergroup"] for r in prom.query(
            'kafka_consumergroup_lag{job="bnwatch-crawler"}')["data"]["result"]}
        assert groups >= {topics.prefix + s for s in STAGES}
        assert len({p["story_id"] for p in receiver.payloads()}) >= 4  # the analyst got the stories meanwhile

        # the recording rules evaluate over the pipeline's series too
        for record in ("bnwatch:consumergroup_lag:sum", "bnwatch:end_to_end_latency_seconds:p95_1h"):
            wait_until(lambda: prom.query(record)["data"]["result"], 20, what=record)

        # promtool check metrics: every process's exposition, while it runs
        for component, port in ports.items():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
                text = resp.read()
            assert b"bnwatch_build_info" in text, component
            checked = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, timeout=30)
            out = (checked.stdout + checked.stderr).decode()
            assert checked.returncode == 0 and not out.strip(), f"{component}: {out}"
    finally:
        if producer is not None:
            producer.close()
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if prom is not None:
            prom.stop()
        replay.stop()
        receiver.stop()
