"""A throw-away PostgreSQL server for the outbox tests (imported through conftest.py, which puts this directory on
sys.path): the Debian server binaries (package postgresql), a cluster in a temporary directory, a free loopback
port, stopped and removed at the end. PostgreSQL refuses to run as root, so as root the cluster belongs to the
`postgres` system user. `fsync=off`: only for tests, a crashed test server is simply thrown away.

BNWATCH_TEST_POSTGRES_URL (a postgresql:// URL of a database the tests may create schemas in) uses an existing
server instead."""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

BIN_GLOB = "/usr/lib/postgresql/*/bin"
DATABASE = "bnwatch"
USER = "bnwatch"


def _missing(reason: str) -> None:
    """CI must not pass without the PostgreSQL tests; a developer's machine may lack the server."""
    message = f"{reason} (Debian package postgresql; scripts/setup.sh --test installs it)"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def bindir() -> Path:
    """The newest installed server's bin directory (initdb, pg_ctl), or skip/fail."""
    def version(path: str) -> tuple[int, ...]:
        m = re.search(r"/postgresql/([\d.]+)/bin$", path)
        return tuple(int(x) for x in m.group(1).split(".")) if m else (0,)

    found = sorted((d for d in glob.glob(BIN_GLOB) if os.access(os.path.join(d, "initdb"), os.X_OK)), key=version)
    if found:
        return Path(found[-1])
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    _missing(f"PostgreSQL server binaries not found in {BIN_GLOB} or on PATH")
    raise AssertionError("unreachable")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalPostgres:
    def __init__(self) -> None:
        self.bin = bindir()
        self.as_user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                _missing("running as root and there is no 'postgres' user to run the server as")
            self.as_user = "postgres"
        self.root = Path(tempfile.mkdtemp(prefix="bnwatch-pg-"))  # /tmp: the postgres user must reach it
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.logfile = self.root / "server.log"
        self.port = free_port()
        self.started = False

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.as_user:
            cmd = ["runuser", "-u", self.as_user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def start(self) -> "LocalPostgres":
        self.sockets.mkdir()
        if self.as_user:
            pw = pwd.getpwnam(self.as_user)
            for p in (self.root, self.sockets):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        init = self._run(str(self.bin / "initdb"), "-A", "trust", "-U", USER, "--encoding=UTF8", "--locale=C",
                         "-D", str(self.data))
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{init.stdout}\n{init.stderr}")
        # fsync=off: tests only (nothing here has to survive a crash of the machine)
        opts = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        run = self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.logfile), "-o", opts, "-w",
                        "-t", "60", "start")
        if run.returncode != 0:
            log = self.logfile.read_text(errors="replace") if self.logfile.exists() else ""
            raise RuntimeError(f"pg_ctl start failed:\n{run.stdout}\n{run.stderr}\n{log[-3000:]}")
        self.started = True
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        return self

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.started:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", timeout=60)
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)


def schema_url(base: str, schema: str) -> str:
    """`base` with the search_path set to `schema` (the outbox's tables go there)."""
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def new_schema(base: str) -> str:
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    return name


def drop_schema(base: str, name: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
