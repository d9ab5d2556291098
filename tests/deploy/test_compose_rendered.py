"""docker-compose.yml as it would start (Docker is absent here, so the file is rendered with compose's own
variable rules by deploy_support.render_compose): Alertmanager's webhooks reach a service of the file, every
published port is bound to loopback unless BNWATCH_BIND_ADDR says otherwise, no credential is written in the file,
every service has a healthcheck that uses a tool its image has, Prometheus' lifecycle endpoint is off, and the
broker accepts a raw page as large as bnwatch allows. Each check is a function returning the problems it finds,
run on the shipped file (none) and on the file issue #16 describes (tests/deploy/fixtures/, one problem at least
per check), so a check that cannot fail cannot pass either."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from deploy_support import (COMPOSE, ComposeVariableError, binary, interpolate_compose, render_compose,
                            run_tool)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
OLD_COMPOSE = FIXTURES / "docker-compose.before-issue-16.yml"
OLD_AM_CONFIG = FIXTURES / "alertmanager.before-issue-16.yml"

REQUIRED_ENV = {"GF_SECURITY_ADMIN_PASSWORD": "a-password-from-the-environment"}
RAW_PAGES_LIMIT_DEFAULT = 10 * 1024 * 1024   # BNWATCH_RAW_PAGES_MAX_BYTES' default (bnwatch.config)
CREDENTIAL_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|CREDENTIAL|API_?KEY|SASL_USERNAME", re.IGNORECASE)
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0"}

# image (prefix) → the program its healthcheck may run: what the image really contains
HEALTHCHECK_TOOLS = {
    "apache/kafka:": "/opt/kafka/bin/kafka-broker-api-versions.sh",   # the broker's own scripts
    "bnwatch:local": "python",                                          # python:3.11-slim: no curl, no wget
    "prom/prometheus:": "wget",                                         # busybox
    "prom/alertmanager:": "wget",                                       # busybox
    "danielqsj/kafka-exporter:": "wget",                                # busybox (its own HEALTHCHECK uses wget)
    "grafana/grafana:": "wget",                                         # Alpine's busybox
}


# -- the checks ---------------------------------------------------------------------------------------------------


def receiver_problems(compose: dict, am_config: dict) -> list[str]:
    """Every Alertmanager webhook must name a service of this file, on a port that service listens on."""
    problems = []
    services = compose["services"]
    urls = [w["url"] for r in am_config["receivers"] for w in r.get("webhook_configs", [])]
    if not urls:
        return ["Alertmanager has no webhook receiver"]
    for url in urls:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
        if host in LOOPBACK_HOSTS:
            problems.append(f"{url}: the Alertmanager container's own loopback")
            continue
        if host not in services:
            problems.append(f"{url}: {host} is not a service of the compose file")
            continue
        service = services[host]
        listens = {int(str(p).split("/")[0]) for p in service.get("expose", [])}
        command = service.get("command", [])
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        if "--port" in argv:
            listens.add(int(argv[argv.index("--port") + 1]))
        if port not in listens:
            problems.append(f"{url}: {host} does not listen on {port} (exposes {sorted(listens)})")
    return problems


def _published(port) -> tuple[str, str]:
    """(host address, host port) of a `ports:` entry, short or long syntax; "" = every interface."""
    if isinstance(port, dict):
        return str(port.get("host_ip", "")), str(port.get("published", ""))
    text = str(port).split("/")[0]
    if text.startswith("["):                          # [::1]:8080:80
        host, _, rest = text[1:].partition("]:")
        return host, rest.split(":")[0]
    parts = text.split(":")
    if len(parts) == 1:
        return "", ""                                 # a container port on a random host port, every interface
    if len(parts) == 2:
        return "", parts[0]
    return ":".join(parts[:-2]), parts[-2]


def binding_problems(compose: dict, expected: str = "127.0.0.1") -> list[str]:
    problems = []
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            host, _ = _published(port)
            if host != expected:
                problems.append(f"{name}: {port} is published on {host or 'every interface'}, not {expected}")
    return problems


def _env_items(service: dict) -> list[tuple[str, str]]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return [tuple(e.split("=", 1)) if "=" in e else (e, "") for e in env]
    return [(k, "" if v is None else str(v)) for k, v in env.items()]


_WHOLE_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-?])(.*))?\}")


def credential_problems(raw_compose: dict) -> list[str]:
    """In the file as written: a credential's value is a variable with no default (`${X}`, `${X:-}`, `${X:?msg}`),
    never a literal, and no command line carries a password."""
    problems = []
    for name, service in raw_compose["services"].items():
        for key, value in _env_items(service):
            if not CREDENTIAL_NAME.search(key):
                continue
            m = _WHOLE_REFERENCE.fullmatch(value.strip())
            if not m:
                problems.append(f"{name}: {key} is written in the file")
            elif m.group(2) == "-" and m.group(3):
                problems.append(f"{name}: {key} defaults to a literal ({m.group(3)!r})")
        command = service.get("command") or []
        for arg in (shlex.split(command) if isinstance(command, str) else command):
            if re.search(r"password|secret|token", str(arg), re.IGNORECASE):
                problems.append(f"{name}: a credential on the command line: {arg}")
    return problems


def healthcheck_problems(compose: dict) -> list[str]:
    problems = []
    for name, service in compose["services"].items():
        check = service.get("healthcheck")
        if not check or check.get("disable"):
            problems.append(f"{name}: no healthcheck")
            continue
        test = check.get("test")
        test = shlex.split(test) if isinstance(test, str) else list(test or [])
        if not test or test[0] not in ("CMD", "CMD-SHELL") or len(test) < 2:
            problems.append(f"{name}: healthcheck test {test!r} is not CMD/CMD-SHELL")
            continue
        program = shlex.split(test[1])[0] if test[0] == "CMD-SHELL" else test[1]
        image = str(service.get("image", ""))
        expected = next((tool for prefix, tool in HEALTHCHECK_TOOLS.items() if image.startswith(prefix)), None)
        if expected is None:
            problems.append(f"{name}: no known tool for image {image!r}")
        elif program != expected:
            problems.append(f"{name}: healthcheck runs {program}, the image {image} has {expected}")
    return problems


def lifecycle_problems(compose: dict) -> list[str]:
    command = compose["services"]["prometheus"].get("command") or []
    args = shlex.split(command) if isinstance(command, str) else list(command)
    return [f"prometheus: {a}" for a in args if a.startswith("--web.enable-lifecycle")]


def message_size_problems(compose: dict) -> list[str]:
    """The broker must accept (and replicate) a record as large as the raw-pages limit the bnwatch services use."""
    problems = []
    broker = {k: v for k, v in _env_items(compose["services"]["kafka"])}
    limits = {name: int(dict(_env_items(s)).get("BNWATCH_RAW_PAGES_MAX_BYTES") or RAW_PAGES_LIMIT_DEFAULT)
              for name, s in compose["services"].items() if s.get("image") == "bnwatch:local"
              and "BNWATCH_KAFKA_BOOTSTRAP" in dict(_env_items(s))}
    limit = max(limits.values())
    for key in ("KAFKA_MESSAGE_MAX_BYTES", "KAFKA_REPLICA_FETCH_MAX_BYTES"):
        value = int(broker.get(key) or 1048588)       # Kafka's default: about 1 MB
        if value < limit:
            problems.append(f"kafka: {key}={value} is below the raw-pages limit {limit}")
    return problems


def _am_config_of(compose: dict) -> dict:
    """The Alertmanager config the compose file mounts (a path relative to the compose file's directory)."""
    mounts = [str(v) for v in compose["services"]["alertmanager"]["volumes"]]
    source = next(v.split(":")[0] for v in mounts if v.split(":")[1] == "/etc/alertmanager/alertmanager.yml")
    return yaml.safe_load((COMPOSE.parent / source).resolve().read_text(encoding="utf-8"))


# -- the shipped file ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered() -> dict:
    return render_compose(REQUIRED_ENV)


def test_compose_refuses_to_start_without_the_grafana_password():
    with pytest.raises(ComposeVariableError, match="GF_SECURITY_ADMIN_PASSWORD"):
        render_compose({})
    rendered = render_compose({**REQUIRED_ENV, "GF_SECURITY_ADMIN_PASSWORD": "s3cret-from-env"})
    env = dict(_env_items(rendered["services"]["grafana"]))
    assert env["GF_SECURITY_ADMIN_PASSWORD"] == "s3cret-from-env"
    assert "admin" != env["GF_SECURITY_ADMIN_PASSWORD"]


def test_alertmanager_receivers_reach_a_service_of_the_file(rendered):
    am = _am_config_of(rendered)
    assert receiver_problems(rendered, am) == []
    hosts = {urlsplit(w["url"]).hostname for r in am["receivers"] for w in r["webhook_configs"]}
    assert hosts == {"receiver"}
    # the service is bnwatch's own receiver, which takes Alertmanager's payload on /alertmanager/...
    argv = rendered["services"]["receiver"]["command"]
    assert argv[:3] == ["python", "-m", "consumers.notify.receiver"]
    assert all(urlsplit(w["url"]).path.startswith("/alertmanager/") for r in am["receivers"]
               for w in r["webhook_configs"])
    # and it is not published: the Alertmanager path is unsigned
    assert not rendered["services"]["receiver"].get("ports")


def test_every_published_port_binds_loopback_unless_asked(rendered):
    published = [p for s in rendered["services"].values() for p in s.get("ports", [])]
    assert len(published) >= 5                       # kafka, feeds, prometheus, alertmanager, grafana
    assert binding_problems(rendered) == []
    everywhere = render_compose({**REQUIRED_ENV, "BNWATCH_BIND_ADDR": "0.0.0.0"})
    assert binding_problems(everywhere, expected="0.0.0.0") == []


def test_no_credential_is_written_in_the_file():
    raw = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert credential_problems(raw) == []
    names = [k for s in raw["services"].values() for k, _ in _env_items(s) if CREDENTIAL_NAME.search(k)]
    assert {"GF_SECURITY_ADMIN_PASSWORD", "BNWATCH_KAFKA_SASL_PASSWORD", "BNWATCH_LOCAL_WEBHOOK_SECRET"} <= set(names)
    # what the operator sets is what the services get
    rendered = render_compose({**REQUIRED_ENV, "BNWATCH_KAFKA_SASL_PASSWORD": "kafka-pw"})
    for name in ("crawler", "consume-clean", "consume-tag", "consume-stories", "consume-notify"):
        assert dict(_env_items(rendered["services"][name]))["BNWATCH_KAFKA_SASL_PASSWORD"] == "kafka-pw", name


def test_every_service_has_a_healthcheck_its_image_can_run(rendered):
    assert healthcheck_problems(rendered) == []
    for name, service in rendered["services"].items():
        check = service["healthcheck"]
        assert {"interval", "timeout", "retries"} <= set(check), name
    # a bnwatch stage is healthy when its own /metrics answers, on the port Prometheus scrapes
    for name, service in rendered["services"].items():
        if "--metrics-port" in service.get("command", []):
            port = service["command"][service["command"].index("--metrics-port") + 1]
            assert f"http://127.0.0.1:{port}/metrics" in " ".join(service["healthcheck"]["test"]), name


def test_prometheus_lifecycle_endpoint_is_off(rendered):
    assert lifecycle_problems(rendered) == []
    assert any(a.startswith("--config.file=") for a in rendered["services"]["prometheus"]["command"])


@pytest.mark.parametrize("limit", [None, "20971520"])
def test_broker_accepts_a_raw_page_up_to_the_limit(limit):
    env = {**REQUIRED_ENV, **({"BNWATCH_RAW_PAGES_MAX_BYTES": limit} if limit else {})}
    rendered = render_compose(env)
    assert message_size_problems(rendered) == []
    broker = dict(_env_items(rendered["services"]["kafka"]))
    assert int(broker["KAFKA_MESSAGE_MAX_BYTES"]) >= int(limit or RAW_PAGES_LIMIT_DEFAULT)
    assert int(broker["KAFKA_REPLICA_FETCH_MAX_BYTES"]) >= int(limit or RAW_PAGES_LIMIT_DEFAULT)


def test_kafka_cluster_settings_reach_every_bnwatch_client(rendered):
    """The variables of a real cluster (README, "Operations") pass through, with single-broker defaults."""
    expected = {"BNWATCH_KAFKA_BOOTSTRAP": "kafka:19092", "BNWATCH_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT",
                "BNWATCH_KAFKA_SASL_MECHANISM": "", "BNWATCH_KAFKA_SASL_USERNAME": "",
                "BNWATCH_KAFKA_SASL_PASSWORD": "", "BNWATCH_KAFKA_SSL_CAFILE": "", "BNWATCH_KAFKA_PARTITIONS": "3",
                "BNWATCH_KAFKA_REPLICATION_FACTOR": "1", "BNWATCH_KAFKA_MIN_INSYNC_REPLICAS": "",
                "BNWATCH_RAW_PAGES_MAX_BYTES": str(RAW_PAGES_LIMIT_DEFAULT)}
    clients = [n for n, s in rendered["services"].items() if "BNWATCH_KAFKA_BOOTSTRAP" in dict(_env_items(s))]
    assert set(clients) == {"crawler", "consume-clean", "consume-tag", "consume-stories", "consume-notify"}
    for name in clients:
        env = dict(_env_items(rendered["services"][name]))
        assert {k: env.get(k) for k in expected} == expected, name
    cluster = render_compose({**REQUIRED_ENV, "BNWATCH_KAFKA_BOOTSTRAP": "k1:9093,k2:9093,k3:9093",
                              "BNWATCH_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "BNWATCH_KAFKA_REPLICATION_FACTOR": "3",
                              "BNWATCH_KAFKA_MIN_INSYNC_REPLICAS": "2", "BNWATCH_KAFKA_PARTITIONS": "12"})
    env = dict(_env_items(cluster["services"]["consume-clean"]))
    assert (env["BNWATCH_KAFKA_BOOTSTRAP"], env["BNWATCH_KAFKA_SECURITY_PROTOCOL"],
            env["BNWATCH_KAFKA_REPLICATION_FACTOR"], env["BNWATCH_KAFKA_MIN_INSYNC_REPLICAS"],
            env["BNWATCH_KAFKA_PARTITIONS"]) == ("k1:9093,k2:9093,k3:9093", "SASL_SSL", "3", "2", "12")


def test_every_bnwatch_service_environment_is_accepted_by_bnwatch(rendered):
    """What compose passes (empty = unset) is a valid bnwatch configuration, defaults and a SASL cluster alike."""
    from bnwatch.config import Settings

    cluster = render_compose({**REQUIRED_ENV, "BNWATCH_KAFKA_BOOTSTRAP": "k1:9093,k2:9093,k3:9093",
                              "BNWATCH_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                              "BNWATCH_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "BNWATCH_KAFKA_SASL_USERNAME": "bnwatch",
                              "BNWATCH_KAFKA_SASL_PASSWORD": "pw", "BNWATCH_KAFKA_REPLICATION_FACTOR": "3",
                              "BNWATCH_KAFKA_MIN_INSYNC_REPLICAS": "2"})
    for compose in (rendered, cluster):
        for name, service in compose["services"].items():
            env = dict(_env_items(service))
            if "BNWATCH_KAFKA_BOOTSTRAP" not in env:
                continue
            settings = Settings.from_env(env)
            assert settings.raw_pages_max_bytes == int(env["BNWATCH_RAW_PAGES_MAX_BYTES"]), name
            assert settings.kafka_replication_factor == int(env["BNWATCH_KAFKA_REPLICATION_FACTOR"]), name
    assert Settings.from_env(dict(_env_items(cluster["services"]["consume-tag"]))).kafka_min_insync_replicas == 2
    assert Settings().raw_pages_max_bytes == RAW_PAGES_LIMIT_DEFAULT, "compose's default differs from bnwatch's"


def test_the_mounted_alertmanager_config_passes_amtool(rendered, tmp_path):
    amtool = binary("amtool")
    am = _am_config_of(rendered)
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(am, sort_keys=False), encoding="utf-8")
    result = run_tool(amtool, "check-config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


# -- the checks reject the file issue #16 describes ----------------------------------------------------------------


def test_each_check_rejects_the_file_before_issue_16():
    old_raw = yaml.safe_load(OLD_COMPOSE.read_text(encoding="utf-8"))
    old = render_compose({}, text=OLD_COMPOSE.read_text(encoding="utf-8"))
    old_am = yaml.safe_load(OLD_AM_CONFIG.read_text(encoding="utf-8"))
    found = {
        "receivers": receiver_problems(old, old_am),
        "bindings": binding_problems(old),
        "credentials": credential_problems(old_raw),
        "healthchecks": healthcheck_problems(old),
        "lifecycle": lifecycle_problems(old),
        "message size": message_size_problems(old),
    }
    assert all(found.values()), {k: v for k, v in found.items() if not v}
    assert any("own loopback" in p for p in found["receivers"])
    assert any(p.startswith("grafana: GF_SECURITY_ADMIN_PASSWORD defaults to a literal") for p in found["credentials"])
    assert {p.split(":")[0] for p in found["bindings"]} >= {"kafka", "prometheus", "alertmanager", "grafana"}
    assert "kafka: no healthcheck" not in found["healthchecks"] and "grafana: no healthcheck" in found["healthchecks"]


def test_interpolation_follows_compose_rules():
    env = {"SET": "v", "EMPTY": ""}
    assert interpolate_compose("${SET:-d} ${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d}", env) == "v d d  d"
    assert interpolate_compose("$$HOME ${UNSET:-${SET}} $SET", env) == "$HOME v v"
    with pytest.raises(ComposeVariableError, match="EMPTY.*say why"):
        interpolate_compose("${EMPTY:?say why}", env)
    assert interpolate_compose("${EMPTY?unused}", env) == ""


@pytest.mark.integration
def test_alertmanager_delivers_to_bnwatchs_receiver(tmp_path, capfd):
    """A real Alertmanager with the shipped config (its `receiver:8765` pointed at a local port) delivers an alert
    to consumers.notify.receiver, which accepts the unsigned Alertmanager payload on /alertmanager/<receiver>."""
    import json
    import threading
    import urllib.error
    import urllib.request

    from consumers.notify.receiver import make_server
    from deploy_support import AM_CONFIG, Alertmanager, wait_until

    got: list[dict] = []
    server = make_server("whsec_" + "A" * 32, port=0, on_alertmanager=got.append)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    am = None
    try:
        cfg = yaml.safe_load(AM_CONFIG.read_text(encoding="utf-8"))
        for receiver in cfg["receivers"]:
            for hook in receiver["webhook_configs"]:
                hook["url"] = hook["url"].replace("receiver:8765", f"127.0.0.1:{server.server_address[1]}")
        for route in [cfg["route"], *cfg["route"]["routes"]]:
            route.update(group_wait="1s", group_interval="2s")
        am = Alertmanager(tmp_path, cfg)
        alert = [{"labels": {"alertname": "BnwatchCrawlerDown", "severity": "critical", "component": "crawler"},
                  "annotations": {"summary": "crawler down"}}]
        request = urllib.request.Request(f"{am.url}/api/v2/alerts", data=json.dumps(alert).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert resp.status == 200
        payload = wait_until(lambda: got and got[0], 30, what="the Alertmanager webhook at the receiver")
        assert payload["receiver"] == "bnwatch-critical" and payload["version"] == "4"
        assert [a["labels"]["alertname"] for a in payload["alerts"]] == ["BnwatchCrawlerDown"]
        assert "alertmanager bnwatch-critical firing BnwatchCrawlerDown severity=critical crawler down" in (
            capfd.readouterr().out.splitlines())
        # anything else on that path is refused, not printed
        bad = urllib.request.Request(f"http://127.0.0.1:{server.server_address[1]}/alertmanager/critical",
                                     data=b"not json", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bad, timeout=10)
        assert refused.value.code == 400 and len(got) == 1
    finally:
        if am:
            am.stop()
        server.shutdown()
        server.server_close()
