"""The local development broker: config rendering (cheap), and start/stop/status against real JVMs."""

from __future__ import annotations

import os
import re
import time

import pytest

from bnwatch import kafka_client
from devtools.kafka_local import LocalKafka, broker_answers, free_port, kafka_command


def test_refuses_alertmanager_port(tmp_path):
    with pytest.raises(ValueError, match="9093"):
        LocalKafka(tmp_path, port=9093)
    with pytest.raises(ValueError, match="9093"):
        LocalKafka(tmp_path, controller_port=9093)


def test_config_binds_loopback_with_data_under_run_dir(tmp_path):
    broker = LocalKafka(tmp_path / "run", port=19092, controller_port=19094)
    broker.run_dir.mkdir()
    text = broker.write_config().read_text()
    assert "@" not in re.sub(r"1@127", "", text), "unreplaced placeholder"
    assert "listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19094" in text
    assert "controller.quorum.voters=1@127.0.0.1:19094" in text
    assert f"log.dirs={tmp_path / 'run' / 'data'}" in text
    assert not [line for line in text.splitlines() if "9093" in line and not line.startswith("#")]
    assert "auto.create.topics.enable=false" in text
    assert f"message.max.bytes={kafka_client.MAX_MESSAGE_BYTES}" in text
    assert f"replica.fetch.max.bytes={kafka_client.MAX_MESSAGE_BYTES}" in text


def test_status_of_empty_run_dir(tmp_path, capsys):
    assert LocalKafka(tmp_path).status() == {
        "running": False, "pid": None, "bootstrap": "127.0.0.1:9092", "run_dir": str(tmp_path)
    }
    assert kafka_command("status", run_dir=tmp_path) == 3
    assert "not running" in capsys.readouterr().out
    assert kafka_command("bogus", run_dir=tmp_path) == 2


@pytest.mark.integration
def test_session_broker_start_is_idempotent(local_kafka):
    if local_kafka is None:
        pytest.skip("KAFKA_BOOTSTRAP_SERVERS given: no local broker to inspect")
    before = local_kafka.status()
    began = time.monotonic()
    after = local_kafka.start()
    assert time.monotonic() - began < 5
    assert before["running"] and after["pid"] == before["pid"]
    assert (local_kafka.data_dir / "meta.properties").exists()
    assert local_kafka.data_dir.parent == local_kafka.run_dir
    # a second object on the same run dir (another process, `bnwatch kafka start`) finds it too
    other = LocalKafka(local_kafka.run_dir, port=free_port(), controller_port=free_port())
    assert other.start()["pid"] == before["pid"]
    assert other.bootstrap == local_kafka.bootstrap


@pytest.mark.integration
def test_start_stop_cycle(tmp_path, capsys):
    port = free_port()
    broker = LocalKafka(tmp_path / "run", port=port, controller_port=free_port(exclude=(port,)))
    began = time.monotonic()
    status = broker.start()
    assert time.monotonic() - began < 60
    try:
        assert status["running"] and status["bootstrap"] == f"127.0.0.1:{port}"
        pid = status["pid"]
        cmdline = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        assert cmdline[0].endswith(b"java") and b"kafka.Kafka" in cmdline  # java itself, not a shell
        assert (broker.data_dir / "meta.properties").exists()
        assert broker.log_file.exists()
        assert kafka_command("status", run_dir=broker.run_dir) == 0
        assert f"pid={pid}" in capsys.readouterr().out
    finally:
        assert broker.stop()
    assert not os.path.exists(f"/proc/{pid}")
    assert broker.status()["running"] is False
    assert not broker_answers(broker.bootstrap, timeout_ms=500)
    assert broker.stop() is False


def test_bnwatch_kafka_from_a_checkout_finds_the_devtools_broker(tmp_path):
    """The console script, run outside the checkout (no checkout on sys.path), still reaches devtools/."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).with_name("bnwatch")
    done = subprocess.run([str(script), "kafka", "status"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode in (0, 1, 3), done.stderr[-2000:]
    assert done.stdout.startswith("kafka ") and "Traceback" not in done.stderr


def test_bnwatch_kafka_without_devtools_says_to_use_a_real_broker(monkeypatch, capsys):
    import sys

    from bnwatch.cli import main

    monkeypatch.setitem(sys.modules, "devtools.kafka_local", None)  # an installation without the dev package
    assert main(["kafka", "start"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "use a real Kafka broker" in err and "BNWATCH_KAFKA_BOOTSTRAP" in err
