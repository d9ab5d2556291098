"""The local development broker: a real single-node Apache Kafka (KRaft) run from Maven Central jars.

There is no Docker and no Kafka package on the project's machines, so `deploy/kafka/pom.xml` assembles the broker's
classpath and this module formats its storage, launches the JVM directly (so the recorded PID is java's, not a
shell's), waits until the broker answers a metadata request (an open port is not enough) and stops it with SIGTERM,
then SIGKILL. The controller listens on 9094, never 9093, which is Alertmanager's port.

A development tool (tests, benchmarks, `bnwatch kafka` from a checkout): the installed bnwatch does not carry it;
production points BNWATCH_KAFKA_BOOTSTRAP at a real cluster.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the checkout
DEPLOY_DIR = PROJECT_ROOT / "deploy" / "kafka"
DEFAULT_RUN_DIR = PROJECT_ROOT / ".kafka" / "run"
DEFAULT_LIBS_DIR = PROJECT_ROOT / ".kafka" / "libs"
ALERTMANAGER_PORT = 9093
JVM_OPTS = ("-Xms256m", "-Xmx512m", "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true")
MAIN_CLASS = "kafka.Kafka"


class KafkaStartError(RuntimeError):
    """The broker did not come up; the message carries the tail of its log."""


class LocalKafka:
    """One broker whose state (config, data, logs, PID) lives under `run_dir`.

    Layout: run_dir/server.properties, run_dir/data (KRaft log dirs), run_dir/logs/kafka.out,
    run_dir/kafka.json (pid and ports of the running broker, so another process can stop it).
    """

    def __init__(
        self,
        run_dir: Path | str = DEFAULT_RUN_DIR,
        port: int = 9092,
        controller_port: int = 9094,
        libs_dir: Path | str = DEFAULT_LIBS_DIR,
        java: str | None = None,
        sasl_users: dict[str, str] | None = None,
    ):
        """`sasl_users` ({user: password}, the first one also used between broker and itself): the client
        listener speaks SASL_PLAINTEXT with the PLAIN mechanism and only these users get in."""
        if ALERTMANAGER_PORT in (port, controller_port):
            raise ValueError(f"port {ALERTMANAGER_PORT} is Alertmanager's; pick another for Kafka")
        if port == controller_port:
            raise ValueError("broker and controller ports must differ")
        self.run_dir = Path(run_dir).resolve()
        self.port = port
        self.controller_port = controller_port
        self.libs_dir = Path(libs_dir).resolve()
        self.java = java or _find_java()
        self.sasl_users = dict(sasl_users or {})
        self._proc: subprocess.Popen | None = None

    # -- paths ---------------------------------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return self.run_dir / "data"

    @property
    def log_file(self) -> Path:
        return self.run_dir / "logs" / "kafka.out"

    @property
    def config_file(self) -> Path:
        return self.run_dir / "server.properties"

    @property
    def state_file(self) -> Path:
        return self.run_dir / "kafka.json"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def listener(self) -> str:
        return "SASL_PLAINTEXT" if self.sasl_users else "PLAINTEXT"

    def client_config(self) -> dict[str, Any]:
        """kafka-python connection keywords for this broker (as its first SASL user when it has any)."""
        config: dict[str, Any] = {"bootstrap_servers": self.bootstrap}
        if self.sasl_users:
            user, password = next(iter(self.sasl_users.items()))
            config.update(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                          sasl_plain_username=user, sasl_plain_password=password)
        return config

    def _sasl_properties(self) -> str:
        if not self.sasl_users:
            return ""
        user, password = next(iter(self.sasl_users.items()))
        users = " ".join(f'user_{_jaas(u)}="{_jaas(p)}"' for u, p in self.sasl_users.items())
        jaas = (f'org.apache.kafka.common.security.plain.PlainLoginModule required username="{_jaas(user)}" '
                f'password="{_jaas(password)}" {users};')
        return "\n".join([
            "sasl.enabled.mechanisms=PLAIN",
            "sasl.mechanism.inter.broker.protocol=PLAIN",
            f"listener.name.sasl_plaintext.plain.sasl.jaas.config={jaas}",
        ])

    # -- jars and storage -----------------------------------------------------------------------------------------
    def ensure_jars(self) -> None:
        """Build the broker classpath with Maven if the Kafka jar is missing (cold ~18 s, then cached)."""
        if any(self.libs_dir.glob("kafka_2.13-*.jar")):
            return
        mvn = shutil.which("mvn")
        if not mvn:
            raise KafkaStartError(f"no Kafka jars in {self.libs_dir} and no `mvn` to build them")
        subprocess.run(
            [mvn, "-B", "-q", "-f", str(DEPLOY_DIR / "pom.xml"), f"-Dkafka.libs.dir={self.libs_dir}", "package"],
            check=True,
        )
        if not any(self.libs_dir.glob("kafka_2.13-*.jar")):
            raise KafkaStartError(f"mvn finished but {self.libs_dir} holds no kafka_2.13 jar")

    def write_config(self) -> Path:
        template = (DEPLOY_DIR / "server.properties.in").read_text(encoding="utf-8")
        text = (
            template.replace("@PORT@", str(self.port))
            .replace("@CONTROLLER_PORT@", str(self.controller_port))
            .replace("@DATA_DIR@", str(self.data_dir))
            .replace("@LISTENER@", self.listener)
            .replace("@SASL@", self._sasl_properties())
        )
        self.config_file.write_text(text, encoding="utf-8")
        return self.config_file

    def _format_storage(self) -> None:
        """Format the KRaft log dir once; a formatted dir keeps its cluster id across restarts."""
        if (self.data_dir / "meta.properties").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._java_tool("format", "-t", new_cluster_id(), "-c", str(self.config_file), "--ignore-formatted")

    def _java_tool(self, *args: str) -> str:
        cmd = [self.java, "-Xmx256m", *self._log_opts(), "-cp", self._classpath(), "kafka.tools.StorageTool", *args]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise KafkaStartError(f"StorageTool {' '.join(args)} failed: {result.stderr or result.stdout}")
        return result.stdout

    def _classpath(self) -> str:
        return str(self.libs_dir / "*")

    def _log_opts(self) -> list[str]:
        return [
            f"-Dlog4j2.configurationFile={DEPLOY_DIR / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={self.log_file.parent}",
        ]

    # -- lifecycle ------------------------------------------------------------------------------------------------
    def start(self, timeout: float = 90.0) -> dict:
        """Start the broker unless one from this run dir is already running; return status() once it answers."""
        state = self._read_state()
        if state and _is_broker(state["pid"]):
            self.port, self.controller_port = state["port"], state["controller_port"]
            self._wait_ready(state["pid"], timeout)
            return self.status()
        for p in (self.port, self.controller_port):
            if not _port_free(p):
                raise KafkaStartError(f"port {p} on 127.0.0.1 is in use by another process")
        self.ensure_jars()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.write_config()
        self._format_storage()
        cmd = [self.java, *JVM_OPTS, *self._log_opts(), "-cp", self._classpath(), MAIN_CLASS, str(self.config_file)]
        with open(self.log_file, "ab") as out:
            # own session: a Ctrl-C in the terminal that ran `bnwatch kafka start` must not kill the broker
            self._proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        self._write_state(self._proc.pid)
        self._wait_ready(self._proc.pid, timeout)
        return self.status()

    def _wait_ready(self, pid: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if not _alive(pid, self._proc):
                self._clear_state()
                raise KafkaStartError(f"Kafka (pid {pid}) exited during start-up; log tail:\n{self.log_tail()}")
            if _port_open(self.port) and broker_answers(**self.client_config()):
                return
            if time.monotonic() > deadline:
                raise KafkaStartError(f"Kafka (pid {pid}) not ready after {timeout:.0f} s; log tail:\n{self.log_tail()}")
            time.sleep(0.25)

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM the broker, wait up to `timeout`, then SIGKILL. Returns whether a broker was running."""
        state = self._read_state()
        pid = state["pid"] if state else (self._proc.pid if self._proc else None)
        if pid is None or not _is_broker(pid):
            self._clear_state()
            return False
        os.kill(pid, signal.SIGTERM)
        if not _wait_exit(pid, self._proc, timeout):
            os.kill(pid, signal.SIGKILL)
            _wait_exit(pid, self._proc, 10.0)
        self._proc = None
        self._clear_state()
        return True

    def status(self) -> dict:
        state = self._read_state()
        pid = state["pid"] if state else None
        running = pid is not None and _is_broker(pid)
        port = state["port"] if state else self.port
        return {
            "running": running,
            "pid": pid if running else None,
            "bootstrap": f"127.0.0.1:{port}",
            "run_dir": str(self.run_dir),
        }

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    # -- state file -----------------------------------------------------------------------------------------------
    def _write_state(self, pid: int) -> None:
        state = {"pid": pid, "port": self.port, "controller_port": self.controller_port}
        self.state_file.write_text(json.dumps(state), encoding="utf-8")

    def _read_state(self) -> dict | None:
        try:
            return json.loads(self.state_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None

    def _clear_state(self) -> None:
        self.state_file.unlink(missing_ok=True)


def broker_answers(bootstrap: str | None = None, timeout_ms: int = 3000, **client: Any) -> bool:
    """True if the broker answers a metadata request (the readiness test; an open port is not enough).
    `client`: kafka-python connection keywords (bootstrap_servers, security ones) instead of `bootstrap`."""
    from kafka import KafkaAdminClient  # imported here so `bnwatch kafka status` stays cheap when nothing runs

    try:
        admin = KafkaAdminClient(
            **{"bootstrap_servers": bootstrap, **client}, bootstrap_timeout_ms=timeout_ms,
            request_timeout_ms=timeout_ms,
        )
    except Exception:
        return False
    try:
        admin.describe_cluster()
        return True
    except Exception:
        return False
    finally:
        admin.close()


def new_cluster_id() -> str:
    """A KRaft cluster id the way `StorageTool random-uuid` makes one (22 chars of base64url, not starting with
    '-'), without paying a JVM start for it."""
    while True:
        cluster_id = base64.urlsafe_b64encode(os.urandom(16)).decode("ascii").rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def _jaas(value: str) -> str:
    """A value quoted inside a JAAS config line."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _find_java() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java") or "java"


def _is_broker(pid: int) -> bool:
    """The PID is alive and is a Kafka broker JVM (guards against a recycled PID in a stale state file)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return MAIN_CLASS.encode() in cmdline and not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X")


def _alive(pid: int, proc: subprocess.Popen | None) -> bool:
    if proc is not None and proc.pid == pid:
        return proc.poll() is None
    return _is_broker(pid)


def _wait_exit(pid: int, proc: subprocess.Popen | None, timeout: float) -> bool:
    if proc is not None and proc.pid == pid:
        try:
            proc.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_broker(pid):
            return True
        time.sleep(0.2)
    return not _is_broker(pid)


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port(exclude: tuple[int, ...] = ()) -> int:
    """An unused loopback port chosen by the OS (for test brokers that must not clash with a developer's)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port != ALERTMANAGER_PORT and port not in exclude:
            return port


def kafka_command(action: str, port: int | None = None, run_dir: Path | str | None = None) -> int:
    """`bnwatch kafka start|stop|status`: prints one status line; exit 0 = done/running, 3 = not running, 1 = error.

    `port` matters only for start; stop and status find the broker through the run dir's state file."""
    options: dict[str, Any] = {"run_dir": run_dir or DEFAULT_RUN_DIR}
    if port:
        options["port"] = port
    broker = LocalKafka(**options)
    try:
        if action == "start":
            began = time.monotonic()
            was_running = broker.status()["running"]
            st = broker.start()
            how = "already running" if was_running else f"started in {time.monotonic() - began:.1f} s"
            print(f"kafka running pid={st['pid']} bootstrap={st['bootstrap']} ({how}; logs {broker.log_file})")
            return 0
        if action == "stop":
            print("kafka stopped" if broker.stop() else "kafka was not running")
            return 0
        if action == "status":
            st = broker.status()
            if not st["running"]:
                print(f"kafka not running (run dir {st['run_dir']})")
                return 3
            answering = broker_answers(st["bootstrap"])
            print(f"kafka running pid={st['pid']} bootstrap={st['bootstrap']} answering={'yes' if answering else 'no'}")
            return 0 if answering else 1
    except (KafkaStartError, subprocess.CalledProcessError, OSError, ValueError) as exc:
        print(f"kafka {action} failed: {exc}")
        return 1
    print(f"unknown action {action!r}: use start, stop or status")
    return 2
