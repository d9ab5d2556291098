"""Shared by tests/deploy (imported through conftest.py, which puts this directory on sys.path): helpers for the deployment tests: where the deploy files are, the Prometheus/Alertmanager binaries, running
them as real processes (temporary dirs, free loopback ports, bounded waits), and reading metric names out of
bnwatch/metrics.py and out of PromQL."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PROM_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
RULES_DIR = DEPLOY / "prometheus" / "rules"
RULE_TESTS_DIR = DEPLOY / "prometheus" / "tests"
AM_CONFIG = DEPLOY / "alertmanager" / "alertmanager.yml"
DASHBOARDS_DIR = DEPLOY / "grafana" / "dashboards"
GRAFANA_PROVISIONING = DEPLOY / "grafana" / "provisioning"
COMPOSE = DEPLOY / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

DATASOURCE_UID = "prometheus"


def binary(name: str) -> str:
    """Path of a Prometheus-suite binary. Missing: the test fails in CI (CI=true; scripts/setup.sh --test installs
    them, so CI must not pass without these tests) and is skipped, with the reason, elsewhere."""
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if not path:
        message = f"{name} is not installed (Debian packages prometheus / prometheus-alertmanager)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


def run_tool(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)


def rule_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.yml"))


def rule_test_files() -> list[Path]:
    return sorted(RULE_TESTS_DIR.glob("*.yml"))


def dashboards() -> list[Path]:
    return sorted(DASHBOARDS_DIR.glob("*.json"))


def load_dashboard(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def all_panels(dashboard: dict) -> list[dict]:
    """Every panel, rows' nested panels included, rows themselves excluded."""
    out = []
    for panel in dashboard.get("panels", []):
        if panel.get("type") == "row":
            out.extend(panel.get("panels", []))
        else:
            out.append(panel)
    return out


def alert_rules() -> list[dict]:
    rules = []
    for path in rule_files():
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            rules.extend(r for r in group["rules"] if "alert" in r)
    return rules


def recording_rules() -> list[dict]:
    rules = []
    for path in rule_files():
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            rules.extend(r for r in group["rules"] if "record" in r)
    return rules


# -- docker-compose.yml rendered as `docker compose config` would (Docker is absent here) -----------------------

_COMPOSE_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])((?:[^{}]|\{[^{}]*\})*))?\}"
                          r"|\$([A-Za-z_][A-Za-z0-9_]*)")


class ComposeVariableError(ValueError):
    """A required variable (`${VAR:?message}`) is unset: compose refuses to start, naming it."""


def interpolate_compose(text: str, env: dict[str, str]) -> str:
    """Compose's interpolation: `${VAR}`, `$VAR`, `${VAR:-default}` (unset or empty), `${VAR-default}` (unset),
    `${VAR:?err}` / `${VAR?err}` (error), `$$` (a literal `$`); defaults may nest one `${...}`."""

    def sub(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(5)
        colon, op, arg = m.group(2), m.group(3), m.group(4)
        value = env.get(name)
        missing = value is None or (colon == ":" and value == "")
        if op == "-":
            return interpolate_compose(arg, env) if missing else value
        if op == "?":
            if missing:
                raise ComposeVariableError(f"required variable {name} is missing a value: {arg}")
            return value
        return value or ""

    return _COMPOSE_VAR.sub(sub, text)


def render_compose(env: dict[str, str] | None = None, text: str | None = None) -> dict:
    """The compose file as the engine sees it with exactly `env` set (YAML merge keys applied by the loader)."""
    raw = yaml.safe_load(COMPOSE.read_text(encoding="utf-8") if text is None else text)

    def walk(node):
        if isinstance(node, str):
            return interpolate_compose(node, env or {})
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        return node

    return walk(raw)


# -- Grafana macros → plain PromQL (what Grafana itself does before sending a query) ------------------------------

MACROS = {
    "$__rate_interval": "1m",
    "$__interval": "15s",
    "$__range": "1h",
    "${__range}": "1h",
    "${__rate_interval}": "1m",
}


def grafana_to_promql(expr: str, variables: dict[str, str] | None = None) -> str:
    for macro, value in MACROS.items():
        expr = expr.replace(macro, value)
    for name, value in (variables or {}).items():
        expr = expr.replace("${" + name + "}", value).replace("$" + name, value)
    return expr


def dashboard_variables(dashboard: dict) -> dict[str, str]:
    """Template variables, each replaced by its All value (a regex matching everything)."""
    return {v["name"]: v.get("allValue") or ".*" for v in dashboard.get("templating", {}).get("list", [])}


def panel_queries() -> dict[str, str]:
    """"<dashboard> / <panel title> / <refId>" → the panel's PromQL as Grafana would send it."""
    out = {}
    for path in dashboards():
        d = load_dashboard(path)
        variables = dashboard_variables(d)
        for panel in all_panels(d):
            for target in panel["targets"]:
                out[f"{path.name} / {panel['title']} / {target['refId']}"] = grafana_to_promql(target["expr"],
                                                                                            variables)
    return out


def prometheus_config(targets: dict[str, list[str]], rules: list[str], alertmanager: str | None = None) -> dict:
    """The shipped prometheus.yml with the bnwatch job's targets given per component ({"crawler": [host:port],
    "clean": [...], ...}: the shipped relabelling turns components into jobs), 1 s scrapes and evaluations."""
    cfg = yaml.safe_load(PROM_CONFIG.read_text(encoding="utf-8"))
    cfg["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    cfg["rule_files"] = rules
    if alertmanager:
        cfg["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
    else:
        cfg.pop("alerting", None)
    (job,) = [sc for sc in cfg["scrape_configs"] if sc["job_name"] == "bnwatch"]
    job.pop("dns_sd_configs", None)
    job["static_configs"] = [{"targets": list(endpoints), "labels": {"component": component}}
                             for component, endpoints in targets.items()]
    cfg["scrape_configs"] = [job]
    return cfg


# -- metric names ---------------------------------------------------------------------------------------------

# exported by Prometheus itself or by libraries/exporters the deployment relies on
STANDARD_NAMES = {"up", "ALERTS", "ALERTS_FOR_STATE", "kafka_consumergroup_lag", "scrape_duration_seconds",
                  "scrape_samples_scraped"}
STANDARD_PREFIXES = ("process_", "python_")
TARGET_LABELS = {"job", "instance", "component", "host", "__name__"}  # added by the scrape config


def declared_metrics() -> dict[str, set[str]]:
    """Every sample name bnwatch/metrics.py can export → its label names (prometheus-client's suffixes applied)."""
    from prometheus_client.metrics import MetricWrapperBase

    import bnwatch.metrics as m

    names: dict[str, set[str]] = {}
    for obj in vars(m).values():
        if not isinstance(obj, MetricWrapperBase):
            continue
        base, kind, labels = obj._name, obj._type, set(obj._labelnames)
        if kind == "counter":
            names[base + "_total"] = labels
            names[base + "_created"] = labels
        elif kind == "histogram":
            for suffix in ("_bucket", "_sum", "_count", "_created"):
                names[base + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
        elif kind == "summary":
            for suffix in ("", "_sum", "_count", "_created"):
                names[base + suffix] = labels | ({"quantile"} if not suffix else set())
        else:
            names[base] = labels
    return names


_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
             "offset", "atan2", "inf", "nan", "start", "end"}
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (not functions, keywords, labels or durations)."""
    s = _STRING.sub('""', expr)
    s = re.sub(r"\{[^}]*\}", " ", s)          # label matchers
    s = re.sub(r"\[[^\]]*\]", " ", s)         # ranges and subqueries
    s = _GROUPING.sub(" ", s)
    s = re.sub(r"\boffset\s+\S+", " ", s)
    s = re.sub(r"\b\d[\w.]*", " ", s)         # numbers and durations
    names = set()
    for match in _IDENT.finditer(s):
        word = match.group(0)
        rest = s[match.end():].lstrip()
        if rest.startswith("("):              # a function call
            continue
        if word.lower() in _KEYWORDS:
            continue
        names.add(word)
    return names


_SELECTOR = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^}]*)\}")
_MATCHER_LABEL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)")


def selector_labels(expr: str) -> list[tuple[str, set[str]]]:
    """(metric name, label names used in its matchers) for every `name{...}` selector."""
    s = _STRING.sub('""', expr)
    return [(m.group(1), set(_MATCHER_LABEL.findall(m.group(2)))) for m in _SELECTOR.finditer(s)]


# -- processes ----------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get_json(url: str, timeout: float = 5.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.loads(resp.read().decode("utf-8"))


def wait_until(predicate, timeout: float, interval: float = 0.25, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # not up yet
            last_exc = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}" + (f": {last_exc!r}" if last_exc else ""))


class Process:
    """A background server process with its log in a file; stop() terminates it (then kills) — bounded."""

    def __init__(self, args: list[str], log: Path, cwd: Path | None = None):
        self.args, self.log_path = args, log
        self._log = open(log, "wb")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, cwd=cwd)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


class Prometheus(Process):
    def __init__(self, workdir: Path, config: dict, extra_args: tuple[str, ...] = ()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cfg = workdir / "prometheus.yml"
        cfg.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        data = workdir / "data"
        data.mkdir(exist_ok=True)
        super().__init__([
            binary("prometheus"), f"--config.file={cfg}", f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn", *extra_args,
        ], workdir / "prometheus.log", cwd=workdir)
        try:
            wait_until(lambda: self._ready(), 30, what="Prometheus /-/ready")
        except AssertionError:
            self.stop()
            raise AssertionError(f"Prometheus did not become ready:\n{self.log()}")

    def _ready(self) -> bool:
        if not self.alive():
            raise AssertionError(f"Prometheus exited:\n{self.log()}")
        with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as resp:
            return resp.status == 200

    def api(self, path: str, **params) -> dict:
        url = f"{self.url}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:  # 400 bad_data etc. carry a JSON body
            return json.loads(exc.read().decode("utf-8"))

    def query(self, expr: str) -> dict:
        return self.api("query", query=expr)


class Alertmanager(Process):
    def __init__(self, workdir: Path, config: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cfg = workdir / "alertmanager.yml"
        cfg.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        data = workdir / "am-data"
        data.mkdir(exist_ok=True)
        super().__init__([
            binary("prometheus-alertmanager"), f"--config.file={cfg}", f"--storage.path={data}",
            f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=", "--log.level=warn",
        ], workdir / "alertmanager.log", cwd=workdir)
        try:
            wait_until(lambda: self._ready(), 30, what="Alertmanager /-/ready")
        except AssertionError:
            self.stop()
            raise AssertionError(f"Alertmanager did not become ready:\n{self.log()}")

    def _ready(self) -> bool:
        if not self.alive():
            raise AssertionError(f"Alertmanager exited:\n{self.log()}")
        with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as resp:
            return resp.status == 200
