"""Logs an operator can keep for months: the level holds whatever Scrapy does to its loggers, libraries are quiet,
one line per event, no page body, JSON on request, a status line and a summary that says whether a run worked."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bnwatch import logs, metrics
from bnwatch.records import RawPage
from bnwatch.status import Snapshot, StatusReporter, crawl_failure

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.\-]+: ")


@pytest.fixture
def captured():
    """setup() into a buffer; the root logger is put back afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    buf = io.StringIO()

    def install(level="INFO", fmt="text"):
        logs.setup(level, fmt, stream=buf)
        return buf

    yield install
    for h in list(root.handlers):
        if getattr(h, "_bnwatch", False):
            root.removeHandler(h)
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_scrapy_debug_stays_out_at_info_even_after_scrapy_sets_its_logger_to_debug(captured):
    buf = captured("INFO")
    logging.getLogger("scrapy").setLevel(logging.DEBUG)  # what Scrapy's configure_logging does
    logging.getLogger("scrapy.core.engine").debug("Crawled (200) <GET https://example.org/a>")
    logging.getLogger("scrapy.core.engine").info("Spider opened")
    out = buf.getvalue()
    assert "Crawled (200)" not in out
    assert "INFO scrapy.core.engine: Spider opened" in out


def test_library_info_is_quiet_and_library_warnings_are_not(captured):
    buf = captured("INFO")
    logging.getLogger("kafka.conn").info("<BrokerConnection node_id=bootstrap-0 host=127.0.0.1:9092>: connecting")
    logging.getLogger("scrapy.middleware").info("Enabled extensions:\n['a',\n 'b']")
    logging.getLogger("kafka.conn").warning("connection refused")
    logging.getLogger("bnwatch.app.pipeline").info("run finished")
    out = buf.getvalue().splitlines()
    assert [line.split(" ", 2)[2] for line in out] == [
        "WARNING kafka.conn: connection refused", "INFO bnwatch.app.pipeline: run finished"]


def test_trafilaturas_discarding_data_warning_is_noise_but_its_other_warnings_are_not(captured):
    """trafilatura warns "discarding data: None" for every page without text; the clean stage counts that page and
    the CLI names it, so the line only hides what matters."""
    buf = captured("INFO")
    logging.getLogger("trafilatura.core").warning("discarding data: %s", None)
    logging.getLogger("trafilatura.core").warning("empty HTML tree: %s", None)
    logging.getLogger("trafilatura.core").error("discarding data: %s", None)
    out = [line.split(" ", 2)[2] for line in buf.getvalue().splitlines()]
    assert out == ["WARNING trafilatura.core: empty HTML tree: None", "ERROR trafilatura.core: discarding data: None"]


def test_debug_shows_library_lines_too_but_never_kafka_pythons_configs_and_records(captured):
    buf = captured("DEBUG")
    logging.getLogger("scrapy.core.engine").debug("Crawled (200) <GET https://example.org/a>")
    logging.getLogger("kafka.conn").info("<BrokerConnection host=127.0.0.1:9092>: connecting")
    # what kafka-python logs at DEBUG: its configuration (with the SASL password) and every record it sends
    logging.getLogger("kafka.admin.client").debug("Starting KafkaAdminClient with configuration: %s",
                                                  {"sasl_plain_password": "hunter2-SECRET"})
    logging.getLogger("kafka.producer.kafka").debug("Sending (key=%r value=%r)", b"k", b"<html>page body</html>")
    out = buf.getvalue()
    assert "DEBUG scrapy.core.engine: Crawled (200)" in out and "INFO kafka.conn: " in out
    assert "hunter2-SECRET" not in out and "page body" not in out


def test_one_line_per_event_and_a_library_traceback_becomes_its_text(captured):
    buf = captured("INFO")
    logging.getLogger("bnwatch.x").warning("first line\nsecond line")
    try:
        raise ConnectionError("DNS lookup failed: no results for hostname lookup: www.jugantor.com.")
    except ConnectionError:
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").error("Error downloading <GET x>", exc_info=True)
    lines = buf.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].endswith("WARNING bnwatch.x: first line | second line")
    assert lines[1].endswith("Error downloading <GET x> (ConnectionError: DNS lookup failed: no results for "
                             "hostname lookup: www.jugantor.com.)")


def test_own_tracebacks_are_kept(captured):
    buf = captured("INFO")
    try:
        raise KeyError("boom")
    except KeyError:
        logging.getLogger("consumers.runners.kafka").exception("stage failed")
    out = buf.getvalue()
    assert "Traceback (most recent call last)" in out and "KeyError: 'boom'" in out


def test_json_format_is_one_object_a_line_with_bengali_readable(captured):
    buf = captured("INFO", "json")
    logging.getLogger("bnwatch.status").info("status %s: %s", "run", "কিম fetched=3")
    logging.getLogger("kafka.conn").info("hidden")
    [line] = buf.getvalue().splitlines()
    obj = json.loads(line)
    assert obj["level"] == "INFO" and obj["logger"] == "bnwatch.status"
    assert obj["message"] == "status run: কিম fetched=3"
    assert "কিম" in line  # not \\u-escaped
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", obj["time"])


def test_bad_level_or_format_is_a_value_error():
    with pytest.raises(ValueError, match="log level 'LOUD'"):
        logs.setup("loud")
    with pytest.raises(ValueError, match="log format 'xml'"):
        logs.setup("INFO", "xml")


def test_scrapy_item_lines_name_the_page_never_its_body():
    from scrapy.http import HtmlResponse

    from crawler.logformatter import OperatorLogFormatter

    body = ("<html><body>" + "উত্তর কোরিয়া " * 5000 + "</body></html>").encode()
    page = RawPage(url="https://www.jugantor.com/international/1", canonical_url="https://www.jugantor.com/international/1",
                   outlet="jugantor", fetched_at="2026-12-01T00:00:00+00:00", status=200, headers={},
                   declared_encoding="utf-8", body=body)
    response = HtmlResponse(page.url, body=body)
    from types import SimpleNamespace

    spider = SimpleNamespace(crawler=SimpleNamespace(settings={"DEFAULT_DROPITEM_LOG_LEVEL": "WARNING"}))
    f = OperatorLogFormatter()
    for result in (f.scraped(page, response, spider), f.dropped(page, ValueError("dup"), response, spider),
                   f.item_error(page, ValueError("x"), response, spider)):
        text = result["msg"] % result["args"]
        assert "jugantor https://www.jugantor.com/international/1" in text
        assert "উত্তর" not in text and "\n" not in text and len(text) < 300


# -- status line and --once summary ------------------------------------------------------------------------------

def test_snapshot_counts_this_run_only_and_the_status_line_says_so():
    before = Snapshot.take()
    metrics.pages_fetched.labels("statustest", "200").inc(3)
    metrics.items_published.labels("statustest").inc(2)
    metrics.discovery_runs.labels("statustest", "rss", "ok").inc()
    metrics.alerts_raised.labels(rule="ru-nk", kind="new").inc()
    run = Snapshot.take() - before
    assert (run.fetched, run.published, run.discovery_ok, run.alerts) == (3, 2, 1, 1)
    assert "fetched=3 published=2" in run.line() and "alerts=1" in run.line()
    assert crawl_failure(run) is None


def test_crawl_failure_says_why_nothing_worked():
    assert crawl_failure(Snapshot(discovery_failed=4)) == "every discovery failed (4 source fetches)"
    assert crawl_failure(Snapshot()) == "nothing could be fetched"
    assert crawl_failure(Snapshot(discovery_ok=2, fetched=5, publish_failed=5)) == \
        "nothing could be published (5 pages failed)"
    # some sources failing is a partial success, not a failed run
    assert crawl_failure(Snapshot(discovery_ok=1, discovery_failed=30, fetched=1)) is None


def test_status_reporter_logs_a_line_every_interval(caplog):
    caplog.set_level(logging.INFO, logger="bnwatch.status")
    reporter = StatusReporter("consume clean", interval=0.05).start()
    metrics.records_processed.labels("clean", "ok").inc(7)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any("processed=7" in r.message for r in caplog.records):
        time.sleep(0.02)
    run = reporter.stop()
    lines = [r.message for r in caplog.records if r.name == "bnwatch.status"]
    assert lines and lines[0].startswith("status consume clean: fetched=0 published=0 processed=")
    assert any("processed=7" in m for m in lines), lines
    assert run.processed == 7
    assert reporter.summary(run).startswith("consume clean finished in ")


# -- the real command ------------------------------------------------------------------------------------------------

def _free_port() -> int:
    from devtools.kafka_local import free_port

    return free_port()


@pytest.mark.integration
def test_run_once_with_every_outlet_unreachable_says_so_and_exits_1_in_json(tmp_path):
    """No outlet answers (the replay hosts point at a closed port): a summary line, one error line, exit 1 — and
    with --log-format json every stderr line is a JSON object."""
    env = {**os.environ, "BNWATCH_DATA_DIR": str(tmp_path), "BNWATCH_REPLAY_HOSTS": f"*=127.0.0.1:{_free_port()}"}
    proc = subprocess.run([sys.executable, "-m", "bnwatch.cli", "--log-format", "json", "run", "--once",
                           "--outlets", "jugantor"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 1, proc.stderr[-3000:]
    records = [json.loads(line) for line in proc.stderr.splitlines()]  # every line parses
    messages = [r["message"] for r in records]
    assert any(m.startswith("run finished in ") and "fetched=0 published=0" in m for m in messages), messages
    assert "run: nothing worked: every discovery failed" in " ".join(messages)
    assert "Traceback" not in proc.stderr
    assert not any(r["level"] == "DEBUG" for r in records)


@pytest.mark.integration
def test_demo_prints_what_readme_shows_and_writes_under_100_kb():
    proc = subprocess.run([sys.executable, "-m", "bnwatch.cli", "demo", "--timeout", "60"], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    written = len(proc.stdout.encode()) + len(proc.stderr.encode())
    assert written < 100_000, f"the demo wrote {written} bytes"
    # one line per event, nothing below INFO, no item dumps
    for line in proc.stderr.splitlines():
        assert LINE.match(line), line
    assert " DEBUG " not in proc.stderr and "Scraped" not in proc.stderr and "raw_page" not in proc.stderr
    assert re.search(r"INFO bnwatch.app.pipeline: run finished in [\d.]+ s: fetched=\d+ published=\d+", proc.stderr)
    # stdout has README's shape: a header line, alert blocks, the closing count
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"\./run\.sh demo\n```\n(.*?)```", readme, re.S) or re.search(
        r"```\n(bnwatch demo: outlet replay.*?)```", readme, re.S)
    assert block, "README shows no demo printout"
    alert_line = re.compile(r"^\[\s*\d+\.\ds\] (ALERT|UPDATE) \[ru-nk\] score=\d\.\d\d story=ru-nk-[0-9a-f]{12} v\d$")
    for text in (block.group(1), proc.stdout):
        lines = text.strip().splitlines()
        assert lines[0].startswith("bnwatch demo: outlet replay on 127.0.0.1:"), lines[0]
        assert re.match(r"bnwatch demo: \d+ alert\(s\) delivered in [\d.]+ s$", lines[-1]), lines[-1]
        assert sum(bool(alert_line.match(line)) for line in lines) >= 4, text


def test_a_bad_log_level_or_format_is_one_line_and_exit_2(tmp_path):
    env = {**os.environ, "BNWATCH_DATA_DIR": str(tmp_path), "BNWATCH_LOG_LEVEL": "loud"}
    proc = subprocess.run([sys.executable, "-m", "bnwatch.cli", "config"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "bnwatch: log level 'LOUD': one of DEBUG, INFO, WARNING, ERROR (BNWATCH_LOG_LEVEL / BNWATCH_LOG_FORMAT)"]
    proc = subprocess.run([sys.executable, "-m", "bnwatch.cli", "run", "--log-format", "xml"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "argument --log-format: invalid choice: 'xml'" in proc.stderr
    assert "Traceback" not in proc.stderr
