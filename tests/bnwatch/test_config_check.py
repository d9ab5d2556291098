"""Configuration is checked at start-up (issue #14): every bad input below is one line on stderr naming the variable
or file and what is wrong, exit 2 (1 for an unreachable Kafka broker), never a traceback, and nothing starts.

The real CLI runs as a subprocess with a clean environment (no BNWATCH_* from the caller) and its data in tmp_path.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bnwatch import outlets as outlets_module
from bnwatch.outlets import OutletError

ROOT = Path(__file__).resolve().parents[2]
BNWATCH = Path(sys.executable).parent / "bnwatch"
SECRET = "whsec_" + base64.b64encode(b"k" * 24).decode()
PORT_PROBLEM = "not a port number (1-65535, or 0 for any free port)"


def bnwatch(tmp_path: Path, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BNWATCH_") and k != "KAFKA_BOOTSTRAP_SERVERS"}
    clean.update({"BNWATCH_DATA_DIR": str(tmp_path / "data"), **env})
    return subprocess.run([str(BNWATCH), *args], cwd=tmp_path, env=clean, capture_output=True, text=True,
                          timeout=timeout)


def assert_one_line(result: subprocess.CompletedProcess, line: str, code: int = 2) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines() == [line], result.stderr
    assert result.returncode == code


def subscribers_file(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "subscribers.yaml"
    path.write_text("subscribers:\n  - name: analyst\n" + extra +
                    "    channels:\n      - type: webhook\n        url: http://127.0.0.1:9/hook\n"
                    f"        secret: {SECRET}\n", encoding="utf-8")
    return path


def outlets_with_a_bad_file(tmp_path: Path) -> tuple[Path, Path]:
    directory = tmp_path / "outlets"
    shutil.copytree(ROOT / "crawler" / "outlets", directory)
    assert len(list(directory.glob("*/outlet.yaml"))) >= 32
    bad = directory / "prothomalo" / "outlet.yaml"
    bad.write_text(bad.read_text(encoding="utf-8") + "selectors: [title: h1\n", encoding="utf-8")
    return directory, bad


def test_metrics_port_that_is_not_a_number(tmp_path):
    result = bnwatch(tmp_path, "run", "--once", BNWATCH_METRICS_PORT="abc")
    assert_one_line(result, f"bnwatch: BNWATCH_METRICS_PORT='abc': {PORT_PROBLEM}")


def test_metrics_port_out_of_range_in_the_environment_and_on_the_command_line(tmp_path):
    result = bnwatch(tmp_path, "crawl", BNWATCH_METRICS_PORT="99999")
    assert_one_line(result, f"bnwatch: BNWATCH_METRICS_PORT='99999': {PORT_PROBLEM}")
    result = bnwatch(tmp_path, "run", "--once", "--metrics-port", "99999")
    assert_one_line(result, f"bnwatch: --metrics-port 99999: {PORT_PROBLEM}")


def test_data_dir_that_cannot_be_created(tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    data = tmp_path / "a-file" / "data"
    result = bnwatch(tmp_path, "run", "--once", BNWATCH_DATA_DIR=str(data))
    assert_one_line(result, f"bnwatch: BNWATCH_DATA_DIR='{data}': cannot create or write there: Not a directory")


def test_mysql_delivery_store_is_refused_without_creating_a_file_or_printing_the_password(tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    result = bnwatch(tmp_path, "run", "--once", BNWATCH_DELIVERY_STORE="mysql://u:pw@h/db")
    assert_one_line(result, "bnwatch: BNWATCH_DELIVERY_STORE: mysql:// is not supported: give a SQLite file path "
                            "or a postgresql:// URL")
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no ./mysql:/u:pw@h/db
    assert not (tmp_path / "mysql:").exists()
    assert "pw" not in result.stderr and "pw" not in result.stdout


def test_subscriber_with_an_unknown_rule(tmp_path):
    path = subscribers_file(tmp_path, "    rules: [ru-nkk]\n")
    result = bnwatch(tmp_path, "run", "--once", BNWATCH_SUBSCRIBERS=str(path))
    assert_one_line(result, f"bnwatch: {path}: subscribers[0] (analyst).rules: unknown rule 'ru-nkk' "
                            "(did you mean 'ru-nk'?)")


def test_subscriber_with_an_unknown_outlet(tmp_path):
    path = subscribers_file(tmp_path, "    outlets: [prothomaloo]\n")
    line = (f"bnwatch: {path}: subscribers[0] (analyst).outlets: unknown outlet 'prothomaloo' "
            "(did you mean 'prothomalo'?)")
    assert_one_line(bnwatch(tmp_path, "run", "--once", BNWATCH_SUBSCRIBERS=str(path)), line)
    assert_one_line(bnwatch(tmp_path, "subscribers", "list", "--file", str(path)), line)
    assert_one_line(bnwatch(tmp_path, "consume", "notify", BNWATCH_SUBSCRIBERS=str(path),
                            BNWATCH_KAFKA_BOOTSTRAP="127.0.0.1:9"), line)


def test_a_running_notifier_refuses_a_changed_subscribers_file_naming_an_unknown_rule(tmp_path):
    """Start-up is not the only time the file is read: a reload that names `ru-nkk` keeps the previous set."""
    from bnwatch.app.checks import subscriber_references
    from bnwatch.config import Settings
    from consumers.notify.subscriptions import Subscriptions

    path = subscribers_file(tmp_path, "    rules: [ru-nk]\n")
    subs = Subscriptions(path, env={}, validate=subscriber_references(Settings()))
    assert [s.rules for s in subs.subscribers] == [("ru-nk",)]
    path.write_text(path.read_text(encoding="utf-8").replace("[ru-nk]", "[ru-nkk]"), encoding="utf-8")
    os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert subs.maybe_reload() is False
    assert subs.reload_errors == 1 and [s.rules for s in subs.subscribers] == [("ru-nk",)]


def test_subscriber_with_a_known_rule_from_the_rules_file_is_accepted(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: padma-bridge\n    terms: [পদ্মা সেতু]\n", encoding="utf-8")
    path = subscribers_file(tmp_path, "    rules: [padma-bridge, ru-nk]\n")
    result = bnwatch(tmp_path, "subscribers", "list", BNWATCH_SUBSCRIBERS=str(path), BNWATCH_RULES_FILE=str(rules))
    assert result.returncode == 0, result.stderr
    assert "padma-bridge,ru-nk" in result.stdout


def test_rules_file_that_is_not_yaml(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: [\n", encoding="utf-8")
    result = bnwatch(tmp_path, "run", "--once", BNWATCH_RULES_FILE=str(rules))
    assert result.stderr.startswith(f"bnwatch: BNWATCH_RULES_FILE='{rules}': "), result.stderr
    assert_one_line(result, result.stderr.strip())


def test_outlets_dir_that_does_not_exist(tmp_path):
    result = bnwatch(tmp_path, "crawl", BNWATCH_OUTLETS_DIR="/nonexistent")
    assert_one_line(result, "bnwatch: BNWATCH_OUTLETS_DIR='/nonexistent': no such directory (the outlet registry)")


def test_replay_hosts_that_are_not_host_ip_port_pairs(tmp_path):
    result = bnwatch(tmp_path, "run", "--once", BNWATCH_REPLAY_HOSTS="garbage")
    assert_one_line(result, "bnwatch: BNWATCH_REPLAY_HOSTS='garbage': 'garbage' is not host=ip:port "
                            "(e.g. *=127.0.0.1:8800)")


def test_kafka_bootstrap_that_is_not_host_port(tmp_path):
    result = bnwatch(tmp_path, "crawl", BNWATCH_KAFKA_BOOTSTRAP="localhost")
    assert_one_line(result, "bnwatch: BNWATCH_KAFKA_BOOTSTRAP='localhost': not host:port[,host:port...]")


def test_kafka_timeout_that_is_not_seconds(tmp_path):
    result = bnwatch(tmp_path, "consume", "tag", BNWATCH_KAFKA_BOOTSTRAP="127.0.0.1:9", BNWATCH_KAFKA_TIMEOUT="soon")
    assert_one_line(result, "bnwatch: BNWATCH_KAFKA_TIMEOUT='soon': not a number of seconds greater than 0")


def test_consume_without_kafka(tmp_path):
    assert_one_line(bnwatch(tmp_path, "consume", "clean"),
                    "bnwatch: bnwatch consume needs Kafka: set BNWATCH_KAFKA_BOOTSTRAP or KAFKA_BOOTSTRAP_SERVERS")


def test_unknown_outlet_on_the_command_line(tmp_path):
    assert_one_line(bnwatch(tmp_path, "run", "--once", "--outlets", "nosuch"),
                    "bnwatch: --outlets: unknown outlet 'nosuch' (32 outlets in crawler/outlets/)")
    assert_one_line(bnwatch(tmp_path, "crawl", "--outlets", "dailyinqilab,prothomaloo"),
                    "bnwatch: --outlets: unknown outlet 'prothomaloo' (did you mean 'prothomalo'?)")


def test_one_malformed_outlet_file_stops_the_run_naming_the_file(tmp_path):
    directory, bad = outlets_with_a_bad_file(tmp_path)
    result = bnwatch(tmp_path, "run", "--once", BNWATCH_OUTLETS_DIR=str(directory))
    assert_one_line(result, f"bnwatch: {bad}: not valid YAML: expected ',' or ']', but got '<stream end>' "
                            f"(line {len(bad.read_text(encoding='utf-8').splitlines()) + 1}, column 1)")


def test_one_malformed_outlet_file_makes_the_clean_stage_refuse_to_start(tmp_path, monkeypatch):
    from consumers.clean.stage import CleanStage

    directory, bad = outlets_with_a_bad_file(tmp_path)
    monkeypatch.setenv("BNWATCH_OUTLETS_DIR", str(directory))
    monkeypatch.setattr(outlets_module, "_default", None)
    with pytest.raises(OutletError, match=f"^{bad}: not valid YAML"):
        CleanStage()
    from consumers.clean.extract import extract_page

    with pytest.raises(OutletError, match=f"^{bad}: not valid YAML"):  # no generic extraction without selectors
        extract_page("<html><head><title>শিরোনাম</title></head><body><p>খবর</p></body></html>",
                     url="https://www.prothomalo.com/bangladesh/x")


def test_an_outlet_file_of_the_wrong_shape_is_named(tmp_path):
    directory = tmp_path / "outlets"
    (directory / "x").mkdir(parents=True)
    (directory / "x" / "outlet.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(OutletError, match=r"x/outlet\.yaml: must be a mapping of outlet fields, got list$"):
        outlets_module.Registry.load(directory)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when this returns: nothing listens there


def test_kafka_on_a_closed_port_gives_one_line_and_exit_1_within_the_timeout(tmp_path):
    port = _closed_port()
    t0 = time.monotonic()
    result = bnwatch(tmp_path, "crawl", BNWATCH_KAFKA_BOOTSTRAP=f"127.0.0.1:{port}", BNWATCH_KAFKA_TIMEOUT="3")
    elapsed = time.monotonic() - t0
    assert_one_line(result, f"bnwatch: Kafka at 127.0.0.1:{port} not reachable within 3 s", code=1)
    assert 3 <= elapsed < 15, elapsed


@pytest.mark.integration
def test_wait_for_broker_returns_at_once_when_kafka_answers(kafka_bootstrap):
    from bnwatch.kafka_client import wait_for_broker

    t0 = time.monotonic()
    assert wait_for_broker(kafka_bootstrap, 10)
    assert time.monotonic() - t0 < 5


def test_config_prints_every_variable_with_secrets_redacted_and_exits_0(tmp_path):
    result = bnwatch(tmp_path, "config", BNWATCH_DELIVERY_STORE="postgresql://bn:s3cret@db.example/bnwatch",
                     BNWATCH_LOCAL_WEBHOOK_SECRET=SECRET, BNWATCH_METRICS_PORT="9410")
    assert result.returncode == 0, result.stderr
    assert "s3cret" not in result.stdout and SECRET not in result.stdout
    lines = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:-1]}
    assert lines["BNWATCH_DELIVERY_STORE"] == ["postgresql://bn:***@db.example/bnwatch", "env"]
    assert lines["BNWATCH_LOCAL_WEBHOOK_SECRET"] == ["***", "env"]
    assert lines["BNWATCH_METRICS_PORT"] == ["9410", "env"]
    assert lines["BNWATCH_KAFKA_TIMEOUT"] == ["30", "default"]
    assert result.stdout.splitlines()[-1] == "configuration OK"


def test_config_prints_every_problem_and_exits_2(tmp_path):
    result = bnwatch(tmp_path, "config", BNWATCH_DELIVERY_STORE="mysql://u:pw@h/db", BNWATCH_METRICS_PORT="abc",
                     BNWATCH_OUTLETS_DIR="/nonexistent")
    assert "Traceback" not in result.stderr
    assert result.returncode == 2
    assert "mysql://u:***@h/db" in result.stdout and "pw" not in result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [
        f"bnwatch config: BNWATCH_METRICS_PORT='abc': {PORT_PROBLEM}",
        "bnwatch config: BNWATCH_DELIVERY_STORE: mysql:// is not supported: give a SQLite file path or a "
        "postgresql:// URL",
        "bnwatch config: BNWATCH_OUTLETS_DIR='/nonexistent': no such directory (the outlet registry)",
    ]
